import LwMData

/// A value read for one option, of the kind its `OptionSpec` names.
public enum OptionValue: Sendable, Equatable {
    case flag(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case intList([Int])
    case choice(String)

    /// The value as the help text and the configuration table show it: `on`, `8`, `0.1`,
    /// `3,1,4`.
    public var text: String {
        switch self {
        case .flag(let value): value ? "on" : "off"
        case .int(let value): String(value)
        case .double(let value): Self.format(value)
        case .string(let value): value
        case .intList(let values): values.map(String.init).joined(separator: ",")
        case .choice(let value): value
        }
    }

    /// The value in a configuration file.
    var json: JSONValue {
        switch self {
        case .flag(let value): .bool(value)
        case .int(let value): .int(value)
        case .double(let value): .double(value)
        case .string(let value): .string(value)
        case .intList(let values): .array(values.map(JSONValue.int))
        case .choice(let value): .string(value)
        }
    }

    /// Whether the value is of `kind` and within its bounds.
    func fits(_ kind: OptionKind) -> Bool {
        switch (self, kind) {
        case (.flag, .flag), (.string, .string): true
        case (.int(let value), .int(let bounds)): bounds.admits(Double(value))
        case (.double(let value), .double(let bounds)): bounds.admits(value)
        case (.intList(let values), .intList(let bounds)):
            values.allSatisfy { bounds.admits(Double($0)) }
        case (.choice(let value), .choice(let choices)): choices.contains(value)
        default: false
        }
    }

    /// Integral values without a fraction (`300`, not `300.0`); others as Swift prints them.
    static func format(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 {
            return String(Int(value))
        }
        return String(value)
    }
}

extension OptionValue {
    /// Reads `text`, as written after an option on the command line or as a string in a
    /// configuration file, as a value of `kind`.
    ///
    /// - Throws: `ConfigurationError` naming the option and what it expects when the text is
    ///   not of the kind or outside its bounds.
    static func parse(
        _ text: String, as kind: OptionKind, option name: String, source: OptionSource
    ) throws -> OptionValue {
        let quoted = source == .commandLine ? "'\(text)'" : "\"\(text)\""
        let value: OptionValue?
        switch kind {
        case .flag:
            value = parseBool(text).map(OptionValue.flag)
        case .int:
            value = Int(text).map(OptionValue.int)
        case .double:
            value = Double(text).map(OptionValue.double)
        case .string:
            value = .string(text)
        case .intList where name == "class-order" && text == "icarl":
            // The class order of iCaRL's CIFAR-100 experiments, used across the literature.
            value = .intList(ClassSchedule.icarlCIFAR100Order)
        case .intList:
            let items = text.split(separator: ",", omittingEmptySubsequences: false)
            let numbers = items.compactMap { Int(String($0.filter { $0 != " " })) }
            value =
                text.isEmpty ? .intList([]) : numbers.count == items.count ? .intList(numbers) : nil
        case .choice(let choices):
            guard choices.contains(text) else {
                throw ConfigurationError.invalidChoice(
                    name, choices: choices, got: text, quoted: quoted, source: source)
            }
            value = .choice(text)
        }
        guard let value, value.fits(kind) else {
            throw ConfigurationError.invalidValue(
                name, expected: kind.expectation, got: quoted, source: source)
        }
        return value
    }

    /// Reads a configuration file's JSON value as a value of `kind`; nil for JSON null, which
    /// leaves the option at its default.
    ///
    /// Strings are read as command-line text, so `"0.1"` and `"3,1,4"` are accepted too.
    ///
    /// - Throws: `ConfigurationError` naming the option, the file and what it expects.
    static func parse(
        _ json: JSONValue, as kind: OptionKind, option name: String, source: OptionSource
    ) throws -> OptionValue? {
        let value: OptionValue?
        switch (json, kind) {
        case (.null, _):
            return nil
        case (.string(let text), _):
            return try parse(text, as: kind, option: name, source: source)
        case (.bool(let flag), .flag):
            value = .flag(flag)
        case (.int(let number), .int):
            value = .int(number)
        case (.double(let number), .int):
            value = number == number.rounded() && abs(number) < 1e15 ? .int(Int(number)) : nil
        case (.int(let number), .double):
            value = .double(Double(number))
        case (.double(let number), .double):
            value = .double(number)
        case (.array(let items), .intList):
            let numbers = items.compactMap { item -> Int? in
                if case .int(let number) = item { return number }
                return nil
            }
            value = numbers.count == items.count ? .intList(numbers) : nil
        case (.int(let number), .intList):
            value = .intList([number])
        default:
            value = nil
        }
        guard let value, value.fits(kind) else {
            if case .choice(let choices) = kind {
                throw ConfigurationError.invalidChoice(
                    name, choices: choices, got: json.text, quoted: json.text, source: source)
            }
            throw ConfigurationError.invalidValue(
                name, expected: kind.expectation, got: json.text, source: source)
        }
        return value
    }

    private static func parseBool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on", "1": true
        case "false", "no", "off", "0": false
        default: nil
        }
    }
}
