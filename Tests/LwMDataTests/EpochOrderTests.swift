import LwMData
import XCTest

final class EpochOrderTests: XCTestCase {
    private let indices = Array(stride(from: 0, to: 2000, by: 2))

    func testReproducibleAcrossCalls() {
        let first = EpochOrder.shuffledIndices(indices, seed: 42, task: 1, epoch: 3)
        let again = EpochOrder.shuffledIndices(indices, seed: 42, task: 1, epoch: 3)

        XCTAssertEqual(first, again)
    }

    func testIsAPermutation() {
        let shuffled = EpochOrder.shuffledIndices(indices, seed: 42, task: 0, epoch: 0)

        XCTAssertEqual(shuffled.sorted(), indices)
        XCTAssertNotEqual(shuffled, indices)
    }

    func testDiffersByEpochTaskAndSeed() {
        let base = EpochOrder.shuffledIndices(indices, seed: 42, task: 1, epoch: 3)

        XCTAssertNotEqual(base, EpochOrder.shuffledIndices(indices, seed: 42, task: 1, epoch: 4))
        XCTAssertNotEqual(base, EpochOrder.shuffledIndices(indices, seed: 42, task: 2, epoch: 3))
        XCTAssertNotEqual(base, EpochOrder.shuffledIndices(indices, seed: 43, task: 1, epoch: 3))
        XCTAssertNotEqual(base, EpochOrder.shuffledIndices(indices, seed: 42, task: 3, epoch: 1))
    }

    func testSmallInputs() {
        XCTAssertEqual(EpochOrder.shuffledIndices([], seed: 1, task: 0, epoch: 0), [])
        XCTAssertEqual(EpochOrder.shuffledIndices([7], seed: 1, task: 0, epoch: 0), [7])
    }

    /// Each of 4 elements should land first about a quarter of the time over many epochs.
    func testFirstPositionIsRoughlyUniform() {
        var counts = [0, 0, 0, 0]
        for epoch in 0..<4000 {
            counts[EpochOrder.shuffledIndices([0, 1, 2, 3], seed: 9, task: 0, epoch: epoch)[0]] += 1
        }

        for count in counts { XCTAssertEqual(Double(count), 1000, accuracy: 120) }
    }
}
