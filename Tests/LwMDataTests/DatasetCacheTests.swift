import Foundation
import LwMData
import XCTest

final class DatasetCacheTests: XCTestCase {
    /// Two classes of four PNGs, one empty file among them (so the report is cached too), and
    /// split lists naming the first three images of each class for training, the last for
    /// testing.
    private func writeFolder() throws -> (root: URL, options: DatasetOptions) {
        let root = try makeTemporaryDirectory(self)
        try writeImages(4, in: "a", root: root, firstTint: 0)
        try writeImages(4, in: "b", root: root, firstTint: 10)
        try write([], at: "a/image_0009.png", in: root)
        let lists = try makeTemporaryDirectory(self)
        let train = (1...3).flatMap { ["a/image_000\($0).png", "b/image_000\($0).png"] }
        let trainList = try write(
            Array((train + ["a/image_0009.png"]).joined(separator: "\n").utf8), to: lists,
            name: "train.txt")
        let testList = try write(
            Array("a/image_0004.png\nb/image_0004.png\n".utf8), to: lists, name: "test.txt")
        let cache = try makeTemporaryDirectory(self, name: "lwm-cache")
        return (
            root, DatasetOptions(trainList: trainList, testList: testList, cacheDirectory: cache)
        )
    }

    private func cacheFile(_ use: CacheUse) -> URL? {
        switch use {
        case .loaded(let url), .written(let url), .notWritten(let url, _): url
        case .disabled: nil
        }
    }

    func testSecondLoadComesFromTheCacheAndIsEqual() throws {
        let (root, options) = try writeFolder()
        let first = try ImageFolder.load(directory: root, imageSize: 5, options: options)
        guard case .written(let url) = first.cache else { return XCTFail("\(first.cache)") }
        XCTAssertEqual(url.deletingLastPathComponent().path, options.cacheDirectory!.path)
        XCTAssert(url.lastPathComponent.hasPrefix("imagefolder-"))
        XCTAssertEqual(url.pathExtension, "lwmcache")
        XCTAssertEqual(first.badImages.count, 1)

        let second = try ImageFolder.load(directory: root, imageSize: 5, options: options)
        XCTAssertEqual(second.cache, .loaded(url))
        XCTAssertEqual(second.train, first.train)
        XCTAssertEqual(second.test, first.test)
        XCTAssertEqual(second.badImages, first.badImages)
    }

    func testChangedInputsMakeANewKey() throws {
        let (root, options) = try writeFolder()
        let first = try ImageFolder.load(directory: root, imageSize: 5, options: options)
        let original = cacheFile(first.cache)

        // Another image size.
        let larger = try ImageFolder.load(directory: root, imageSize: 6, options: options)
        guard case .written(let other) = larger.cache else { return XCTFail("\(larger.cache)") }
        XCTAssertNotEqual(other, original)

        // A changed list.
        try Data("a/image_0004.png\n".utf8).write(to: options.testList!)
        let relisted = try ImageFolder.load(directory: root, imageSize: 5, options: options)
        guard case .written = relisted.cache else { return XCTFail("\(relisted.cache)") }
        XCTAssertEqual(relisted.test.labels, [0])

        // A replaced image (same name, other size).
        try write(pngFile(width: 9, height: 9, tint: 99), at: "a/image_0001.png", in: root)
        let redrawn = try ImageFolder.load(directory: root, imageSize: 5, options: options)
        guard case .written = redrawn.cache else { return XCTFail("\(redrawn.cache)") }
        XCTAssertEqual(tints(redrawn.train).first, 99)
    }

    func testDamagedCacheIsIgnoredAndRewritten() throws {
        let (root, options) = try writeFolder()
        let first = try ImageFolder.load(directory: root, imageSize: 5, options: options)
        let url = try XCTUnwrap(cacheFile(first.cache))
        let bytes = [UInt8](try Data(contentsOf: url))

        for damaged in [Array(bytes.prefix(bytes.count - 7)), bytes.map { $0 == 0 ? 1 : $0 }, []] {
            try Data(damaged).write(to: url)
            let reloaded = try ImageFolder.load(directory: root, imageSize: 5, options: options)
            XCTAssertEqual(reloaded.cache, .written(url))
            XCTAssertEqual(reloaded.train, first.train)
        }
        var flipped = bytes
        flipped[bytes.count - 1] ^= 1  // a pixel of the payload: the CRC no longer matches
        try Data(flipped).write(to: url)
        XCTAssertEqual(
            try ImageFolder.load(directory: root, imageSize: 5, options: options).cache,
            .written(url))
    }

    func testCachedBadImagesStillFailUnderTheFailPolicy() throws {
        var (root, options) = try writeFolder()
        _ = try ImageFolder.load(directory: root, imageSize: 5, options: options)
        options.onBadImage = .fail
        assertDataError(
            try ImageFolder.load(directory: root, imageSize: 5, options: options),
            contains: ["a/image_0009.png", "the file is empty"])
    }

    func testUnwritableCacheDirectoryDoesNotStopTheLoad() throws {
        var (root, options) = try writeFolder()
        let blocker = try write([1], to: try makeTemporaryDirectory(self), name: "a-file")
        options.cacheDirectory = blocker
        let loaded = try ImageFolder.load(directory: root, imageSize: 5, options: options)
        guard case .notWritten(_, let reason) = loaded.cache else {
            return XCTFail("\(loaded.cache)")
        }
        XCTAssertFalse(reason.isEmpty)
        XCTAssertEqual(loaded.train.count, 6)
    }
}
