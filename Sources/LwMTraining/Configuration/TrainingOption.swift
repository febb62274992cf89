/// One row of `TrainingConfiguration.options`: an option's specification and the property it
/// fills.
struct TrainingOption {
    var spec: OptionSpec
    /// Stores a parsed value in the configuration.
    var assign: (inout TrainingConfiguration, OptionValue) throws -> Void
    /// The configuration's value as an option; nil for an unset optional.
    var read: (TrainingConfiguration) -> OptionValue?

    /// The option `name` filling `field`.
    ///
    /// The kind follows from the field's type; the default shown in the help text is the
    /// field's initial value in `TrainingConfiguration()` unless `defaultText` overrides it.
    init<Field: OptionField>(
        _ name: String, _ field: WritableKeyPath<TrainingConfiguration, Field>,
        _ bounds: OptionBounds = .any, placeholder: String? = nil, defaultText: String? = nil,
        help: String
    ) {
        // The group is a stand-in: rows are written inside their group's list, whose
        // `grouped(_:)` sets it.
        spec = OptionSpec(
            name: name, kind: Field.optionKind(bounds: bounds),
            defaultText: defaultText ?? TrainingConfiguration()[keyPath: field].optionValue?.text,
            help: help, group: .data, placeholder: placeholder)
        assign = { configuration, value in
            configuration[keyPath: field] = try Field(optionValue: value, option: name)
        }
        read = { configuration in configuration[keyPath: field].optionValue }
    }
}

extension Array where Element == TrainingOption {
    /// The rows, listed under `group` in the help text.
    func grouped(_ group: OptionGroup) -> [TrainingOption] {
        map { row in
            var row = row
            row.spec.group = group
            return row
        }
    }
}
