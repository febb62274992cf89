import Foundation
import LwMData
import XCTest

final class ImageFolderTests: XCTestCase {
    /// Classes `b`, `A` and `c` (ids A 0, b 1, c 2, by sorted name) of five PNGs each, tints
    /// 0...4 for A, 10...14 for b, 20...24 for c.
    private func writeThreeClasses() throws -> URL {
        let root = try makeTemporaryDirectory(self)
        try writeImages(5, in: "b", root: root, firstTint: 10)
        try writeImages(5, in: "A", root: root, firstTint: 0)
        try writeImages(5, in: "c", root: root, firstTint: 20)
        return root
    }

    private func load(
        _ root: URL, size: Int = 6, _ options: DatasetOptions = DatasetOptions()
    ) throws -> LoadedDataset {
        try ImageFolder.load(directory: root, imageSize: size, options: options)
    }

    func testClassIdsAreSortedFolderNames() throws {
        let loaded = try load(try writeThreeClasses())

        XCTAssertEqual(loaded.train.classNames, ["A", "b", "c"])
        XCTAssertEqual(loaded.test.classNames, ["A", "b", "c"])
        XCTAssertEqual(
            [loaded.train.channels, loaded.train.height, loaded.train.width], [3, 6, 6])
        for (label, tint) in zip(loaded.train.labels, tints(loaded.train)) {
            XCTAssertEqual(label, tint / 10)
        }
        XCTAssertEqual(loaded.badImages, [])
        XCTAssertEqual(loaded.cache, .disabled)
    }

    func testHoldOutIsSeededPerClassAndKeepsFileOrder() throws {
        let root = try writeThreeClasses()
        let loaded = try load(root)

        // 20 % of 5 is one test image per class; the rest train, in file order.
        XCTAssertEqual(loaded.test.labels, [0, 1, 2])
        XCTAssertEqual(loaded.train.count, 12)
        let trainTints = tints(loaded.train)
        let testTints = tints(loaded.test)
        XCTAssertEqual(
            Set(trainTints + testTints),
            Set([0, 1, 2, 3, 4, 10, 11, 12, 13, 14, 20, 21, 22, 23, 24]))
        XCTAssertEqual(trainTints, trainTints.sorted())

        XCTAssertEqual(try load(root), loaded, "the same seed holds out the same files")
        let others = try (1...6).map {
            tints(try load(root, DatasetOptions(splitSeed: $0)).test)
        }
        XCTAssert(others.contains { $0 != testTints }, "other seeds hold out other files")

        let half = try load(root, DatasetOptions(testFraction: 0.5))
        XCTAssertEqual(half.test.count, 9, "round(2.5) = 3 per class")
        let none = try load(root, DatasetOptions(testFraction: 0))
        XCTAssertEqual([none.train.count, none.test.count], [15, 0])
        let all = try load(root, DatasetOptions(testFraction: 1))
        XCTAssertEqual([all.train.count, all.test.count], [3, 12], "one stays for training")
    }

    func testListsGiveTheSplitInListOrder() throws {
        let root = try writeThreeClasses()
        let lists = try makeTemporaryDirectory(self)
        let train = try write(
            Array(
                "c/image_0002.png\r\nA/image_0001.png\n\n  b/image_0005.png  \nA/image_0003.png\n"
                    .utf8),
            to: lists, name: "train.txt")
        let test = try write(Array("b/image_0001.png".utf8), to: lists, name: "test.txt")

        let loaded = try load(root, DatasetOptions(trainList: train, testList: test))
        XCTAssertEqual(loaded.train.labels, [2, 0, 1, 0])
        XCTAssertEqual(tints(loaded.train), [21, 0, 14, 2])
        XCTAssertEqual(tints(loaded.test), [10])
        XCTAssertEqual(loaded.train.classNames, ["A", "b", "c"])
    }

    func testTrainAndValidationFolders() throws {
        let root = try makeTemporaryDirectory(self)
        try writeImages(3, in: "train/dog", root: root, firstTint: 0)
        try writeImages(2, in: "train/cat", root: root, firstTint: 10)
        try writeImages(1, in: "val/dog", root: root, firstTint: 20)
        try writeImages(1, in: "val/emu", root: root, firstTint: 30)

        let loaded = try load(root)
        XCTAssertEqual(loaded.train.classNames, ["cat", "dog", "emu"])
        XCTAssertEqual(loaded.train.labels, [0, 0, 1, 1, 1])
        XCTAssertEqual(tints(loaded.train), [10, 11, 0, 1, 2])
        XCTAssertEqual(loaded.test.labels, [1, 2])
        XCTAssertEqual(tints(loaded.test), [20, 30])

        try FileManager.default.moveItem(
            at: root.appendingPathComponent("val"), to: root.appendingPathComponent("test"))
        XCTAssertEqual(try load(root).test.labels, [1, 2], "test/ serves as val/")
    }

    func testGrayscaleAndPaletteImagesBecomeRGB() throws {
        let root = try makeTemporaryDirectory(self)
        let gray = [UInt8](repeating: 77, count: 16)
        try write(
            ImageCodec.encodePNG(gray, width: 4, height: 4, channels: 1), at: "x/gray.png",
            in: root)
        try write(
            ImageCodec.encodeJPEG(gray, width: 4, height: 4, channels: 1), at: "x/gray.jpg",
            in: root)
        try write(
            ImageCodec.encodePNG(
                paletteIndices: [UInt8](repeating: 1, count: 16), width: 4, height: 4,
                palette: [(0, 0, 0), (200, 100, 50)]),
            at: "x/palette.png", in: root)

        let loaded = try load(root, size: 4, DatasetOptions(testFraction: 0))
        XCTAssertEqual(loaded.train.count, 3)
        XCTAssertEqual(loaded.train.channels, 3)
        let planes = loaded.train.pixels.chunked(16).map { Set($0) }
        // Files in sorted order: gray.jpg, gray.png, palette.png.
        XCTAssertEqual(planes[0], planes[1])
        XCTAssertEqual(planes[1], planes[2])
        XCTAssertEqual(Array(planes[3...5]), [[77], [77], [77]])
        XCTAssertEqual(Array(planes[6...8]), [[200], [100], [50]])
    }

    func testFormatIsToldByContentAndNestedFilesBelongToTheClass() throws {
        let root = try makeTemporaryDirectory(self)
        try write(pngFile(width: 8, height: 8, tint: 1), at: "k/looks-like.jpg", in: root)
        try write(jpegFile(width: 8, height: 8, tint: 2), at: "k/no-extension", in: root)
        try write(pngFile(width: 8, height: 8, tint: 3), at: "k/deeper/nested.png", in: root)
        try write(Array("ignored".utf8), at: "k/.DS_Store", in: root)
        try write(pngFile(width: 8, height: 8), at: ".hidden/ignored.png", in: root)

        let loaded = try load(root, size: 8, DatasetOptions(testFraction: 0))
        XCTAssertEqual(loaded.train.classNames, ["k"])
        XCTAssertEqual(loaded.train.count, 3)
        XCTAssertEqual(loaded.badImages, [])
    }

    func testImagesAreResizedAndCentreCropped() throws {
        let root = try makeTemporaryDirectory(self)
        let pixels = smoothPixels(width: 40, height: 20)
        try write(
            ImageCodec.encodePNG(pixels, width: 40, height: 20, channels: 3), at: "w/wide.png",
            in: root)

        let loaded = try load(root, size: 10, DatasetOptions(testFraction: 0))
        let expected = RGBImage(width: 40, height: 20, pixels: pixels)
            .resizedAndCentreCropped(to: 10)
        XCTAssertEqual(loaded.train.pixels, expected)
    }

    func testFolderErrors() throws {
        let root = try writeThreeClasses()
        let missing = root.appendingPathComponent("nowhere")
        assertDataError(try load(missing), contains: [missing.path, "not a directory"])
        assertDataError(
            try load(root, DatasetOptions(trainList: root.appendingPathComponent("t.txt"))),
            contains: ["Only one split list", "t.txt"])
        assertDataError(
            try load(
                root,
                DatasetOptions(
                    trainList: root.appendingPathComponent("t.txt"),
                    testList: root.appendingPathComponent("v.txt"))),
            contains: ["t.txt", "cannot be read", "No such file"])
        assertDataError(
            try load(root, DatasetOptions(testFraction: 1.5)), contains: ["1.5", "between 0 and 1"])
        assertDataError(try load(root, size: 0), contains: ["at least 1"])

        let flat = try makeTemporaryDirectory(self)
        try write(pngFile(width: 4, height: 4), at: "loose.png", in: flat)
        assertDataError(try load(flat), contains: [flat.path, "no class folders"])
    }
}
