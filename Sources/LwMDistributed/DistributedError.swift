/// A failure of one MPI call or of the launch environment, told as one sentence.
public struct DistributedError: Error, CustomStringConvertible, Sendable {
    /// The whole sentence, starting with the rank when it is known.
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
