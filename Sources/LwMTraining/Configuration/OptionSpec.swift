/// The section of the help text an option is listed in.
public enum OptionGroup: String, CaseIterable, Sendable {
    case data = "Data"
    case schedule = "Schedule"
    case model = "Model"
    case method = "Method"
    case optimisation = "Optimisation"
    case distributed = "Distributed"
    case output = "Output"
}

/// The range an option's numbers must fall in.
public enum OptionBounds: Sendable, Equatable {
    case any
    case positive
    case nonNegative
    /// [0, 1): momentum and other fractions that must stay below one.
    case unitInterval

    /// Whether `value` lies in the range.
    public func admits(_ value: Double) -> Bool {
        switch self {
        case .any: value.isFinite
        case .positive: value.isFinite && value > 0
        case .nonNegative: value.isFinite && value >= 0
        case .unitInterval: value >= 0 && value < 1
        }
    }

    /// "positive ", "non-negative " or "" before a noun; fractions are told separately.
    fileprivate var adjective: String {
        switch self {
        case .any, .unitInterval: ""
        case .positive: "positive "
        case .nonNegative: "non-negative "
        }
    }
}

/// What an option holds, and so how its text is read and how the help text shows it.
public enum OptionKind: Sendable, Equatable {
    /// On or off: `--resume`, `--no-resume`, `--resume=false`.
    case flag
    case int(OptionBounds)
    case double(OptionBounds)
    case string
    /// Comma-separated integers without spaces: `3,1,4`.
    case intList(OptionBounds)
    /// One of a fixed list of words.
    case choice([String])

    /// The placeholder after the option's name in the help text.
    var placeholder: String {
        switch self {
        case .flag: ""
        case .int: "<int>"
        case .double: "<number>"
        case .string: "<text>"
        case .intList: "<int,...>"
        case .choice: "<choice>"
        }
    }

    /// What a valid value is, phrased to follow "expects": "a positive integer".
    var expectation: String {
        switch self {
        case .flag:
            "true or false"
        case .int(let bounds):
            bounds == .unitInterval
                ? "an integer in [0, 1)" : "a \(bounds.adjective)integer".withArticle
        case .double(.unitInterval):
            "a number in [0, 1)"
        case .double(let bounds):
            "a \(bounds.adjective)number".withArticle
        case .string:
            "a text"
        case .intList(let bounds):
            "a comma-separated list of \(bounds.adjective)integers such as 3,1,4"
        case .choice(let choices):
            "one of \(choices.joined(separator: ", "))"
        }
    }
}

/// One command-line option: its name, what it holds and how the help text describes it.
public struct OptionSpec: Sendable, Equatable {
    /// The name without dashes: `batch-size`.
    public var name: String
    public var kind: OptionKind
    /// The default as the help text shows it; nil shows none.
    public var defaultText: String?
    /// One line saying what the option does.
    public var help: String
    public var group: OptionGroup
    /// The help text's placeholder for the value, such as `<dir>`; nil takes the kind's.
    public var placeholder: String?

    public init(
        name: String, kind: OptionKind, defaultText: String?, help: String, group: OptionGroup,
        placeholder: String? = nil
    ) {
        self.name = name
        self.kind = kind
        self.defaultText = defaultText
        self.help = help
        self.group = group
        self.placeholder = placeholder
    }
}

extension String {
    /// "a integer" → "an integer": the article agreeing with the next word.
    fileprivate var withArticle: String {
        guard hasPrefix("a "), let next = dropFirst(2).first, "aeiou".contains(next) else {
            return self
        }
        return "an " + dropFirst(2)
    }
}
