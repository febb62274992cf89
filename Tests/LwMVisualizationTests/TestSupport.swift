import Foundation
import XCTest

/// A fresh directory under the system's temporary directory, removed when the test ends.
func makeTemporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("lwm-pictures-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// Asserts that `actual` and `expected` have one length and differ nowhere by more than
/// `tolerance`·max(1, |expected|), reporting the largest difference and where it is.
func assertClose(
    _ actual: [Float], _ expected: [Float], tolerance: Float = 1e-6, _ name: String = "values",
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(actual.count, expected.count, "\(name): lengths differ", file: file, line: line)
    var largest: Float = 0
    var worst = 0
    for (index, (a, e)) in zip(actual, expected).enumerated() {
        let difference = abs(a - e) / max(1, abs(e))
        if difference > largest || difference.isNaN {
            largest = difference
            worst = index
        }
    }
    XCTAssertLessThanOrEqual(
        largest, tolerance,
        "\(name): largest relative difference \(largest) at \(worst) "
            + "(\(actual.indices.contains(worst) ? actual[worst] : .nan) against "
            + "\(expected.indices.contains(worst) ? expected[worst] : .nan))",
        file: file, line: line)
}
