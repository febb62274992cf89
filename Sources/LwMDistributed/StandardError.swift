#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes `line` and a newline to standard error in one `write`, so that lines from ranks
/// sharing a terminal do not interleave mid-line.
func writeLineToStandardError(_ line: String) {
    var bytes = Array((line + "\n").utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeMutableBytes { buffer in
            write(2, buffer.baseAddress! + offset, buffer.count - offset)
        }
        // A closed or broken stderr leaves nothing better to do than drop the message.
        guard written > 0 else { return }
        offset += written
    }
}

extension String {
    /// This message starting with "rank R: ", unless it already does (errors thrown by the
    /// communicator name their rank themselves).
    func prefixedWithRank(_ rank: Int) -> String {
        let prefix = "rank \(rank): "
        return hasPrefix(prefix) ? self : prefix + self
    }
}
