import LwMDistributed
import XCTest

/// The single-process backend: one rank, collectives that leave every buffer as it is.
final class SingleProcessCommunicatorTests: XCTestCase {
    func testIsRankZeroOfOne() {
        let communicator = SingleProcessCommunicator()
        XCTAssertEqual(communicator.rank, 0)
        XCTAssertEqual(communicator.size, 1)
        XCTAssertTrue(communicator.isRoot)
    }

    func testSumsAndMaximumOverOneRankAreTheRanksOwnValues() throws {
        let communicator = SingleProcessCommunicator()

        var floats: [Float] = [1.5, -2, 3]
        try communicator.allReduceSum(&floats, name: "test float sum")
        XCTAssertEqual(floats, [1.5, -2, 3])

        var doubles: [Double] = [0.25, 1e300]
        try communicator.allReduceSum(&doubles, name: "test double sum")
        XCTAssertEqual(doubles, [0.25, 1e300])

        var counts: [Int64] = [7, Int64.max]
        try communicator.allReduceSum(&counts, name: "test count sum")
        XCTAssertEqual(counts, [7, Int64.max])

        XCTAssertEqual(try communicator.allReduceSum(2.5, name: "test scalar sum"), 2.5)
        XCTAssertEqual(try communicator.allReduceSum(Int64(9), name: "test scalar count"), 9)
        XCTAssertEqual(try communicator.allReduceMax(-4, name: "test maximum"), -4)

        var empty: [Float] = []
        try communicator.allReduceSum(&empty, name: "test empty sum")
        XCTAssertEqual(empty, [])
    }

    func testBroadcastKeepsTheRootsBytes() throws {
        let communicator = SingleProcessCommunicator()

        var bytes: [UInt8] = [1, 2, 3, 255]
        try communicator.broadcast(&bytes, root: 0, name: "test bytes")
        XCTAssertEqual(bytes, [1, 2, 3, 255])

        var value: Int64 = 42
        try communicator.broadcast(
            &value, byteCount: MemoryLayout<Int64>.size, root: 0, name: "test raw")
        XCTAssertEqual(value, 42)
    }

    func testBroadcastFromAMissingRankIsAnError() {
        let communicator = SingleProcessCommunicator()
        var bytes: [UInt8] = [1]
        XCTAssertThrowsError(try communicator.broadcast(&bytes, root: 1, name: "test bytes")) {
            XCTAssertEqual(
                "\($0)", "rank 0: broadcast 'test bytes' names root 1, but the job has only rank 0")
        }
    }

    func testPendingReductionCompletesOnWaitAndOnlyOnce() throws {
        let communicator = SingleProcessCommunicator()
        var gradient: [Float] = [0.5, 0.25]
        let pending = try gradient.withUnsafeMutableBufferPointer {
            try communicator.startAllReduceSum(
                $0.baseAddress!, count: $0.count, name: "test gradient sum")
        }
        XCTAssertEqual(pending.name, "test gradient sum")
        XCTAssertEqual(pending.count, 2)

        communicator.progress()
        try communicator.wait(pending)
        XCTAssertEqual(gradient, [0.5, 0.25])
        XCTAssertThrowsError(try communicator.wait(pending))
    }

    func testBarrierAndFinalizeAreHarmless() throws {
        let communicator = SingleProcessCommunicator()
        try communicator.barrier(name: "test barrier")
        communicator.finalize()
        communicator.finalize()
    }

    func testNegativeCountIsAnError() {
        let communicator = SingleProcessCommunicator()
        var value: Double = 1
        XCTAssertThrowsError(try communicator.allReduceSum(&value, count: -1, name: "test sum"))
    }
}

/// Choosing a backend from the launcher's environment.
final class DistributedStartTests: XCTestCase {
    func testLauncherVariablesSelectMPI() {
        XCTAssertFalse(Distributed.isLaunchedByMPI(environment: { _ in nil }))
        for variable in ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"] {
            XCTAssertTrue(
                Distributed.isLaunchedByMPI(environment: { $0 == variable ? "2" : nil }),
                variable)
        }
    }

    func testStartWithoutLauncherIsSingleProcess() throws {
        try XCTSkipIf(Distributed.isLaunchedByMPI(), "the tests were started by an MPI launcher")
        let communicator = Distributed.start(collectiveTimeout: 60)
        XCTAssertTrue(communicator is SingleProcessCommunicator)
        XCTAssertEqual(communicator.size, 1)
    }
}
