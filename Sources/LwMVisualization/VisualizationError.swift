import Foundation

/// A picture that cannot be made, read or written, told in one sentence that names the file or
/// the value, what is wrong with it and, where there is one, the fix.
public struct VisualizationError: Error, CustomStringConvertible, LocalizedError, Equatable,
    Sendable
{
    /// The sentence shown to the user.
    public let description: String

    /// An error whose message is `description`, a full sentence ending in a period.
    public init(_ description: String) {
        self.description = description
    }

    public var errorDescription: String? { description }
}
