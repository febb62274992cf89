import CMPI

/// A sum started by `Communicator.startAllReduceSum` whose result is not yet in its buffer.
///
/// Pass it to `wait` on the communicator that started it, exactly once.
public final class PendingReduction {
    /// What is being reduced, as given to `startAllReduceSum`.
    public let name: String
    /// How many elements are being reduced.
    public let count: Int

    // One request per chunk of at most Int32.max elements; MPI sets each to
    // MPI_REQUEST_NULL once it completes, so a finished reduction holds only null requests.
    var requests: [MPI_Request?]
    // The first failure seen by `progress()`, which cannot throw; `wait` rethrows it.
    var failure: DistributedError?
    var isWaitedFor = false

    init(name: String, count: Int, requests: [MPI_Request?]) {
        self.name = name
        self.count = count
        self.requests = requests
    }
}
