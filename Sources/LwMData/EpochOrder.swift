import LwMCore

/// The order in which a task's training images are visited, epoch by epoch.
///
/// The order depends only on the run's seed, the task and the epoch, so every rank computes
/// the same permutation without communicating, and a run resumed at any epoch continues with
/// exactly the orders an uninterrupted run would have used.
public enum EpochOrder {
    /// `indices` shuffled by Fisher–Yates (see `shuffle(_:using:)`) with the stream
    /// `SeededGenerator(seed: seed, stream: [task, epoch])`.
    ///
    /// - Parameters:
    ///   - indices: the sample indices of the task, in any fixed order.
    ///   - seed: the run's seed.
    ///   - task: the task index, from 0.
    ///   - epoch: the epoch index within the task, from 0.
    public static func shuffledIndices(
        _ indices: [Int], seed: UInt64, task: Int, epoch: Int
    )
        -> [Int]
    {
        precondition(task >= 0 && epoch >= 0, "task \(task) and epoch \(epoch) must be ≥ 0")
        var generator = SeededGenerator(seed: seed, stream: [UInt64(task), UInt64(epoch)])
        var shuffled = indices
        shuffle(&shuffled, using: &generator)
        return shuffled
    }

    /// Fisher–Yates, written out so the permutation is fixed by this code rather than by the
    /// standard library's `shuffle`, whose algorithm may change between toolchains: for i from
    /// n−1 down to 1, swap element i with element j = `uniform(below: i + 1)`.
    static func shuffle<Element>(
        _ elements: inout [Element], using generator: inout SeededGenerator
    ) {
        guard elements.count > 1 else { return }
        for i in stride(from: elements.count - 1, through: 1, by: -1) {
            let j = Int(uniform(below: UInt64(i + 1), using: &generator))
            elements.swapAt(i, j)
        }
    }

    /// A uniform integer in 0..<bound by Lemire's multiply-and-reject method: the high word of
    /// a 64×64-bit product, redrawn in the rare cases that would bias it.
    static func uniform(below bound: UInt64, using generator: inout SeededGenerator) -> UInt64 {
        precondition(bound > 0)
        var product = generator.next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold {
                product = generator.next().multipliedFullWidth(by: bound)
            }
        }
        return product.high
    }
}
