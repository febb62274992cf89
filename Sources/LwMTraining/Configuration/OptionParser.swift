import Foundation

/// The options a command line asked for: the values given, file values overridden by later
/// command-line ones; options not given are absent and keep their defaults.
public struct ParsedOptions: Sendable, Equatable {
    /// Whether `--help` or `-h` was given; nothing else is then read.
    public var helpRequested: Bool
    /// The values by option name, without dashes.
    public var values: [String: OptionValue]
    /// The `--config` file read, if any.
    public var configurationFile: String?

    public init(
        helpRequested: Bool = false, values: [String: OptionValue] = [:],
        configurationFile: String? = nil
    ) {
        self.helpRequested = helpRequested
        self.values = values
        self.configurationFile = configurationFile
    }
}

/// Reads `--name value` and `--name=value` options against a table of `OptionSpec`s.
///
/// Flags stand alone (`--resume`), or take `--no-resume` or `--resume=false`. A repeated
/// option keeps its last value. `--config FILE` reads a JSON object of option names (with or
/// without dashes) and values first; options on the command line override it wherever they
/// stand. `--help` or `-h` anywhere asks for the help text. Positional arguments are errors.
public struct OptionParser: Sendable {
    /// How the usage line and messages name the command: `lwm train`.
    public var commandName: String
    /// A sentence or two under the usage line.
    public var summary: String
    /// The options, in the order the help text lists them within each group.
    public var specs: [OptionSpec]

    /// The option that names a configuration file; the parser handles it itself.
    static let configOption = "config"

    public init(commandName: String, summary: String, specs: [OptionSpec]) {
        precondition(
            !specs.contains { [Self.configOption, "help"].contains($0.name) },
            "'config' and 'help' are the parser's own options")
        self.commandName = commandName
        self.summary = summary
        self.specs = specs
    }

    /// The options given by `arguments`, which exclude the program and command names.
    ///
    /// - Throws: `ConfigurationError` for an unknown option (with the closest known name), a
    ///   missing or malformed value, a stray positional argument, or a configuration file
    ///   that cannot be read, is not a JSON object, or holds an unknown option or bad value.
    public func parse(_ arguments: [String]) throws -> ParsedOptions {
        if arguments.contains(where: { $0 == "--help" || $0 == "-h" }) {
            return ParsedOptions(helpRequested: true)
        }

        var given: [String: OptionValue] = [:]
        var configurationFile: String?
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw strayArgument(argument)
            }

            let body = argument.dropFirst(2)
            let name = String(body.prefix { $0 != "=" })
            let inline = body.firstIndex(of: "=").map { String(body[body.index(after: $0)...]) }
            func value(expected: String) throws -> String {
                if let inline { return inline }
                guard index < arguments.count, !arguments[index].hasPrefix("--") else {
                    throw ConfigurationError(
                        "option '--\(name)' needs a value (\(expected)), such as '--\(name) "
                            + "\(example(for: name))'")
                }
                index += 1
                return arguments[index - 1]
            }

            if name == Self.configOption {
                configurationFile = try value(expected: "a JSON file")
            } else if let spec = spec(named: name) {
                if spec.kind == .flag, inline == nil {
                    given[name] = .flag(true)
                } else {
                    given[name] = try OptionValue.parse(
                        value(expected: spec.kind.expectation), as: spec.kind, option: name,
                        source: .commandLine)
                }
            } else if name.hasPrefix("no-"), inline == nil,
                let spec = spec(named: String(name.dropFirst(3))), spec.kind == .flag
            {
                given[spec.name] = .flag(false)
            } else {
                throw unknownOption("--" + name, source: .commandLine)
            }
        }

        var values: [String: OptionValue] = [:]
        if let configurationFile {
            values = try readConfigurationFile(configurationFile)
        }
        values.merge(given) { _, commandLine in commandLine }
        return ParsedOptions(values: values, configurationFile: configurationFile)
    }

    /// The values of a JSON object of option names (with or without leading dashes) and
    /// values; null leaves an option at its default.
    ///
    /// - Throws: `ConfigurationError` for an unknown name or a value of the wrong kind.
    func values(
        fromJSONObject object: [String: JSONValue], source: OptionSource
    ) throws -> [String: OptionValue] {
        var values: [String: OptionValue] = [:]
        // Sorted, so that of several problems the same one is always told first.
        for (key, json) in object.sorted(by: { $0.key < $1.key }) {
            let name = String(key.drop { $0 == "-" })
            if name == Self.configOption, case .file(let path) = source {
                throw ConfigurationError(
                    "the configuration file '\(path)' names another configuration file "
                        + "('\(key)'); remove that key, files cannot include each other")
            }
            guard let spec = spec(named: name) else {
                throw unknownOption(key, source: source)
            }
            values[name] = try OptionValue.parse(json, as: spec.kind, option: name, source: source)
        }
        return values
    }

    // MARK: - Configuration file

    private func readConfigurationFile(_ path: String) throws -> [String: OptionValue] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigurationError(
                "cannot read the configuration file '\(path)': no such file; check the path "
                    + "given to --config")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigurationError(
                "cannot read the configuration file '\(path)' (\(error.localizedDescription)); "
                    + "check that it is a readable file")
        }

        let example = "such as {\"epochs\": 8, \"lr\": 0.05}"
        let json: JSONValue
        do {
            json = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw ConfigurationError(
                "the configuration file '\(path)' is not valid JSON; write one object of option "
                    + "names and values, \(example)")
        }
        guard case .object(let object) = json else {
            throw ConfigurationError(
                "the configuration file '\(path)' holds \(json.kindName), not an object; write "
                    + "one object of option names and values, \(example)")
        }
        return try values(fromJSONObject: object, source: .file(path))
    }

    // MARK: - Lookup and messages

    private func spec(named name: String) -> OptionSpec? {
        specs.first { $0.name == name }
    }

    private func unknownOption(_ written: String, source: OptionSource) -> ConfigurationError {
        ConfigurationError.unknownOption(
            written, source: source, candidates: specs.map(\.name) + [Self.configOption],
            commandName: commandName)
    }

    private func strayArgument(_ argument: String) -> ConfigurationError {
        if argument.hasPrefix("-"), argument.count > 1 {
            return unknownOption(argument, source: .commandLine)
        }
        return ConfigurationError(
            "unexpected argument '\(argument)'; options are written '--name value' or "
                + "'--name=value', and lists without spaces, such as '--class-order 3,1,4'")
    }

    /// A value to show in "such as '--epochs 8'": the default if it is a valid value (not
    /// "all" or "runs/<timestamp>"), else a placeholder.
    private func example(for name: String) -> String {
        if name == Self.configOption { return "run.json" }
        guard let spec = spec(named: name) else { return "<value>" }
        if case .choice(let choices) = spec.kind, let first = choices.first { return first }
        if let text = spec.defaultText, !text.contains("<"),
            (try? OptionValue.parse(text, as: spec.kind, option: name, source: .commandLine))
                != nil
        {
            return text
        }
        return spec.placeholder ?? spec.kind.placeholder
    }
}
