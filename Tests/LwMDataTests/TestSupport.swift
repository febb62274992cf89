import Foundation
import LwMData
import XCTest

/// A fresh directory under the system's temporary directory, removed when the test ends.
func makeTemporaryDirectory(_ test: XCTestCase, name: String = "lwm-data") throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// Writes `bytes` to `directory/name` and returns the file's URL.
@discardableResult
func write(_ bytes: [UInt8], to directory: URL, name: String) throws -> URL {
    let url = directory.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url
}

/// A tiny IDX image set: `count` images of height×width whose pixel p of image n is
/// (31·n + p) mod 256, and labels n mod `classes`.
struct TinyIDX {
    var count = 6
    var height = 3
    var width = 2
    var classes = 3

    var imageBytes: [UInt8] {
        let pixels = (0..<count * height * width).map { index -> UInt8 in
            let (n, p) = index.quotientAndRemainder(dividingBy: height * width)
            return UInt8((31 * n + p) % 256)
        }
        return IDX.encode(dimensions: [count, height, width], elements: pixels)
    }

    var labelBytes: [UInt8] {
        IDX.encode(dimensions: [count], elements: (0..<count).map { UInt8($0 % classes) })
    }

    /// Writes the four standard files, gzip-compressed if `gzip`, under their standard names
    /// preceded by `prefix` (the test split has the same content as the train split).
    func writeDirectory(_ directory: URL, gzip: Bool = false, prefix: String = "") throws {
        let suffix = gzip ? ".gz" : ""
        let encode: ([UInt8]) -> [UInt8] = { gzip ? Gzip.compress($0) : $0 }
        for split in ["train", "t10k"] {
            try write(
                encode(imageBytes), to: directory,
                name: "\(prefix)\(split)-images-idx3-ubyte\(suffix)")
            try write(
                encode(labelBytes), to: directory,
                name: "\(prefix)\(split)-labels-idx1-ubyte\(suffix)")
        }
    }
}

/// Asserts that `expression` throws a `DataError` whose message contains every one of
/// `fragments`, and returns the message.
@discardableResult
func assertDataError<T>(
    _ expression: @autoclosure () throws -> T, contains fragments: [String],
    file: StaticString = #filePath, line: UInt = #line
) -> String? {
    do {
        _ = try expression()
        XCTFail("expected a DataError containing \(fragments)", file: file, line: line)
        return nil
    } catch let error as DataError {
        for fragment in fragments where !error.description.contains(fragment) {
            XCTFail(
                "error \"\(error.description)\" lacks \"\(fragment)\"", file: file, line: line)
        }
        return error.description
    } catch {
        XCTFail("expected a DataError, got \(error)", file: file, line: line)
        return nil
    }
}
