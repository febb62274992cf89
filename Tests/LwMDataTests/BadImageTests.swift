import Foundation
import LwMData
import XCTest

/// Every kind of bad input in an image folder, under both policies: `.skip` leaves it out and
/// reports it once, `.fail` throws a `DataError` naming the file and the reason.
final class BadImageTests: XCTestCase {
    /// A folder with classes `good` (three PNGs) and `other` (one PNG), plus whatever `spoil`
    /// adds; the hold-out is off so every good image trains.
    private func folder(_ spoil: (URL) throws -> Void) throws -> URL {
        let root = try makeTemporaryDirectory(self)
        try writeImages(3, in: "good", root: root, firstTint: 0)
        try writeImages(1, in: "other", root: root, firstTint: 10)
        try spoil(root)
        return root
    }

    private let noTest = DatasetOptions(testFraction: 0)

    /// Loads `root` both ways: skipping must keep the four good images and report exactly one
    /// bad path with `reason`; failing must throw naming both.
    private func assertBothPolicies(
        _ root: URL, badPath: String, reason: String, options: DatasetOptions? = nil,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        var skip = options ?? noTest
        skip.onBadImage = .skip
        let loaded = try ImageFolder.load(directory: root, imageSize: 4, options: skip)
        XCTAssertEqual(loaded.train.count + loaded.test.count, 4, file: file, line: line)
        XCTAssertEqual(loaded.badImages.count, 1, "\(loaded.badImages)", file: file, line: line)
        XCTAssertEqual(loaded.badImages.first?.path, badPath, file: file, line: line)
        XCTAssert(
            loaded.badImages.first?.reason.contains(reason) ?? false,
            "\(loaded.badImages) lacks \"\(reason)\"", file: file, line: line)

        var fail = skip
        fail.onBadImage = .fail
        assertDataError(
            try ImageFolder.load(directory: root, imageSize: 4, options: fail),
            contains: [badPath, reason, "--on-bad-image skip"], file: file, line: line)
    }

    func testCorruptJPEG() throws {
        // A frame header declaring zero rows, which libjpeg refuses.
        var jpeg = jpegFile(width: 16, height: 16)
        let frame = (0..<jpeg.count - 1).first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 }!
        jpeg[frame + 5] = 0
        jpeg[frame + 6] = 0
        let root = try folder { try write(jpeg, at: "good/corrupt.jpg", in: $0) }
        try assertBothPolicies(
            root, badPath: root.path + "/good/corrupt.jpg", reason: "Empty JPEG image")
    }

    func testTruncatedJPEG() throws {
        let jpeg = jpegFile(width: 32, height: 32)
        let root = try folder {
            try write(Array(jpeg.prefix(jpeg.count * 2 / 3)), at: "good/cut.jpg", in: $0)
        }
        try assertBothPolicies(root, badPath: root.path + "/good/cut.jpg", reason: "truncated")
    }

    func testTruncatedPNG() throws {
        let png = pngFile(width: 32, height: 32)
        let root = try folder {
            try write(Array(png.prefix(png.count / 2)), at: "other/cut.png", in: $0)
        }
        try assertBothPolicies(
            root, badPath: root.path + "/other/cut.png",
            reason: "PNG: the data ends before the image does")
    }

    func testEmptyFile() throws {
        let root = try folder { try write([], at: "good/empty.png", in: $0) }
        try assertBothPolicies(
            root, badPath: root.path + "/good/empty.png", reason: "the file is empty")
    }

    func testFileThatIsNotAnImage() throws {
        let root = try folder { try write(Array("Thumbs".utf8), at: "good/notes.txt", in: $0) }
        try assertBothPolicies(
            root, badPath: root.path + "/good/notes.txt", reason: "neither JPEG nor PNG")
    }

    func testEmptyClassFolder() throws {
        let root = try folder {
            try FileManager.default.createDirectory(
                at: $0.appendingPathComponent("hollow"), withIntermediateDirectories: true)
        }
        try assertBothPolicies(root, badPath: root.path + "/hollow", reason: "holds no files")

        // The class keeps its id, between `good` and `other`.
        let loaded = try ImageFolder.load(directory: root, imageSize: 4, options: noTest)
        XCTAssertEqual(loaded.train.classNames, ["good", "hollow", "other"])
        XCTAssertEqual(loaded.train.labels, [0, 0, 0, 2])
    }

    func testDanglingLink() throws {
        let root = try folder {
            try FileManager.default.createSymbolicLink(
                atPath: $0.appendingPathComponent("good/link.png").path,
                withDestinationPath: "/nonexistent/picture.png")
        }
        try assertBothPolicies(
            root, badPath: root.path + "/good/link.png", reason: "No such file or directory")
    }

    func testFileWithoutReadPermission() throws {
        try XCTSkipIf(getuid() == 0, "root reads files whatever their permissions")
        let root = try folder {
            try write(pngFile(width: 4, height: 4), at: "good/locked.png", in: $0)
        }
        try FileManager.default.setAttributes(
            [.posixPermissions: 0], ofItemAtPath: root.path + "/good/locked.png")
        try assertBothPolicies(
            root, badPath: root.path + "/good/locked.png", reason: "Permission denied")
    }

    func testListedPathsThatCannotBeRead() throws {
        let root = try folder { _ in }
        let lists = try makeTemporaryDirectory(self)
        let test = try write(Array("other/image_0001.png\n".utf8), to: lists, name: "test.txt")
        let good = "good/image_0001.png\ngood/image_0002.png\ngood/image_0003.png\n"

        let missing = try write(Array((good + "good/missing.png\n").utf8), to: lists, name: "a.txt")
        try assertBothPolicies(
            root, badPath: root.path + "/good/missing.png", reason: "No such file or directory",
            options: DatasetOptions(trainList: missing, testList: test))

        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("good/folder.png"), withIntermediateDirectories: true)
        let directory = try write(
            Array((good + "good/folder.png\n").utf8), to: lists, name: "b.txt")
        try assertBothPolicies(
            root, badPath: root.path + "/good/folder.png", reason: "is a directory",
            options: DatasetOptions(trainList: directory, testList: test))

        let stray = try write(Array((good + "elsewhere/x.png\n").utf8), to: lists, name: "c.txt")
        try assertBothPolicies(
            root, badPath: root.path + "/elsewhere/x.png", reason: "not a class folder",
            options: DatasetOptions(trainList: stray, testList: test))
    }

    func testEveryBadImageIsListedOnceInOrder() throws {
        let root = try folder {
            try write([], at: "good/a-empty.png", in: $0)
            try write(Array("x".utf8), at: "other/b.txt", in: $0)
        }
        let loaded = try ImageFolder.load(directory: root, imageSize: 4, options: noTest)
        XCTAssertEqual(
            loaded.badImages.map(\.path),
            [root.path + "/good/a-empty.png", root.path + "/other/b.txt"])
        XCTAssertEqual(
            loaded.badImages[0].description, root.path + "/good/a-empty.png: the file is empty")
    }

    func testNoUsableTrainingImageIsAnError() throws {
        let root = try makeTemporaryDirectory(self)
        try write([], at: "only/empty.png", in: root)
        assertDataError(
            try ImageFolder.load(directory: root, imageSize: 4, options: noTest),
            contains: [root.path, "no usable training image", "1 bad"])
    }
}
