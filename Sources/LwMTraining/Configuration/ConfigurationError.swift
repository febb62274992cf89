import Foundation

/// A problem with the command line, a configuration file or a configuration's values, told in
/// one sentence that names the option, the value and, where there is one, the fix.
public struct ConfigurationError: Error, CustomStringConvertible, LocalizedError, Equatable,
    Sendable
{
    /// The sentence shown to the user.
    public let description: String

    /// An error whose message is `description`.
    public init(_ description: String) {
        self.description = description
    }

    public var errorDescription: String? { description }
}

/// Where an option's value came from, which decides how a message names the option and quotes
/// the value.
enum OptionSource: Sendable, Equatable {
    case commandLine
    case file(String)
    case encoded

    /// "option '--lr'", or "option 'lr' in the configuration file 'run.json'".
    func subject(_ name: String) -> String {
        switch self {
        case .commandLine: "option '--\(name)'"
        case .file(let path): "option '\(name)' in the configuration file '\(path)'"
        case .encoded: "option '\(name)' in the encoded configuration"
        }
    }

    /// The way this source spells an option's name: with dashes on the command line only.
    func spelling(_ name: String) -> String {
        self == .commandLine ? "--\(name)" : name
    }
}

extension ConfigurationError {
    /// "unknown option '--lr-rate'; did you mean '--lr'?"
    static func unknownOption(
        _ written: String, source: OptionSource, candidates: [String], commandName: String
    ) -> ConfigurationError {
        let bare = written.drop { $0 == "-" }
        var place = ""
        if case .file(let path) = source { place = " in the configuration file '\(path)'" }
        if let closest = Suggestion.closest(to: String(bare), among: candidates) {
            return ConfigurationError(
                "unknown option '\(written)'\(place); did you mean '\(source.spelling(closest))'?")
        }
        return ConfigurationError(
            "unknown option '\(written)'\(place); run '\(commandName) --help' to list the options")
    }

    /// "option '--batch-size' expects a positive integer, got 'abc'"
    static func invalidValue(
        _ name: String, expected: String, got value: String, source: OptionSource
    ) -> ConfigurationError {
        ConfigurationError("\(source.subject(name)) expects \(expected), got \(value)")
    }

    /// "option '--method' must be one of lwm, lwf, c+ad, finetune; got 'lwn' (did you mean
    /// 'lwm'?)"
    static func invalidChoice(
        _ name: String, choices: [String], got text: String, quoted: String, source: OptionSource
    ) -> ConfigurationError {
        var message =
            "\(source.subject(name)) must be one of \(choices.joined(separator: ", ")); got \(quoted)"
        if let closest = Suggestion.closest(to: text, among: choices) {
            message += " (did you mean '\(closest)'?)"
        }
        return ConfigurationError(message)
    }
}
