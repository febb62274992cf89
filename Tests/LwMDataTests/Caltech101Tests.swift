import Foundation
import LwMData
import XCTest

/// A smoke test on the real Caltech 101 in ../shared/data, skipped where it is absent.
final class Caltech101Tests: XCTestCase {
    /// `$LWM_CALTECH101`, else `shared/data/caltech101` beside the repository.
    private var dataDirectory: URL {
        if let path = ProcessInfo.processInfo.environment["LWM_CALTECH101"] {
            return URL(fileURLWithPath: path)
        }
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/data/caltech101")
    }

    func testLoadsWithTheSplitListsAndCaches() throws {
        let data = dataDirectory
        try XCTSkipUnless(
            FileManager.default.fileExists(atPath: data.appendingPathComponent("train.txt").path),
            "Caltech 101 is not at \(data.path)")
        let cache = try makeTemporaryDirectory(self, name: "lwm-caltech-cache")
        let options = DatasetOptions(imageSize: 32, cacheDirectory: cache)

        let start = Date()
        let first = try DatasetLoader.load(
            preset: .caltech101, directory: data.appendingPathComponent("101_ObjectCategories"),
            options: options)
        let decoded = Date()
        let second = try DatasetLoader.load(preset: .caltech101, directory: data, options: options)
        let cached = Date()

        let trainList = try String(
            contentsOf: data.appendingPathComponent("train.txt"), encoding: .utf8)
        let trainPaths = Set(trainList.split(whereSeparator: \.isNewline).map { "/" + $0 })
        let badTrain = first.badImages.filter { bad in
            trainPaths.contains { bad.path.hasSuffix($0) }
        }.count
        print(
            """
            caltech101 at 32×32: \(first.train.count) training and \(first.test.count) test \
            images, \(first.badImages.count) bad (\(first.badImages.map(\.description))); \
            first load \(String(format: "%.2f", decoded.timeIntervalSince(start))) s, cached \
            load \(String(format: "%.2f", cached.timeIntervalSince(decoded))) s
            """)
        XCTAssertEqual(first.train.numberOfClasses, 101)
        XCTAssertEqual(first.train.count + first.test.count + first.badImages.count, 5784 + 2893)
        XCTAssertEqual(first.train.count + badTrain, 5784)
        XCTAssertEqual(first.train.channels, 3)
        XCTAssertEqual(first.train.height, 32)
        XCTAssertEqual(Set(first.train.labels).count, 101)
        guard case .written = first.cache else { return XCTFail("cache: \(first.cache)") }
        guard case .loaded = second.cache else { return XCTFail("cache: \(second.cache)") }
        XCTAssertEqual(second.train, first.train)
        XCTAssertEqual(second.test, first.test)
    }
}
