import Foundation

/// A configuration is coded as one JSON object of option names and values, in the format
/// `--config` reads: metrics.json's "config" and a checkpoint's configuration can be passed
/// back with `--config` to repeat a run. Unset optionals are written as null.
extension TrainingConfiguration: Codable {
    /// Decodes an object of option names and values; options missing from it keep their
    /// defaults, so older files stay readable.
    ///
    /// - Throws: `DecodingError.dataCorrupted` carrying the `ConfigurationError` sentence when
    ///   a name is unknown or a value is bad.
    public init(from decoder: Decoder) throws {
        let object = try decoder.singleValueContainer().decode([String: JSONValue].self)
        do {
            let values = try Self.trainParser.values(fromJSONObject: object, source: .encoded)
            try self.init(values: values)
        } catch let error as ConfigurationError {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: decoder.codingPath, debugDescription: error.description,
                    underlyingError: error))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(jsonMembers)
    }

    /// The configuration as `JSONSerialization` takes it: option names (without dashes) to
    /// numbers, strings, booleans, integer arrays, or NSNull for unset optionals.
    public var jsonObject: [String: Any] {
        jsonMembers.mapValues(\.foundationObject)
    }

    /// Option names and values, in table order, as the configuration table shows them. An
    /// unset optional shows what its default means ("all", "runs/<timestamp>"); an empty
    /// list shows "none".
    public var optionRows: [(name: String, value: String)] {
        Self.options.map { option in
            let text = option.read(self)?.text ?? option.spec.defaultText ?? "none"
            return (option.spec.name, text.isEmpty ? "none" : text)
        }
    }

    private var jsonMembers: [String: JSONValue] {
        var members: [String: JSONValue] = [:]
        for option in Self.options {
            members[option.spec.name] = option.read(self)?.json ?? .null
        }
        return members
    }
}
