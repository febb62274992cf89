import LwMCore
import LwMData

/// A configuration property that one option fills: it says what kind of option it is, takes
/// the option's parsed value, and gives its own value back for coding and display.
protocol OptionField {
    /// The option kind for this type, with `bounds` on its numbers.
    static func optionKind(bounds: OptionBounds) -> OptionKind
    /// The field holding `value`, which the parser read as `optionKind(bounds:)`.
    ///
    /// - Throws: `ConfigurationError` when the value is not one this type can hold.
    init(optionValue value: OptionValue, option name: String) throws
    /// The value as an option; nil for an optional left unset.
    var optionValue: OptionValue? { get }
}

extension ConfigurationError {
    /// A table row whose kind disagrees with its property's type: a bug, not bad input.
    static func kindMismatch(_ name: String, _ value: OptionValue) -> ConfigurationError {
        ConfigurationError(
            "option '--\(name)' received \(value), which its property cannot hold; the option "
                + "table and TrainingConfiguration disagree, please report this")
    }
}

extension Bool: OptionField {
    static func optionKind(bounds: OptionBounds) -> OptionKind { .flag }
    init(optionValue value: OptionValue, option name: String) throws {
        guard case .flag(let flag) = value else {
            throw ConfigurationError.kindMismatch(name, value)
        }
        self = flag
    }
    var optionValue: OptionValue? { .flag(self) }
}

extension Int: OptionField {
    static func optionKind(bounds: OptionBounds) -> OptionKind { .int(bounds) }
    init(optionValue value: OptionValue, option name: String) throws {
        guard case .int(let number) = value else {
            throw ConfigurationError.kindMismatch(name, value)
        }
        self = number
    }
    var optionValue: OptionValue? { .int(self) }
}

extension Double: OptionField {
    static func optionKind(bounds: OptionBounds) -> OptionKind { .double(bounds) }
    init(optionValue value: OptionValue, option name: String) throws {
        guard case .double(let number) = value else {
            throw ConfigurationError.kindMismatch(name, value)
        }
        self = number
    }
    var optionValue: OptionValue? { .double(self) }
}

extension String: OptionField {
    static func optionKind(bounds: OptionBounds) -> OptionKind { .string }
    init(optionValue value: OptionValue, option name: String) throws {
        guard case .string(let text) = value else {
            throw ConfigurationError.kindMismatch(name, value)
        }
        self = text
    }
    var optionValue: OptionValue? { .string(self) }
}

extension Array: OptionField where Element == Int {
    static func optionKind(bounds: OptionBounds) -> OptionKind { .intList(bounds) }
    init(optionValue value: OptionValue, option name: String) throws {
        guard case .intList(let numbers) = value else {
            throw ConfigurationError.kindMismatch(name, value)
        }
        self = numbers
    }
    var optionValue: OptionValue? { .intList(self) }
}

extension Optional: OptionField where Wrapped: OptionField {
    static func optionKind(bounds: OptionBounds) -> OptionKind {
        Wrapped.optionKind(bounds: bounds)
    }
    init(optionValue value: OptionValue, option name: String) throws {
        self = try Wrapped(optionValue: value, option: name)
    }
    var optionValue: OptionValue? { self?.optionValue }
}

/// A field that takes one of a fixed list of words, its cases' raw values.
protocol ChoiceField: OptionField, CaseIterable, RawRepresentable<String> {}

extension ChoiceField {
    static func optionKind(bounds: OptionBounds) -> OptionKind {
        .choice(allCases.map(\.rawValue))
    }
    init(optionValue value: OptionValue, option name: String) throws {
        guard case .choice(let word) = value, let choice = Self(rawValue: word) else {
            throw ConfigurationError.kindMismatch(name, value)
        }
        self = choice
    }
    var optionValue: OptionValue? { .choice(rawValue) }
}

extension DatasetPreset: ChoiceField {}
extension TrainingConfiguration.AugmentChoice: ChoiceField {}
extension BadImagePolicy: ChoiceField {}
extension CIFARLabels: ChoiceField {}
extension Method: ChoiceField {}
extension ClassificationScope: ChoiceField {}
extension TrainingConfiguration.LearningRateSchedule: ChoiceField {}
extension TrainingConfiguration.BatchNormStatistics: ChoiceField {}
extension TrainingConfiguration.ProgressStyle: ChoiceField {}

extension Architecture: OptionField {
    static func optionKind(bounds: OptionBounds) -> OptionKind { .string }
    init(optionValue value: OptionValue, option name: String) throws {
        guard case .string(let text) = value else {
            throw ConfigurationError.kindMismatch(name, value)
        }
        guard let architecture = Self(name: text) else {
            var message = "option '--\(name)' expects \(Self.expectation), got '\(text)'"
            if let suggestion = Self.suggestion(for: text) {
                message += " (did you mean '\(suggestion)'?)"
            }
            throw ConfigurationError(message)
        }
        self = architecture
    }
    var optionValue: OptionValue? { .string(name) }
}
