#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Whole files read through POSIX calls, so that a failure comes back as the system's own
/// reason ("No such file or directory", "Is a directory", "Permission denied").
enum FileBytes {
    /// The bytes of the file at `path`.
    ///
    /// - Throws: `ImageError` whose reason names the failing call and the system's message.
    static func read(_ path: String) throws(ImageError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw failure("cannot be opened") }
        defer { close(descriptor) }

        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw failure("cannot be examined") }
        if (status.st_mode & S_IFMT) == S_IFDIR {
            throw ImageError(reason: "the path is a directory, not a file")
        }

        var bytes: [UInt8] = []
        bytes.reserveCapacity(max(Int(status.st_size), 0))
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { readSome(descriptor, into: $0) }
            if count == 0 { return bytes }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("cannot be read")
            }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }

    /// Whether `path` names a directory; a link to one counts unless `followingLinks` is
    /// false.
    static func isDirectory(_ path: String, followingLinks: Bool = true) -> Bool {
        var status = stat()
        let result = followingLinks ? stat(path, &status) : lstat(path, &status)
        return result == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }

    /// "size seconds.nanoseconds" of the file's modification time, or "missing" when it cannot
    /// be examined: enough to tell that a file changed without reading it.
    static func fingerprint(_ path: String) -> String {
        var status = stat()
        guard stat(path, &status) == 0 else { return "missing" }
        return "\(status.st_size) \(status.st_mtim.tv_sec).\(status.st_mtim.tv_nsec)"
    }

    /// An error for the call that just failed, with `strerror(errno)`.
    private static func failure(_ what: String) -> ImageError {
        ImageError(reason: "the file \(what) (\(String(cString: strerror(errno))))")
    }
}

/// One `read(2)` call; outside `FileBytes`, whose own `read` would hide the system's.
private func readSome(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Int {
    read(descriptor, buffer.baseAddress, buffer.count)
}
