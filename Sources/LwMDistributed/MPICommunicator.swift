import CMPI

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The communicator of a job launched by `mpirun` or `srun`: the ranks of `MPI_COMM_WORLD`.
///
/// Blocking collectives are the non-blocking MPI call followed by polling with a deadline
/// (`collectiveTimeout`), so a dead peer or a cut network stops the job with one message
/// instead of leaving every other rank waiting forever. `mpirun` normally kills the job
/// itself when a rank dies; the deadline is the backstop for what it cannot see.
public final class MPICommunicator: Communicator {
    public let rank: Int
    public let size: Int
    /// Seconds a blocking collective or a `wait` may take before the job is stopped.
    public let collectiveTimeout: Double

    private let world: MPI_Comm?
    private var outstanding: [PendingReduction] = []
    private var isAborting = false
    private var isFinalized = false

    // MPI counts are Int32, so longer buffers are sent as several collectives of this many
    // elements each; every rank cuts the same way because every rank passes the same count.
    static let largestChunk = Int(Int32.max)

    /// Initialises MPI at `MPI_THREAD_FUNNELED` and makes MPI errors return codes instead of
    /// killing the process, so each one can be reported by `checkedMPICall`.
    ///
    /// - Parameter collectiveTimeout: seconds before a stuck collective stops the job.
    /// - Throws: `DistributedError` if MPI cannot start.
    init(collectiveTimeout: Double) throws(DistributedError) {
        try checkedMPICall("MPI_Init_thread", collective: "start", rank: nil) {
            var provided: Int32 = 0
            return MPI_Init_thread(nil, nil, lwm_thread_funneled(), &provided)
        }
        let world = lwm_comm_world()
        try checkedMPICall("MPI_Comm_set_errhandler", collective: "start", rank: nil) {
            MPI_Comm_set_errhandler(world, lwm_errors_return())
        }
        var rank: Int32 = 0
        var size: Int32 = 0
        try checkedMPICall("MPI_Comm_rank", collective: "start", rank: nil) {
            MPI_Comm_rank(world, &rank)
        }
        try checkedMPICall("MPI_Comm_size", collective: "start", rank: Int(rank)) {
            MPI_Comm_size(world, &size)
        }

        self.world = world
        self.rank = Int(rank)
        self.size = Int(size)
        self.collectiveTimeout = collectiveTimeout
    }

    // MARK: - Collectives

    public func allReduceSum(
        _ buffer: UnsafeMutablePointer<Float>, count: Int, name: String
    ) throws {
        var requests = try startAllReduce(
            buffer, count: count, elementSize: MemoryLayout<Float>.stride,
            datatype: lwm_float(), operation: lwm_sum(), name: name)
        try complete(&requests, name: name)
    }

    public func allReduceSum(
        _ buffer: UnsafeMutablePointer<Double>, count: Int, name: String
    ) throws {
        var requests = try startAllReduce(
            buffer, count: count, elementSize: MemoryLayout<Double>.stride,
            datatype: lwm_double(), operation: lwm_sum(), name: name)
        try complete(&requests, name: name)
    }

    public func allReduceSum(
        _ buffer: UnsafeMutablePointer<Int64>, count: Int, name: String
    ) throws {
        var requests = try startAllReduce(
            buffer, count: count, elementSize: MemoryLayout<Int64>.stride,
            datatype: lwm_int64(), operation: lwm_sum(), name: name)
        try complete(&requests, name: name)
    }

    public func allReduceMax(
        _ buffer: UnsafeMutablePointer<Double>, count: Int, name: String
    ) throws {
        var requests = try startAllReduce(
            buffer, count: count, elementSize: MemoryLayout<Double>.stride,
            datatype: lwm_double(), operation: lwm_max(), name: name)
        try complete(&requests, name: name)
    }

    public func broadcast(
        _ buffer: UnsafeMutableRawPointer, byteCount: Int, root: Int, name: String
    ) throws {
        try checkCount(byteCount, name: name)
        guard (0..<size).contains(root) else {
            throw DistributedError(
                "rank \(rank): broadcast '\(name)' names root \(root), "
                    + "but the job has ranks 0 to \(size - 1)")
        }

        var requests: [MPI_Request?] = []
        var offset = 0
        while offset < byteCount {
            let chunk = min(byteCount - offset, Self.largestChunk)
            var request = lwm_request_null()
            try mpi("MPI_Ibcast", name) {
                MPI_Ibcast(
                    buffer + offset, Int32(chunk), lwm_byte(), Int32(root), world, &request)
            }
            requests.append(request)
            offset += chunk
        }
        try complete(&requests, name: name)
    }

    public func barrier(name: String) throws {
        var requests: [MPI_Request?] = [lwm_request_null()]
        try mpi("MPI_Ibarrier", name) { MPI_Ibarrier(world, &requests[0]) }
        try complete(&requests, name: name)
    }

    // MARK: - Overlapped reduction

    public func startAllReduceSum(
        _ buffer: UnsafeMutablePointer<Float>, count: Int, name: String
    ) throws -> PendingReduction {
        let requests = try startAllReduce(
            buffer, count: count, elementSize: MemoryLayout<Float>.stride,
            datatype: lwm_float(), operation: lwm_sum(), name: name)
        let pending = PendingReduction(name: name, count: count, requests: requests)
        outstanding.append(pending)
        return pending
    }

    public func startAllReduceSum(
        _ buffer: UnsafeMutablePointer<Double>, count: Int, name: String
    ) throws -> PendingReduction {
        let requests = try startAllReduce(
            buffer, count: count, elementSize: MemoryLayout<Double>.stride,
            datatype: lwm_double(), operation: lwm_sum(), name: name)
        let pending = PendingReduction(name: name, count: count, requests: requests)
        outstanding.append(pending)
        return pending
    }

    public func progress() {
        for pending in outstanding where pending.failure == nil {
            do {
                _ = try test(&pending.requests, name: pending.name)
            } catch {
                pending.failure = error
            }
        }
    }

    public func wait(_ pending: PendingReduction) throws {
        guard !pending.isWaitedFor else {
            throw DistributedError(
                "rank \(rank): reduction '\(pending.name)' was waited for twice")
        }
        pending.isWaitedFor = true
        outstanding.removeAll { $0 === pending }

        if let failure = pending.failure {
            throw failure
        }
        try complete(&pending.requests, name: pending.name)
    }

    // MARK: - Ending the job

    public func abort(message: String) -> Never {
        // A timeout inside a collective can reach here while another abort is on its way
        // out; the job gets one message per rank, not one per path.
        if !isAborting {
            isAborting = true
            writeLineToStandardError(message.prefixedWithRank(rank))
        }
        do {
            try mpi("MPI_Abort", "abort") { MPI_Abort(world, 1) }
        } catch {
            writeLineToStandardError(error.description)
        }
        exit(1)
    }

    public func finalize() {
        guard !isFinalized else { return }
        do {
            try mpi("MPI_Finalize", "finalize") { MPI_Finalize() }
        } catch {
            writeLineToStandardError(error.description)
        }
        isFinalized = true
    }

    // MARK: - Helpers

    /// `checkedMPICall` with this rank, refusing calls once MPI has been finalised.
    private func mpi(
        _ call: String, _ collective: String, _ body: () -> Int32
    ) throws(DistributedError) {
        guard !isFinalized else {
            throw DistributedError(
                "rank \(rank): \(call) for '\(collective)' was called after MPI was finalised")
        }
        try checkedMPICall(call, collective: collective, rank: rank, body)
    }

    /// Starts an in-place all-reduce of `count` elements, one request per chunk.
    private func startAllReduce(
        _ buffer: UnsafeMutableRawPointer, count: Int, elementSize: Int,
        datatype: MPI_Datatype?, operation: MPI_Op?, name: String
    ) throws -> [MPI_Request?] {
        try checkCount(count, name: name)

        var requests: [MPI_Request?] = []
        var offset = 0
        while offset < count {
            let chunk = min(count - offset, Self.largestChunk)
            var request = lwm_request_null()
            try mpi("MPI_Iallreduce", name) {
                MPI_Iallreduce(
                    lwm_in_place(), buffer + offset * elementSize, Int32(chunk), datatype,
                    operation, world, &request)
            }
            requests.append(request)
            offset += chunk
        }
        return requests
    }

    /// Polls `requests` until all complete; stops the job if they take longer than
    /// `collectiveTimeout`.
    ///
    /// The first polls only yield the processor, so a quick collective returns with little
    /// delay; after that the pause doubles up to 200 µs, so a rank waiting for a slow peer
    /// leaves its core to the ranks still computing while still noticing completion quickly.
    private func complete(_ requests: inout [MPI_Request?], name: String) throws {
        guard !requests.isEmpty else { return }

        let clock = ContinuousClock()
        // Duration traps on overflow; a billion seconds is as good as no timeout.
        let deadline = clock.now.advanced(by: .seconds(min(collectiveTimeout, 1e9)))
        var polls = 0
        var pauseMicroseconds: UInt32 = 10
        while true {
            if try test(&requests, name: name) { return }

            if clock.now >= deadline {
                abort(
                    message: "collective '\(name)' did not complete within "
                        + "\(formatSeconds(collectiveTimeout)) s; a rank may have died or the "
                        + "network is cut; aborting the job")
            }
            polls += 1
            if polls < 64 {
                sched_yield()
            } else {
                usleep(pauseMicroseconds)
                pauseMicroseconds = min(pauseMicroseconds * 2, 200)
            }
        }
    }

    /// Whether every request has completed; lets MPI advance the first one that has not.
    ///
    /// Tests one request at a time rather than with `MPI_Testall`, whose failure code
    /// (`MPI_ERR_IN_STATUS`) would hide the reason, such as `MPI_ERR_TRUNCATE`.
    private func test(
        _ requests: inout [MPI_Request?], name: String
    ) throws(DistributedError) -> Bool {
        for index in requests.indices where requests[index] != lwm_request_null() {
            var done: Int32 = 0
            try mpi("MPI_Test", name) { MPI_Test(&requests[index], &done, lwm_status_ignore()) }
            if done == 0 { return false }
        }
        return true
    }

    private func checkCount(_ count: Int, name: String) throws {
        guard count >= 0 else {
            throw DistributedError(
                "rank \(rank): collective '\(name)' was given count \(count)")
        }
    }
}

/// `60` for whole seconds, `0.5` otherwise.
func formatSeconds(_ seconds: Double) -> String {
    seconds == seconds.rounded() && abs(seconds) < 1e15 ? String(Int(seconds)) : String(seconds)
}
