import Foundation

/// Why a safetensors file cannot be read or written, as one sentence: the file, then the problem.
public struct SafeTensorsError: Error, CustomStringConvertible, LocalizedError {
    /// The file's path, or the name given to `SafeTensorsFile(data:name:)`.
    public let file: String
    /// What is wrong, with the offending value and the fix, ending in a full stop.
    public let problem: String

    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    public var description: String { "\(file): \(problem)" }

    public var errorDescription: String? { description }
}
