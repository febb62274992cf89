extension TrainingConfiguration {
    /// Checks every value against its option's kind and bounds, and the values against each
    /// other where the dataset alone decides (its class count). Whether the classes split into
    /// the tasks asked for is left to `ClassSchedule`, which knows the data.
    ///
    /// - Throws: `ConfigurationError` naming the first bad option, its value and the fix.
    public func validate() throws {
        for option in Self.options {
            guard let value = option.read(self), !value.fits(option.spec.kind) else { continue }
            throw ConfigurationError.invalidValue(
                option.spec.name, expected: option.spec.kind.expectation,
                got: "'\(value.text)'", source: .commandLine)
        }

        if let classOrder {
            var seen = Set<Int>()
            for value in classOrder where !seen.insert(value).inserted {
                throw ConfigurationError(
                    "option '--class-order' lists class \(value) twice; list each class once, "
                        + "such as 3,1,4,0,2")
            }
        }

        if let classes = dataset.numberOfClasses(cifarLabels: cifarLabels) {
            if let tasks, tasks > classes {
                throw ConfigurationError(
                    "option '--tasks' asks for \(tasks) tasks but \(dataset.rawValue) has "
                        + "\(classes) classes; use at most \(classes) tasks")
            }
            if let last = classOrder?.first(where: { $0 >= classes }) {
                throw ConfigurationError(
                    "option '--class-order' lists class \(last) but \(dataset.rawValue) has "
                        + "classes 0 to \(classes - 1); list only those")
            }
        }

        if schedule == .multistep {
            let epochsList = milestones.map(String.init).joined(separator: ",")
            let increasing = zip(milestones, milestones.dropFirst()).allSatisfy { $0 < $1 }
            if !increasing || (milestones.last ?? 0) > epochs {
                throw ConfigurationError(
                    "option '--milestones' must list increasing epochs from 1 to \(epochs) "
                        + "(--epochs), got '\(epochsList)'")
            }
        }
    }
}
