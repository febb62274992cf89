import Foundation
import LwMData
import XCTest

/// Loads the real Fashion-MNIST when the machine has it.
final class FashionMNISTTests: XCTestCase {
    private let directory = URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist")

    private func skipUnlessPresent() throws {
        let exists = FileManager.default.fileExists(atPath: directory.path)
        try XCTSkipUnless(exists, "Fashion-MNIST is not at \(directory.path)")
    }

    func testTrainingSet() throws {
        try skipUnlessPresent()
        let train = try IDXDataset.load(directory: directory, split: .train, numberOfClasses: 10)

        XCTAssertEqual(train.count, 60000)
        XCTAssertEqual([train.channels, train.height, train.width], [1, 28, 28])
        XCTAssertEqual(train.pixels.count, 60000 * 28 * 28)
        XCTAssertEqual(train.classNames, IDXDataset.fashionMNISTClassNames)
        var perClass = [Int](repeating: 0, count: 10)
        for label in train.labels { perClass[label] += 1 }
        XCTAssertEqual(perClass, Array(repeating: 6000, count: 10))

        let statistics = train.channelStatistics()
        print("Fashion-MNIST train: mean \(statistics.mean[0]) std \(statistics.std[0])")
        XCTAssertEqual(statistics.mean[0], 0.2860, accuracy: 1e-4)
        XCTAssertEqual(statistics.std[0], 0.3530, accuracy: 1e-4)
    }

    func testTestSet() throws {
        try skipUnlessPresent()
        let test = try IDXDataset.load(directory: directory, split: .test, numberOfClasses: 10)

        XCTAssertEqual(test.count, 10000)
        XCTAssertEqual([test.height, test.width], [28, 28])
        XCTAssertTrue(test.labels.allSatisfy { (0...9).contains($0) })
        XCTAssertEqual(Set(test.labels), Set(0...9))
        XCTAssertEqual(test.firstPerClass(100).count, 1000)
    }
}
