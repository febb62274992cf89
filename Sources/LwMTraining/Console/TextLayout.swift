import Foundation

/// Fixed-width text for console tables: padding by characters, fixed-point numbers.
enum TextLayout {
    /// `text` right-aligned in `width` characters; longer text is kept whole.
    static func right(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }

    /// `text` left-aligned in `width` characters; longer text is kept whole.
    static func left(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }

    /// `value` with `decimals` digits after the point: `fixed(98.46, 1)` is "98.5".
    static func fixed(_ value: Double, _ decimals: Int) -> String {
        String(format: "%.\(decimals)f", value)
    }

    /// `value` with three significant digits, for learning rates: "0.1", "0.0976", "1e-05".
    static func significant(_ value: Double) -> String {
        String(format: "%.3g", value)
    }

    /// `text` followed by `fill` up to `width` characters, at least two of them.
    static func rule(_ text: String, width: Int, fill: Character = "─") -> String {
        text + String(repeating: fill, count: max(2, width - text.count))
    }
}
