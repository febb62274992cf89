import Foundation

/// The one way lwm prints during a job: rank 0 writes, every other rank stays silent.
///
/// Progress bars overwrite one terminal line; when standard output is not a terminal (a log
/// file, a batch system) only whole lines are written.
public final class RankConsole {
    public let isRoot: Bool
    public let showsProgressBar: Bool
    private var progressLineIsOpen = false

    public init(isRoot: Bool, showsProgressBar: Bool) {
        self.isRoot = isRoot
        self.showsProgressBar = showsProgressBar && isRoot
    }

    /// Prints a line (or several) on rank 0.
    public func line(_ text: String = "") {
        guard isRoot else { return }
        closeProgressLine()
        // Unbuffered, so lines appear at once in batch-system logs.
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// Replaces the current progress line on a terminal; does nothing elsewhere.
    public func progress(_ text: String) {
        guard showsProgressBar else { return }
        FileHandle.standardOutput.write(Data(("\r\u{1B}[2K" + text).utf8))
        progressLineIsOpen = true
    }

    /// Writes an error sentence to standard error on rank 0.
    public func error(_ text: String) {
        guard isRoot else { return }
        closeProgressLine()
        FileHandle.standardError.write(Data("lwm: \(text)\n".utf8))
    }

    private func closeProgressLine() {
        if progressLineIsOpen {
            FileHandle.standardOutput.write(Data("\r\u{1B}[2K".utf8))
            progressLineIsOpen = false
        }
    }
}
