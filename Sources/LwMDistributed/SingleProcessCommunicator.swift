#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The communicator of a job with one rank and no MPI: every collective leaves its buffer
/// as it is, because the sum, maximum or broadcast over one rank is the rank's own value.
///
/// `Distributed.start` returns it when no MPI launcher started the process, so `lwm` runs
/// without `mpirun` and without initialising MPI.
public final class SingleProcessCommunicator: Communicator {
    public let rank = 0
    public let size = 1

    public init() {}

    public func allReduceSum(
        _ buffer: UnsafeMutablePointer<Float>, count: Int, name: String
    ) throws {
        try checkCount(count, name: name)
    }

    public func allReduceSum(
        _ buffer: UnsafeMutablePointer<Double>, count: Int, name: String
    ) throws {
        try checkCount(count, name: name)
    }

    public func allReduceSum(
        _ buffer: UnsafeMutablePointer<Int64>, count: Int, name: String
    ) throws {
        try checkCount(count, name: name)
    }

    public func allReduceMax(
        _ buffer: UnsafeMutablePointer<Double>, count: Int, name: String
    ) throws {
        try checkCount(count, name: name)
    }

    public func broadcast(
        _ buffer: UnsafeMutableRawPointer, byteCount: Int, root: Int, name: String
    ) throws {
        try checkCount(byteCount, name: name)
        guard root == 0 else {
            throw DistributedError(
                "rank 0: broadcast '\(name)' names root \(root), but the job has only rank 0")
        }
    }

    public func barrier(name: String) throws {}

    public func startAllReduceSum(
        _ buffer: UnsafeMutablePointer<Float>, count: Int, name: String
    ) throws -> PendingReduction {
        try checkCount(count, name: name)
        return PendingReduction(name: name, count: count, requests: [])
    }

    public func startAllReduceSum(
        _ buffer: UnsafeMutablePointer<Double>, count: Int, name: String
    ) throws -> PendingReduction {
        try checkCount(count, name: name)
        return PendingReduction(name: name, count: count, requests: [])
    }

    public func progress() {}

    public func wait(_ pending: PendingReduction) throws {
        guard !pending.isWaitedFor else {
            throw DistributedError("rank 0: reduction '\(pending.name)' was waited for twice")
        }
        pending.isWaitedFor = true
    }

    public func abort(message: String) -> Never {
        writeLineToStandardError(message.prefixedWithRank(0))
        exit(1)
    }

    public func finalize() {}

    // The MPI backend rejects these too, so a bug shows up in single-process runs as well.
    private func checkCount(_ count: Int, name: String) throws {
        guard count >= 0 else {
            throw DistributedError("rank 0: collective '\(name)' was given count \(count)")
        }
    }
}
