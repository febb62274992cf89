extension OptionParser {
    /// The widest help text: every line fits in this many columns.
    public static let helpWidth = 100

    /// The help text: a usage line, the summary, then the options by group, each as
    /// `--name <kind>  help (default: X)` with the help column aligned and wrapped to
    /// `helpWidth` columns. Choices are listed after the help; a default never breaks a line.
    public var helpText: String {
        var entries: [(group: String, left: String, right: String)] = []
        for group in OptionGroup.allCases {
            for spec in specs where spec.group == group {
                entries.append((group.rawValue, Self.signature(spec), Self.description(spec)))
            }
        }
        let config =
            "read option values from a JSON object; options on the command line override them"
        entries.append(("General", "--config <file>", config))
        entries.append(("General", "-h, --help", "show this help"))

        // The help column starts two spaces after the longest signature, unless that would
        // leave it too little room; longer signatures then put their help on the next line.
        let indent = 2
        let longest = entries.map(\.left.count).filter { $0 <= 32 }.max() ?? 0
        let column = indent + longest + 2

        var lines = [
            "usage: \(commandName) [--option value ...] [--config <file>]", "",
        ]
        lines += Self.wrap(summary, width: Self.helpWidth)
        if let flag = specs.first(where: { $0.kind == .flag }) {
            lines += Self.wrap(
                "Flags such as --\(flag.name) are turned off by --no-\(flag.name), which "
                    + "overrides a --config file.", width: Self.helpWidth)
        }
        var currentGroup = ""
        for entry in entries {
            if entry.group != currentGroup {
                lines += ["", "\(entry.group):"]
                currentGroup = entry.group
            }
            let left = String(repeating: " ", count: indent) + entry.left
            let wrapped = Self.wrap(entry.right, width: Self.helpWidth - column)
            let pad = String(repeating: " ", count: column)
            if left.count + 2 <= column {
                let first = left + String(repeating: " ", count: column - left.count)
                lines.append(first + (wrapped.first ?? ""))
                lines += wrapped.dropFirst().map { pad + $0 }
            } else {
                lines.append(left)
                lines += wrapped.map { pad + $0 }
            }
        }
        return lines.joined(separator: "\n").replacingSpaces(with: " ", from: Self.noBreakSpace)
            + "\n"
    }

    /// `--name <kind>`, or `--name` for a flag.
    private static func signature(_ spec: OptionSpec) -> String {
        let placeholder = spec.placeholder ?? spec.kind.placeholder
        return placeholder.isEmpty ? "--\(spec.name)" : "--\(spec.name) \(placeholder)"
    }

    /// The help sentence, the choices after a colon, and the default in parentheses.
    private static func description(_ spec: OptionSpec) -> String {
        var text = spec.help
        if case .choice(let choices) = spec.kind {
            text += ": " + listed(choices)
        }
        if let defaultText = spec.defaultText {
            // No-break spaces keep "(default: …)" on one line; `helpText` restores them.
            text += " " + "(default: \(defaultText))".replacingSpaces(with: noBreakSpace)
        }
        return text
    }

    private static let noBreakSpace: Character = "\u{00A0}"

    /// "a, b or c".
    private static func listed(_ words: [String]) -> String {
        guard words.count > 1 else { return words.first ?? "" }
        return words.dropLast().joined(separator: ", ") + " or " + words.last!
    }

    /// `text` broken at spaces into lines of at most `width` characters; a longer word keeps
    /// a line to itself.
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if line.isEmpty {
                line = String(word)
            } else if line.count + 1 + word.count <= width {
                line += " " + word
            } else {
                lines.append(line)
                line = String(word)
            }
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}

extension String {
    /// The string with every `old` character replaced by `new`.
    fileprivate func replacingSpaces(with new: Character, from old: Character = " ") -> String {
        String(map { $0 == old ? new : $0 })
    }
}
