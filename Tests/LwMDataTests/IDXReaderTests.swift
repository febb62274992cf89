import LwMData
import XCTest

final class IDXReaderTests: XCTestCase {
    private let tiny = TinyIDX()

    func testRawAndGzipReadAlike() throws {
        let directory = try makeTemporaryDirectory(self)
        let raw = try write(tiny.imageBytes, to: directory, name: "images")
        let compressed = try write(Gzip.compress(tiny.imageBytes), to: directory, name: "images.gz")

        let fromRaw = try IDX.read(raw, dimensions: 3)
        let fromGzip = try IDX.read(compressed, dimensions: 3)

        XCTAssertEqual(fromRaw.dimensions, [6, 3, 2])
        XCTAssertEqual(fromRaw.elements.count, 36)
        XCTAssertEqual(fromRaw.elements[7], 32)
        XCTAssertEqual(fromRaw, fromGzip)
    }

    func testCompressionIsDetectedByContentNotName() throws {
        let directory = try makeTemporaryDirectory(self)
        let gzipWithoutSuffix = try write(
            Gzip.compress(tiny.labelBytes), to: directory, name: "labels")
        let rawWithSuffix = try write(tiny.labelBytes, to: directory, name: "labels.gz")

        XCTAssertEqual(try IDX.read(gzipWithoutSuffix, dimensions: 1).elements, [0, 1, 2, 0, 1, 2])
        XCTAssertEqual(try IDX.read(rawWithSuffix, dimensions: 1).elements, [0, 1, 2, 0, 1, 2])
    }

    func testBadMagicShowsFoundAndExpected() throws {
        let directory = try makeTemporaryDirectory(self)
        var bytes = tiny.imageBytes
        bytes[0] = 0x12
        bytes[1] = 0x34
        let url = try write(bytes, to: directory, name: "bad-magic")

        assertDataError(
            try IDX.read(url, dimensions: 3),
            contains: [url.path, "0x12340803", "expected 0x00000803"])
    }

    func testLabelsFileWhereImagesExpected() throws {
        let directory = try makeTemporaryDirectory(self)
        let url = try write(tiny.labelBytes, to: directory, name: "labels")

        assertDataError(
            try IDX.read(url, dimensions: 3),
            contains: [url.path, "0x00000801", "a labels file?", "expected 0x00000803"])
    }

    func testUnsupportedElementType() throws {
        let directory = try makeTemporaryDirectory(self)
        var bytes = tiny.imageBytes
        bytes[2] = 0x0D
        let url = try write(bytes, to: directory, name: "floats")

        assertDataError(
            try IDX.read(url, dimensions: 3),
            contains: [url.path, "type 0x0D (32-bit float)", "0x08"])
    }

    func testTruncatedBodyShowsExpectedAndActualBytes() throws {
        let directory = try makeTemporaryDirectory(self)
        let url = try write(Array(tiny.imageBytes.dropLast(5)), to: directory, name: "short")

        assertDataError(
            try IDX.read(url, dimensions: 3),
            contains: [url.path, "truncated", "6×3×2", "52 bytes", "47 bytes"])
    }

    func testTruncatedHeader() throws {
        let directory = try makeTemporaryDirectory(self)
        let url = try write(Array(tiny.imageBytes.prefix(9)), to: directory, name: "header")

        assertDataError(try IDX.read(url, dimensions: 3), contains: [url.path, "truncated"])
    }

    func testTruncatedInsideGzipSaysInflated() throws {
        let directory = try makeTemporaryDirectory(self)
        let bytes = Gzip.compress(Array(tiny.imageBytes.dropLast(1)))
        let url = try write(bytes, to: directory, name: "short.gz")

        assertDataError(
            try IDX.read(url, dimensions: 3),
            contains: [url.path, "after inflating", "truncated", "51 bytes"])
    }

    func testExtraBytesAreReported() throws {
        let directory = try makeTemporaryDirectory(self)
        let url = try write(tiny.imageBytes + [0, 0], to: directory, name: "long")

        assertDataError(try IDX.read(url, dimensions: 3), contains: [url.path, "2 bytes beyond"])
    }

    func testTruncatedGzipFile() throws {
        let directory = try makeTemporaryDirectory(self)
        let bytes = Gzip.compress(tiny.imageBytes)
        let url = try write(Array(bytes.dropLast(12)), to: directory, name: "cut.gz")

        assertDataError(try IDX.read(url, dimensions: 3), contains: [url.path, "truncated"])
    }

    func testCorruptGzipFile() throws {
        let directory = try makeTemporaryDirectory(self)
        var bytes = Gzip.compress(tiny.imageBytes)
        bytes[bytes.count - 6] ^= 0x5A
        let url = try write(bytes, to: directory, name: "corrupt.gz")

        assertDataError(try IDX.read(url, dimensions: 3), contains: [url.path, "corrupt"])
    }

    func testMissingFile() throws {
        let directory = try makeTemporaryDirectory(self)
        let url = directory.appendingPathComponent("absent")

        assertDataError(try IDX.read(url, dimensions: 1), contains: [url.path, "Cannot read"])
    }
}
