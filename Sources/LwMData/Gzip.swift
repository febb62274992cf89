import CZlib
import Foundation

/// Gzip and zlib streams through the system zlib.
///
/// The dataset readers use `decompress`; `compress` is public for the tests and for tools that
/// write fixtures, since the test targets reach zlib only through this module.
public enum Gzip {
    /// The container around a deflate stream.
    public enum Format: Sendable {
        /// RFC 1952: header 1f 8b, CRC-32 and length trailer (what `gzip` writes).
        case gzip
        /// RFC 1950: two-byte header and Adler-32 trailer.
        case zlib
    }

    // zlib counts bytes in 32-bit fields, so larger inputs are fed in pieces.
    private static let inputChunk = 1 << 20
    private static let outputChunk = 1 << 18

    /// Whether `bytes` begin with the gzip magic number 1f 8b.
    public static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Inflates a gzip or zlib stream, telling the two apart by their headers; a gzip file of
    /// several members (as `cat a.gz b.gz` makes) inflates to the members' concatenation.
    ///
    /// - Parameters:
    ///   - bytes: the compressed stream.
    ///   - source: what to call the stream in error messages, usually the file's path.
    /// - Returns: the decompressed bytes.
    /// - Throws: `DataError` when the stream is empty, corrupt, ends before its last block, or
    ///   is followed by bytes that do not start another gzip member.
    public static func decompress(_ bytes: [UInt8], source: String) throws -> [UInt8] {
        guard !bytes.isEmpty else {
            throw DataError("\(source) is empty; expected a gzip or zlib stream.")
        }

        var stream = z_stream()
        // 15 + 32: the largest window, with the gzip or zlib header detected automatically.
        let status = inflateInit2_(
            &stream, MAX_WBITS + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            throw DataError(
                """
                zlib could not start inflating \(source) (inflateInit2 returned \(status)); the \
                system zlib may be broken or memory exhausted.
                """)
        }
        defer { inflateEnd(&stream) }

        var output: [UInt8] = []
        output.reserveCapacity(sizeHint(bytes))
        var chunk = [UInt8](repeating: 0, count: outputChunk)
        try bytes.withUnsafeBufferPointer { input in
            var fed = 0
            while true {
                if stream.avail_in == 0 && fed < input.count {
                    let length = min(inputChunk, input.count - fed)
                    stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + fed)
                    stream.avail_in = UInt32(length)
                    fed += length
                }

                var produced = 0
                let status = chunk.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(out.count)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    produced = out.count - Int(stream.avail_out)
                    return status
                }
                output.append(contentsOf: chunk[0..<produced])

                let unread = Int(stream.avail_in) + input.count - fed
                switch status {
                case Z_OK:
                    continue
                case Z_STREAM_END:
                    if unread == 0 { return }
                    let next = input.count - unread
                    guard unread >= 2, input[next] == 0x1F, input[next + 1] == 0x8B else {
                        throw DataError(
                            """
                            \(source) has \(unread) bytes after the end of its compressed stream \
                            that do not start another gzip member; the file is damaged: download \
                            or copy it again.
                            """)
                    }
                    inflateReset(&stream)
                case Z_BUF_ERROR where unread == 0:
                    throw DataError(
                        """
                        \(source) ends before its compressed stream does (\(input.count) bytes \
                        read, \(output.count) bytes inflated); the file is truncated: download or \
                        copy it again.
                        """)
                case Z_DATA_ERROR, Z_NEED_DICT:
                    throw DataError(
                        """
                        \(source) is not a valid gzip or zlib stream (zlib: \(message(stream))); \
                        the file is corrupt: download or copy it again.
                        """)
                default:
                    throw DataError(
                        """
                        zlib failed inflating \(source) (inflate returned \(status): \
                        \(message(stream))); memory may be exhausted.
                        """)
                }
            }
        }
        return output
    }

    /// Deflates `bytes` into a gzip (default) or zlib stream.
    ///
    /// - Parameters:
    ///   - bytes: the data to compress.
    ///   - format: the container; `.gzip` matches what the `gzip` tool writes.
    ///   - level: zlib's compression level, 0 (store) to 9, or -1 for zlib's default.
    /// - Returns: the complete compressed stream, header and trailer included.
    public static func compress(
        _ bytes: [UInt8], format: Format = .gzip, level: Int32 = Z_DEFAULT_COMPRESSION
    ) -> [UInt8] {
        precondition((-1...9).contains(level), "zlib compression level \(level) is not in -1...9")
        var stream = z_stream()
        // 15 window bits make a zlib stream; adding 16 makes a gzip stream.
        let windowBits = format == .gzip ? MAX_WBITS + 16 : MAX_WBITS
        let status = deflateInit2_(
            &stream, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
            Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "deflateInit2 returned \(status)")
        defer { deflateEnd(&stream) }

        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: outputChunk)
        bytes.withUnsafeBufferPointer { input in
            var fed = 0
            var finished = false
            while !finished {
                if stream.avail_in == 0 && fed < input.count {
                    let length = min(inputChunk, input.count - fed)
                    stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + fed)
                    stream.avail_in = UInt32(length)
                    fed += length
                }
                let flush = fed == input.count ? Z_FINISH : Z_NO_FLUSH

                var produced = 0
                let status = chunk.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(out.count)
                    let status = deflate(&stream, flush)
                    produced = out.count - Int(stream.avail_out)
                    return status
                }
                output.append(contentsOf: chunk[0..<produced])
                precondition(
                    status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR,
                    "deflate returned \(status)")
                finished = status == Z_STREAM_END
            }
        }
        return output
    }

    /// The inflated size a gzip stream announces in its last four bytes (modulo 2³²), bounded
    /// by deflate's largest ratio so that a damaged trailer cannot reserve absurd memory.
    private static func sizeHint(_ bytes: [UInt8]) -> Int {
        guard isGzip(bytes), bytes.count >= 18 else { return bytes.count }
        let n = bytes.count
        let announced =
            Int(bytes[n - 4]) | Int(bytes[n - 3]) << 8 | Int(bytes[n - 2]) << 16
            | Int(bytes[n - 1]) << 24
        return min(announced, bytes.count * 1032)
    }

    private static func message(_ stream: z_stream) -> String {
        stream.msg.map { String(cString: $0) } ?? "no message"
    }
}
