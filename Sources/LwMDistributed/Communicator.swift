/// The ranks of one data-parallel job and the collectives they run together.
///
/// Every rank must call the same collectives in the same order with the same counts; `name`
/// says what is being reduced or sent ("gradient sum", "epoch loss sum", "checkpoint bytes")
/// and appears in every error and timeout message so a hung or failed job points at the step.
///
/// Collectives are called from the main thread only (MPI runs at `MPI_THREAD_FUNNELED`).
/// A blocking collective that has not completed after the job's collective timeout stops
/// every rank with one message instead of hanging.
public protocol Communicator: AnyObject {
    /// This process's index in `0..<size`.
    var rank: Int { get }
    /// The number of ranks in the job; 1 when running without a launcher.
    var size: Int { get }

    /// Replaces each of the `count` floats at `buffer` by its sum over all ranks.
    ///
    /// - Throws: `DistributedError` naming the MPI call, `name` and the rank if MPI fails.
    func allReduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int, name: String) throws
    /// Replaces each of the `count` doubles at `buffer` by its sum over all ranks.
    func allReduceSum(_ buffer: UnsafeMutablePointer<Double>, count: Int, name: String) throws
    /// Replaces each of the `count` integers at `buffer` by its sum over all ranks.
    func allReduceSum(_ buffer: UnsafeMutablePointer<Int64>, count: Int, name: String) throws
    /// Replaces each of the `count` doubles at `buffer` by its maximum over all ranks.
    func allReduceMax(_ buffer: UnsafeMutablePointer<Double>, count: Int, name: String) throws

    /// Copies `byteCount` bytes at `buffer` on rank `root` into `buffer` on every other rank.
    ///
    /// Every rank must pass the same `byteCount`; use `broadcast(_:root:name:)` on an array
    /// when only the root knows the length.
    func broadcast(
        _ buffer: UnsafeMutableRawPointer, byteCount: Int, root: Int, name: String) throws

    /// Returns once every rank has called `barrier` with this name.
    func barrier(name: String) throws

    /// Starts summing `count` floats at `buffer` over all ranks, in place, and returns at once.
    ///
    /// The buffer must stay allocated and untouched until `wait` returns for the result;
    /// call `progress()` now and then (for example between layers of a backward pass) so the
    /// reduction advances while this rank computes.
    func startAllReduceSum(
        _ buffer: UnsafeMutablePointer<Float>, count: Int, name: String
    ) throws -> PendingReduction
    /// The same for doubles.
    func startAllReduceSum(
        _ buffer: UnsafeMutablePointer<Double>, count: Int, name: String
    ) throws -> PendingReduction
    /// Lets MPI advance every started reduction without blocking; errors surface in `wait`.
    func progress()
    /// Returns when `pending` has completed, so its buffer holds the sum over all ranks.
    ///
    /// - Throws: `DistributedError` if the reduction failed; stops the job on timeout.
    func wait(_ pending: PendingReduction) throws

    /// Prints `message` once to standard error, prefixed with the rank, and stops every rank
    /// of the job with exit code 1.
    func abort(message: String) -> Never
    /// Shuts MPI down; call once, after the last collective, on every rank.
    func finalize()
}

extension Communicator {
    /// Whether this is rank 0, the one rank that prints and writes files.
    public var isRoot: Bool { rank == 0 }

    /// Replaces each value by its sum over all ranks; every rank passes the same count.
    public func allReduceSum(_ values: inout [Float], name: String) throws {
        let count = values.count
        try values.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            try allReduceSum(base, count: count, name: name)
        }
    }

    /// Replaces each value by its sum over all ranks; every rank passes the same count.
    public func allReduceSum(_ values: inout [Double], name: String) throws {
        let count = values.count
        try values.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            try allReduceSum(base, count: count, name: name)
        }
    }

    /// Replaces each count by its sum over all ranks; every rank passes the same count.
    public func allReduceSum(_ values: inout [Int64], name: String) throws {
        let count = values.count
        try values.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            try allReduceSum(base, count: count, name: name)
        }
    }

    /// Returns the sum of `value` over all ranks.
    public func allReduceSum(_ value: Double, name: String) throws -> Double {
        var values = [value]
        try allReduceSum(&values, name: name)
        return values[0]
    }

    /// Returns the sum of `value` over all ranks.
    public func allReduceSum(_ value: Int64, name: String) throws -> Int64 {
        var values = [value]
        try allReduceSum(&values, name: name)
        return values[0]
    }

    /// Returns the largest `value` over all ranks.
    public func allReduceMax(_ value: Double, name: String) throws -> Double {
        var result = value
        try allReduceMax(&result, count: 1, name: name)
        return result
    }

    /// Replaces `bytes` on every rank by the root's bytes, whatever length each rank held.
    ///
    /// Sends the length first, then the bytes, so only the root needs to know the length.
    public func broadcast(_ bytes: inout [UInt8], root: Int, name: String) throws {
        var length = Int64(bytes.count)
        try broadcast(&length, byteCount: MemoryLayout<Int64>.size, root: root, name: name)
        if rank != root {
            bytes = [UInt8](repeating: 0, count: Int(length))
        }
        try bytes.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            try broadcast(base, byteCount: buffer.count, root: root, name: name)
        }
    }
}
