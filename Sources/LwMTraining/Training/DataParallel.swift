import LwMCore
import LwMDistributed

/// What keeps the ranks of a data-parallel job in step: the gradient sum, BatchNorm's
/// cross-rank statistics, the model broadcast and the weight checksum.
///
/// Every method is a collective: every rank calls it in the same order. A failure stops the
/// whole job with one message, since a rank that leaves a collective early would hang the
/// others.
public final class DataParallel {
    public let communicator: any Communicator

    public init(communicator: any Communicator) {
        self.communicator = communicator
    }

    public var rank: Int { communicator.rank }
    public var size: Int { communicator.size }

    /// The images of a global batch of `count` that this rank computes: a contiguous run of
    /// whole image groups (``ImageGroups``), so the result does not depend on the rank count.
    public func shard(of count: Int) -> Range<Int> {
        ImageGroups.shard(of: count, rank: rank, size: size)
    }

    /// Runs `body`, stopping every rank with its message if it throws.
    public func collective<T>(_ body: () throws -> T) -> T {
        do {
            return try body()
        } catch {
            communicator.abort(message: "\(error)")
        }
    }

    // MARK: - Per step

    /// Sums the loss shares of all ranks, with a flag set when any rank's losses or summed
    /// gradients hold a NaN or an infinity, in one small message. The gradients must already
    /// be summed (``GradientBuckets``), so every rank sees the same values and the same flag.
    public func reduceLosses(_ losses: LossValues, store: ParameterStore) -> (LossValues, Bool) {
        var isFinite = losses.array.allSatisfy(\.isFinite)
        let gradients = store.gradients
        for i in 0..<store.parameterCount where !gradients[i].isFinite {
            isFinite = false
            break
        }
        var summary = losses.array + [isFinite ? 0 : 1]
        collective {
            if size > 1 {
                try communicator.allReduceSum(&summary, name: "loss sum and non-finite flag")
            }
        }
        return (LossValues(array: Array(summary.prefix(4))), summary[4] > 0)
    }

    // MARK: - Model state

    /// Copies rank 0's parameters, running statistics and BatchNorm counters to every rank.
    public func broadcastModel(_ network: ResNet, name: String) {
        guard size > 1 else { return }
        let store = network.store
        var counters = network.batchNorms.map { Double($0.batchesTracked) }
        collective {
            try communicator.broadcast(
                store.values, byteCount: store.parameterCount * 4, root: 0,
                name: "\(name) parameters")
            try communicator.broadcast(
                store.bufferValues, byteCount: store.bufferCount * 4, root: 0,
                name: "\(name) statistics")
            try counters.withUnsafeMutableBytes { bytes in
                try communicator.broadcast(
                    bytes.baseAddress!, byteCount: bytes.count, root: 0, name: "\(name) counters")
            }
        }
        for (norm, count) in zip(network.batchNorms, counters) { norm.batchesTracked = Int(count) }
    }

    /// Rank 0's BatchNorm running statistics to every rank, as PyTorch's DDP does for
    /// buffers; needed only when each rank normalises with its own statistics.
    public func broadcastStatistics(_ network: ResNet) {
        guard size > 1 else { return }
        let store = network.store
        collective {
            try communicator.broadcast(
                store.bufferValues, byteCount: store.bufferCount * 4, root: 0,
                name: "running statistics")
        }
    }

    /// Whether every rank holds bit-identical parameters and statistics: each hashes its own,
    /// and the maximum and minimum of the hashes over the ranks must agree.
    public func weightsAgree(_ network: ResNet) -> Bool {
        guard size > 1 else { return true }
        let store = network.store
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ pointer: UnsafeMutablePointer<Float>, _ count: Int) {
            for i in 0..<count {
                hash = (hash ^ UInt64(pointer[i].bitPattern)) &* 0x0000_0100_0000_01B3
            }
        }
        mix(store.values, store.parameterCount)
        mix(store.bufferValues, store.bufferCount)
        // Two 32-bit halves, exact in a Double; max of (h, −h) gives the maximum and minimum.
        let high = Double(hash >> 32)
        let low = Double(hash & 0xFFFF_FFFF)
        var values = [high, -high, low, -low]
        collective {
            try values.withUnsafeMutableBufferPointer { buffer in
                try communicator.allReduceMax(
                    buffer.baseAddress!, count: 4, name: "weight checksum")
            }
        }
        return values[0] == -values[1] && values[2] == -values[3]
    }
}

/// Synchronised BatchNorm: sums each layer's per-channel statistics over the ranks, so every
/// rank normalises with the statistics of the whole global batch.
public final class CrossRankStatistics: StatisticsReducer {
    private let parallel: DataParallel

    public init(_ parallel: DataParallel) {
        self.parallel = parallel
    }

    public var addsParameterGradients: Bool { parallel.rank == 0 }

    public func sumInPlace(_ values: UnsafeMutablePointer<Double>, count: Int) {
        parallel.collective {
            try parallel.communicator.allReduceSum(
                values, count: count, name: "BatchNorm statistics")
        }
    }
}
