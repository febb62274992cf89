#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A one-line progress display within an epoch: "epoch 3/8 [#####.....] 54% 812 img/s ETA 12s".
///
/// It renders strings only; the rank-0 printer writes them, on a terminal through
/// `overwriting(_:)` so that each line replaces the last.
public struct ProgressBar: Sendable, Equatable {
    /// Cells between the brackets.
    public var cells: Int

    public init(cells: Int = 10) {
        precondition(cells >= 1, "a progress bar needs at least one cell, got \(cells)")
        self.cells = cells
    }

    /// The progress line.
    ///
    /// - Parameters:
    ///   - label: what is in progress, such as "epoch 3/8".
    ///   - completed: units done (steps or images), clamped to `0...total`.
    ///   - total: units in all.
    ///   - imagesPerSecond: the throughput so far.
    ///   - elapsedSeconds: time since the start; the ETA assumes the same pace.
    public func render(
        label: String, completed: Int, total: Int, imagesPerSecond: Double,
        elapsedSeconds: Double
    ) -> String {
        let done = min(max(completed, 0), max(total, 0))
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        let filled = min(cells, Int(fraction * Double(cells)))
        let bar =
            String(repeating: "#", count: filled)
            + String(repeating: ".", count: cells - filled)
        let percent = Int(fraction * 100)

        var eta = "--"
        if done > 0, elapsedSeconds.isFinite {
            eta = Self.duration(elapsedSeconds * Double(total - done) / Double(done))
        }
        let rate = imagesPerSecond.isFinite ? TextLayout.fixed(imagesPerSecond, 0) : "--"
        return "\(label) [\(bar)] \(percent)% \(rate) img/s ETA \(eta)"
    }

    /// `line` prefixed by a carriage return and followed by an erase-to-end-of-line, so that
    /// on a terminal it replaces the previous progress line.
    public static func overwriting(_ line: String) -> String {
        "\r" + line + "\u{1B}[K"
    }

    /// Whether `fileDescriptor` is a terminal (isatty).
    public static func isTerminal(fileDescriptor: Int32) -> Bool {
        isatty(fileDescriptor) == 1
    }

    /// Whether `style` asks for a bar on `fileDescriptor`: always for `.bar`, never for
    /// `.lines`, and on a terminal for `.auto`.
    public static func showsBar(
        _ style: TrainingConfiguration.ProgressStyle, fileDescriptor: Int32
    ) -> Bool {
        switch style {
        case .bar: true
        case .lines: false
        case .auto: isTerminal(fileDescriptor: fileDescriptor)
        }
    }

    /// "12s", "3m05s", "1h02m".
    static func duration(_ seconds: Double) -> String {
        let whole = seconds < 1e9 ? Int(max(0, seconds.rounded())) : 999_999_999
        func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return "\(whole / 60)m\(twoDigits(whole % 60))s" }
        return "\(whole / 3600)h\(twoDigits(whole % 3600 / 60))m"
    }
}
