import LwMCore
import LwMData
import XCTest

final class GzipTests: XCTestCase {
    /// 0.6 MB of low-entropy bytes (several output chunks) followed by 1.2 MB of random bytes
    /// (more than one input chunk after compression).
    private func sampleBytes() -> [UInt8] {
        var generator = SeededGenerator(seed: 7, stream: [1])
        let repetitive = (0..<600_000).map { UInt8(($0 / 1000) % 7) }
        let random = (0..<1_200_000).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        return repetitive + random
    }

    func testGzipRoundTripCrossesChunks() throws {
        let original = sampleBytes()
        let compressed = Gzip.compress(original)

        XCTAssertTrue(Gzip.isGzip(compressed))
        XCTAssertGreaterThan(compressed.count, 1 << 20)
        XCTAssertEqual(try Gzip.decompress(compressed, source: "sample"), original)
    }

    func testZlibStreamIsDetected() throws {
        let original = Array("zlib, not gzip".utf8)
        let compressed = Gzip.compress(original, format: .zlib, level: 9)

        XCTAssertFalse(Gzip.isGzip(compressed))
        XCTAssertEqual(try Gzip.decompress(compressed, source: "sample"), original)
    }

    func testMembersAreConcatenated() throws {
        let first = Array("first member, ".utf8)
        let second = Array("second member".utf8)
        let stream = Gzip.compress(first) + Gzip.compress(second, level: 0)

        XCTAssertEqual(try Gzip.decompress(stream, source: "sample"), first + second)
    }

    func testTruncatedStreamIsReported() {
        let compressed = Gzip.compress(sampleBytes())
        let truncated = Array(compressed.dropLast(1000))

        assertDataError(
            try Gzip.decompress(truncated, source: "cut.gz"), contains: ["cut.gz", "truncated"])
    }

    func testCorruptChecksumIsReported() {
        var compressed = Gzip.compress(Array("checksummed".utf8))
        compressed[compressed.count - 8] ^= 0xFF

        assertDataError(
            try Gzip.decompress(compressed, source: "crc.gz"),
            contains: ["crc.gz", "corrupt", "incorrect data check"])
    }

    func testCorruptHeaderIsReported() {
        var compressed = Gzip.compress(Array("header".utf8))
        compressed[2] = 0x07

        assertDataError(
            try Gzip.decompress(compressed, source: "method.gz"),
            contains: ["method.gz", "corrupt"])
    }

    func testTrailingBytesAreReported() {
        let stream = Gzip.compress(Array("payload".utf8)) + [1, 2, 3]

        assertDataError(
            try Gzip.decompress(stream, source: "tail.gz"), contains: ["tail.gz", "3 bytes after"])
    }

    func testEmptyInputIsReported() {
        assertDataError(try Gzip.decompress([], source: "empty.gz"), contains: ["empty.gz"])
    }
}
