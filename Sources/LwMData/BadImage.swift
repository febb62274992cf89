/// An image file, or a class folder, that a load left out, and why.
public struct BadImage: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The file's path (the folder's, for an empty class folder).
    public let path: String
    /// Why it was left out, a clause without the path: "the file is empty".
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    /// "path: reason".
    public var description: String { "\(path): \(reason)" }

    /// The error a `.fail` load throws for this file.
    var error: DataError {
        DataError(
            """
            \(path) cannot be used: \(reason); remove or replace it, or skip bad images \
            (--on-bad-image skip) to leave it out of the dataset.
            """)
    }
}

/// What a load does with an image file that cannot be used (empty, truncated, corrupt, not an
/// image, unreadable) or a class folder without files.
public enum BadImagePolicy: String, Sendable, Codable, CaseIterable {
    /// Leave it out and list it once in the load's report.
    case skip
    /// Stop the load with a `DataError` naming the file and the reason.
    case fail
}
