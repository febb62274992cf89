import LwMData
import XCTest

final class NormalizationTests: XCTestCase {
    /// Two images of two channels, 1×3 each; channel 0 holds 0, 51, 102 | 153, 204, 255 and
    /// channel 1 is 255 everywhere.
    private let dataset = ImageDataset(
        pixels: [0, 51, 102, 255, 255, 255, 153, 204, 255, 255, 255, 255], labels: [1, 0],
        channels: 2, height: 1, width: 3, classNames: ["a", "b"])

    func testChannelStatisticsMatchHandComputation() {
        let statistics = dataset.channelStatistics()

        // Channel 0 is 0, 0.2, …, 1.0: mean 0.5, population variance 0.7 / 6.
        XCTAssertEqual(statistics.mean[0], 0.5, accuracy: 1e-7)
        XCTAssertEqual(statistics.std[0], Float((0.7 / 6).squareRoot()), accuracy: 1e-7)
        // Channel 1 is constant: std falls back to 1 so normalising only centres it.
        XCTAssertEqual(statistics.mean[1], 1)
        XCTAssertEqual(statistics.std[1], 1)
    }

    func testBatchIsNormalisedInIndexOrder() {
        let statistics = ChannelStatistics(mean: [0.5, 0.25], std: [0.5, 2])

        let batch = dataset.makeBatch(indices: [1, 0, 1], statistics: statistics)

        let second: [Float] = [0.2, 0.6, 1, 0.375, 0.375, 0.375]
        let first: [Float] = [-1, -0.6, -0.2, 0.375, 0.375, 0.375]
        let expected = second + first + second
        XCTAssertEqual(batch.count, expected.count)
        for (index, (actual, wanted)) in zip(batch, expected).enumerated() {
            XCTAssertEqual(actual, wanted, accuracy: 1e-6, "element \(index)")
        }
    }

    func testBatchIntoPointerMatchesArray() {
        let statistics = dataset.channelStatistics()
        var buffer = [Float](repeating: .nan, count: 7)

        buffer.withUnsafeMutableBufferPointer { pointer in
            dataset.makeBatch(indices: [0], statistics: statistics, into: pointer.baseAddress!)
        }

        XCTAssertEqual(
            Array(buffer[..<6]), dataset.makeBatch(indices: [0], statistics: statistics))
        XCTAssertTrue(buffer[6].isNaN, "makeBatch wrote past its batch")
        XCTAssertEqual(dataset.makeBatch(indices: [], statistics: statistics), [])
    }

    func testNormalisedDatasetHasZeroMeanUnitStd() {
        let statistics = dataset.channelStatistics()
        let batch = dataset.makeBatch(indices: [0, 1], statistics: statistics)
        let channel0 = [0, 1, 2, 6, 7, 8].map { Double(batch[$0]) }

        let mean = channel0.reduce(0, +) / 6
        let variance = channel0.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 6

        XCTAssertEqual(mean, 0, accuracy: 1e-6)
        XCTAssertEqual(variance, 1, accuracy: 1e-6)
    }

    func testStatisticsAreCodable() throws {
        let statistics = dataset.channelStatistics()
        let data = try JSONEncoder().encode(statistics)

        XCTAssertEqual(try JSONDecoder().decode(ChannelStatistics.self, from: data), statistics)
    }
}
