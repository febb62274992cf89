import Foundation

/// A line chart of task-agnostic accuracy against the number of classes learned, as SVG.
///
/// Each run is one colour: top-1 a solid line with dots, top-5 (when shown) a dashed line
/// with open dots, drawn only where more than five classes have been learned. The legend
/// names each run by its method, adding the run's folder when two runs share a method.
public struct AccuracyPlot: Sendable {
    public var curves: [AccuracyCurve]
    public var title = "Task-agnostic accuracy"
    public var showsTop5 = false
    public var width = 760
    public var height = 460

    /// Line colours, distinct in hue and lightness; runs beyond the list reuse it.
    public static let palette = [
        "#1c64b4", "#e67700", "#2b8a3e", "#c92a2a", "#7048e8", "#0c8599", "#8d5524", "#495057",
    ]

    public init(curves: [AccuracyCurve], showsTop5: Bool = false) {
        self.curves = curves
        self.showsTop5 = showsTop5
    }

    // MARK: - Files

    /// Writes the plot of one run's metrics.json document (top-1 and, where it applies,
    /// top-5) to `url`: the trainer's `accuracy.svg` after every task.
    public static func write(metricsDocument: Data, runName: String = "run", to url: URL) throws {
        let curve = try AccuracyCurve(
            metricsDocument: metricsDocument, runName: runName, source: "the metrics document")
        try AccuracyPlot(curves: [curve], showsTop5: true).write(to: url)
    }

    /// Writes the SVG to `url` atomically.
    /// - Throws: ``VisualizationError`` naming the file when it cannot be written.
    public func write(to url: URL) throws {
        do {
            try Data(svg().utf8).write(to: url, options: .atomic)
        } catch {
            throw VisualizationError(
                "cannot write \(url.path): \(error.localizedDescription); check that the folder "
                    + "exists and is writable.")
        }
    }

    // MARK: - Drawing

    /// The legend label of each curve.
    public var labels: [String] {
        let methods = curves.map(\.method)
        return curves.map { curve in
            methods.filter { $0 == curve.method }.count > 1 && curve.runName != curve.method
                ? "\(curve.method) (\(curve.runName))" : curve.method
        }
    }

    /// The SVG document.
    public func svg() -> String {
        var document = SVGDocument(width: width, height: height)
        document.rect(
            x: 0, y: 0, width: Double(width), height: Double(height), fill: "#ffffff")
        let labels = labels
        let legendWidth = Double(min(260, max(120, (labels.map(\.count).max() ?? 0) * 8 + 44)))
        let frame = (
            left: 64.0, top: 48.0, right: Double(width) - legendWidth - 24,
            bottom: Double(height) - 56
        )
        document.text(
            title, x: (frame.left + frame.right) / 2, y: 28, size: 18, anchor: .middle,
            bold: true, kind: "title")

        // Axes: x over the classes learned, y over 0…100 %.
        let seen = Set(curves.flatMap(\.classesSeen))
        let ticksX = Self.ticks(seen)
        // One point alone is placed against an axis from 0.
        let lowX = Double(seen.count > 1 ? seen.min()! : 0)
        let highX = max(Double(seen.max() ?? 1), lowX + 1)
        let padding = 0.04 * (highX - lowX)
        func x(_ classes: Int) -> Double {
            frame.left + (Double(classes) - lowX + padding) / (highX - lowX + 2 * padding)
                * (frame.right - frame.left)
        }
        func y(_ percent: Double) -> Double {
            frame.bottom - percent / 100 * (frame.bottom - frame.top)
        }

        for percent in stride(from: 0, through: 100, by: 10) {
            let level = y(Double(percent))
            document.line(
                x1: frame.left, y1: level, x2: frame.right, y2: level,
                stroke: percent == 0 ? "#444444" : "#e3e3e3")
            document.text(
                "\(percent)", x: frame.left - 8, y: level + 4, size: 12, anchor: .end)
        }
        for tick in ticksX {
            document.line(
                x1: x(tick), y1: frame.bottom, x2: x(tick), y2: frame.bottom + 5,
                stroke: "#444444")
            document.text(
                "\(tick)", x: x(tick), y: frame.bottom + 19, size: 12, anchor: .middle)
        }
        document.line(
            x1: frame.left, y1: frame.top, x2: frame.left, y2: frame.bottom, stroke: "#444444")
        document.text(
            "number of classes learned", x: (frame.left + frame.right) / 2,
            y: Double(height) - 16, size: 13, anchor: .middle)
        let middleY = (frame.top + frame.bottom) / 2
        document.text(
            "accuracy (%)", x: 20, y: middleY, size: 13, anchor: .middle, rotation: -90)

        // Curves: top-5 first, so the headline top-1 lines lie on top.
        for (index, curve) in curves.enumerated() where showsTop5 {
            let color = Self.palette[index % Self.palette.count]
            let points = curve.meaningfulTop5.map { (x($0.classes), y($0.accuracy)) }
            if points.count > 1 {
                document.polyline(points, stroke: color, width: 2, dashes: "7 5", kind: "top5")
            }
            for (point, value) in zip(points, curve.meaningfulTop5) {
                document.circle(
                    x: point.0, y: point.1, radius: 3.5, fill: "#ffffff", stroke: color,
                    title: "\(labels[index]): \(value.classes) classes, top-5 "
                        + String(format: "%.1f%%", value.accuracy))
            }
        }
        for (index, curve) in curves.enumerated() {
            let color = Self.palette[index % Self.palette.count]
            let points = zip(curve.classesSeen, curve.top1).map { (x($0.0), y($0.1)) }
            document.polyline(points, stroke: color, width: 2.5, kind: "top1")
            for (point, (classes, accuracy)) in zip(points, zip(curve.classesSeen, curve.top1)) {
                document.circle(
                    x: point.0, y: point.1, radius: 3.5, fill: color, stroke: color,
                    title: "\(labels[index]): \(classes) classes, top-1 "
                        + String(format: "%.1f%%", accuracy))
            }
        }

        drawLegend(
            into: &document, labels: labels, x: frame.right + 20, y: frame.top,
            width: legendWidth)
        return document.render()
    }

    private func drawLegend(
        into document: inout SVGDocument, labels: [String], x: Double, y: Double, width: Double
    ) {
        var entries = labels.enumerated().map { index, label in
            (label, Self.palette[index % Self.palette.count], nil as String?)
        }
        if showsTop5 {
            entries.append(("top-1", "#555555", nil))
            entries.append(("top-5", "#555555", "7 5"))
        }
        let rowHeight = 22.0
        document.rect(
            x: x, y: y, width: width, height: Double(entries.count) * rowHeight + 12,
            fill: "#ffffff", stroke: "#cccccc")
        for (row, entry) in entries.enumerated() {
            let middle = y + 6 + rowHeight * (Double(row) + 0.5)
            document.line(
                x1: x + 10, y1: middle, x2: x + 34, y2: middle, stroke: entry.1, width: 2.5,
                dashes: entry.2)
            document.text(entry.0, x: x + 42, y: middle + 4.5, size: 13, kind: "legend")
        }
    }

    /// The x ticks: every distinct value when there are at most 12, else round steps of
    /// 1, 2 or 5 × 10^k between the smallest and the largest.
    static func ticks(_ values: Set<Int>) -> [Int] {
        let sorted = values.sorted()
        guard let first = sorted.first, let last = sorted.last else { return [0, 1] }
        if sorted.count <= 12 { return sorted }
        var step = 1
        var magnitude = 1
        search: while true {
            for factor in [1, 2, 5] where (last - first) / (factor * magnitude) <= 10 {
                step = factor * magnitude
                break search
            }
            magnitude *= 10
        }
        let start = (first + step - 1) / step * step
        return Array(stride(from: start, through: last, by: step))
    }
}
