import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension SafeTensorsWriter {
    /// Writes atomically: to a temporary file in the same directory, fsync, then rename into
    /// place, so a crash never leaves a half-written file at `url`.
    ///
    /// An existing file at `url` is replaced; a failed write leaves it untouched.
    /// - Throws: `SafeTensorsError` naming `url` and the failing step when the directory is
    ///   missing or not writable, or the disk is full.
    public func write(to url: URL) throws {
        let bytes = encoded()
        let path = url.path
        let temporaryPath = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).partial").path
        func fail(_ step: String) -> SafeTensorsError {
            let reason = String(cString: strerror(errno))
            return SafeTensorsError(
                file: path,
                problem: "the file cannot be written: \(step) failed (\(reason)); check that the "
                    + "directory exists, is writable and has free space.")
        }

        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw fail("creating \(temporaryPath)") }
        var renamed = false
        defer {
            if !renamed { unlink(temporaryPath) }
        }
        do {
            try writeAll(bytes, to: descriptor, fail: { fail("writing \(temporaryPath)") })
            guard fsync(descriptor) == 0 else { throw fail("fsync of \(temporaryPath)") }
        } catch {
            close(descriptor)
            throw error
        }
        guard close(descriptor) == 0 else { throw fail("closing \(temporaryPath)") }
        guard rename(temporaryPath, path) == 0 else { throw fail("renaming \(temporaryPath)") }
        renamed = true

        // Durability of the rename itself needs the directory synced too. Some file systems
        // refuse fsync on a directory; the file is complete either way, so that is not an error.
        let directory = open(url.deletingLastPathComponent().path, O_RDONLY | O_CLOEXEC)
        if directory >= 0 {
            _ = fsync(directory)
            close(directory)
        }
    }

    /// Writes every byte of `bytes` to `descriptor`, resuming after short writes and signals.
    private func writeAll(
        _ bytes: Data, to descriptor: Int32, fail: () -> SafeTensorsError
    ) throws {
        try bytes.withUnsafeBytes { raw in
            var written = 0
            while written < raw.count {
                let count = systemWrite(descriptor, raw.baseAddress! + written, raw.count - written)
                if count < 0 {
                    if errno == EINTR { continue }
                    throw fail()
                }
                written += count
            }
        }
    }
}

/// write(2), named apart from `SafeTensorsWriter.write(to:)`.
private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
        Glibc.write(descriptor, buffer, count)
    #else
        Darwin.write(descriptor, buffer, count)
    #endif
}
