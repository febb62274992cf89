import LwMData
import XCTest

final class SubsetTests: XCTestCase {
    /// Eight 1×1 images whose pixel is their index, labels 2, 0, 2, 1, 0, 2, 0, 2.
    private let dataset = ImageDataset(
        pixels: Array(0..<8), labels: [2, 0, 2, 1, 0, 2, 0, 2], channels: 1, height: 1,
        width: 1, classNames: ["a", "b", "c", "d"])

    func testFirstPerClassKeepsFileOrder() {
        let subset = dataset.firstPerClass(2)

        XCTAssertEqual(subset.pixels, [0, 1, 2, 3, 4])
        XCTAssertEqual(subset.labels, [2, 0, 2, 1, 0])
        XCTAssertEqual(subset.classNames, dataset.classNames)
        XCTAssertEqual(dataset.firstPerClass(0).count, 0)
    }

    func testIndicesOfClassesUseOriginalLabels() {
        XCTAssertEqual(dataset.indices(ofClasses: [0, 1]), [1, 3, 4, 6])
        XCTAssertEqual(dataset.indices(ofClasses: [3]), [])
    }

    func testSubsetTakesIndicesInOrder() {
        let subset = dataset.subset([7, 1, 1])

        XCTAssertEqual(subset.pixels, [7, 1, 1])
        XCTAssertEqual(subset.labels, [2, 0, 0])
    }
}
