import LwMCore
import LwMDistributed

/// The gradient all-reduce, overlapped with the backward pass.
///
/// What is reduced is the Double gradient sums (``ImageGroups`` explains why), which are
/// rounded into the Float gradients once every bucket has arrived. The flat buffer is cut into buckets of about `--bucket-mb`, from the end: the
/// head and the last stage are the first gradients the backward pass finishes. When the
/// pass reports that every gradient from some offset on is final, each bucket lying wholly
/// in that range starts a non-blocking all-reduce, and MPI is given a chance to progress.
/// Every rank starts the buckets in the same order, because every rank runs the same layers.
final class GradientBuckets {
    private let parallel: DataParallel
    private let store: ParameterStore
    /// Bucket ranges, last (first to be ready) first.
    let buckets: [Range<Int>]
    private var started: [PendingReduction] = []

    init(parallel: DataParallel, store: ParameterStore, bucketMegabytes: Double) {
        self.parallel = parallel
        self.store = store
        let bucketValues = max(1024, Int(bucketMegabytes * 1024 * 1024 / 8))
        var buckets: [Range<Int>] = []
        var end = store.parameterCount
        while end > 0 {
            let start = max(0, end - bucketValues)
            buckets.append(start..<end)
            end = start
        }
        self.buckets = buckets
    }

    /// Called by the backward pass: every gradient at or after `offset` is final.
    func gradientsReady(from offset: Int) {
        guard parallel.size > 1 else { return }
        while started.count < buckets.count && buckets[started.count].lowerBound >= offset {
            let bucket = buckets[started.count]
            let pending = parallel.collective {
                try parallel.communicator.startAllReduceSum(
                    store.gradientSums + bucket.lowerBound, count: bucket.count,
                    name: "gradient bucket \(started.count + 1) of \(buckets.count)")
            }
            started.append(pending)
        }
        parallel.communicator.progress()
    }

    /// Starts what is left, waits for every bucket, rounds the sums into the Float gradients
    /// and resets for the next step. After it returns, the gradients are the sum over all
    /// ranks.
    func finish() {
        if parallel.size > 1 {
            gradientsReady(from: 0)
            parallel.collective {
                for pending in started { try parallel.communicator.wait(pending) }
            }
            started.removeAll(keepingCapacity: true)
        }
        store.roundGradients()
    }
}
