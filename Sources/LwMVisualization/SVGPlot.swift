import Foundation

/// A plain SVG 1.1 document built element by element: no scripts, no CSS, no external fonts,
/// only presentation attributes and the generic `sans-serif` family, so browsers and image
/// viewers render it alike.
struct SVGDocument {
    let width: Int
    let height: Int
    private var elements: [String] = []

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    /// The complete document, XML declaration included.
    func render() -> String {
        var lines = [
            #"<?xml version="1.0" encoding="UTF-8" standalone="no"?>"#,
            #"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" "#
                + #"width="\#(width)" height="\#(height)" viewBox="0 0 \#(width) \#(height)" "#
                + #"font-family="DejaVu Sans, Helvetica, Arial, sans-serif">"#,
        ]
        lines += elements.map { "  " + $0 }
        lines.append("</svg>")
        return lines.joined(separator: "\n") + "\n"
    }

    mutating func rect(
        x: Double, y: Double, width: Double, height: Double, fill: String,
        stroke: String? = nil
    ) {
        var attributes = "x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(width))\" height=\"\(n(height))\""
        attributes += " fill=\"\(fill)\""
        if let stroke { attributes += " stroke=\"\(stroke)\" stroke-width=\"1\"" }
        elements.append("<rect \(attributes)/>")
    }

    mutating func line(
        x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1,
        dashes: String? = nil
    ) {
        var attributes = "x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\""
        attributes += " stroke=\"\(stroke)\" stroke-width=\"\(n(width))\""
        if let dashes { attributes += " stroke-dasharray=\"\(dashes)\"" }
        elements.append("<line \(attributes)/>")
    }

    /// An open line through `points`, tagged with `kind` in a `class` attribute for tests and
    /// for readers of the file (no style sheet uses it).
    mutating func polyline(
        _ points: [(Double, Double)], stroke: String, width: Double, dashes: String? = nil,
        kind: String
    ) {
        let coordinates = points.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " ")
        var attributes = "class=\"\(kind)\" points=\"\(coordinates)\" fill=\"none\""
        attributes += " stroke=\"\(stroke)\" stroke-width=\"\(n(width))\""
        attributes += " stroke-linejoin=\"round\" stroke-linecap=\"round\""
        if let dashes { attributes += " stroke-dasharray=\"\(dashes)\"" }
        elements.append("<polyline \(attributes)/>")
    }

    /// A dot, with `title` as the tooltip browsers show on hover.
    mutating func circle(
        x: Double, y: Double, radius: Double, fill: String, stroke: String, title: String? = nil
    ) {
        let attributes =
            "cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"\(n(radius))\" fill=\"\(fill)\" "
            + "stroke=\"\(stroke)\" stroke-width=\"1.5\""
        if let title {
            elements.append("<circle \(attributes)><title>\(Self.escape(title))</title></circle>")
        } else {
            elements.append("<circle \(attributes)/>")
        }
    }

    enum Anchor: String {
        case start, middle, end
    }

    mutating func text(
        _ content: String, x: Double, y: Double, size: Double, anchor: Anchor = .start,
        bold: Bool = false, color: String = "#222222", rotation: Double? = nil,
        kind: String? = nil
    ) {
        var attributes = ""
        if let kind { attributes += "class=\"\(kind)\" " }
        attributes += "x=\"\(n(x))\" y=\"\(n(y))\" font-size=\"\(n(size))\""
        attributes += " text-anchor=\"\(anchor.rawValue)\" fill=\"\(color)\""
        if bold { attributes += " font-weight=\"bold\"" }
        if let rotation { attributes += " transform=\"rotate(\(n(rotation)) \(n(x)) \(n(y)))\"" }
        elements.append("<text \(attributes)>\(Self.escape(content))</text>")
    }

    /// `text` with the five XML special characters escaped.
    static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            default: result.append(character)
            }
        }
        return result
    }

    /// A coordinate with at most two decimals and no trailing zeros.
    private func n(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        return String(format: "%.2f", rounded)
            .replacingOccurrences(of: #"0+$"#, with: "", options: .regularExpression)
    }
}
