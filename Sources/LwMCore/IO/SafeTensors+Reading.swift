import Foundation

/// A safetensors file read whole into memory, its header validated before any tensor is read.
///
/// Holes between tensors and bytes after the last one are tolerated; overlaps are not.
public struct SafeTensorsFile: Sendable {
    /// The path or name that error messages give for this file.
    public let name: String
    /// The header's "__metadata__" map, empty when the header has none.
    public let metadata: [String: String]

    private let bytes: Data
    /// Where the data section starts, counted from the start of `bytes`.
    private let dataStart: Int
    private let entries: [String: SafeTensorEntry]

    /// Reads and validates the file at `url`.
    ///
    /// - Throws: `SafeTensorsError` naming the path when the file cannot be read or is not a
    ///   valid safetensors file.
    public init(contentsOf url: URL) throws {
        let bytes: Data
        do {
            bytes = try Data(contentsOf: url)
        } catch {
            throw SafeTensorsError(
                file: url.path,
                problem: "the file cannot be read (\(error.localizedDescription)); "
                    + "check that the path exists and is readable.")
        }
        try self.init(data: bytes, name: url.path)
    }

    /// Validates `data` as a safetensors file; `name` stands for the file in error messages.
    ///
    /// - Throws: `SafeTensorsError` when the length field, the header or any entry is invalid.
    ///   Nothing is allocated from a declared size before that size has been checked.
    public init(data: Data, name: String) throws {
        func fail(_ problem: String) -> SafeTensorsError {
            SafeTensorsError(file: name, problem: problem)
        }
        let fieldSize = SafeTensorsLayout.lengthFieldSize
        let limit = SafeTensorsLayout.headerSizeLimit

        guard data.count >= fieldSize else {
            throw fail(
                "the file is \(data.count) bytes long, shorter than the \(fieldSize)-byte "
                    + "header length; the file is truncated or not safetensors.")
        }
        let declared = data.withUnsafeBytes {
            UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))
        }
        guard declared <= UInt64(limit) else {
            throw fail(
                "the header length \(declared) is larger than the limit of \(limit) bytes; "
                    + "the file is corrupt or not safetensors.")
        }
        let headerLength = Int(declared)
        guard headerLength <= data.count - fieldSize else {
            throw fail(
                "the header length \(headerLength) runs past the end of the file, which has "
                    + "\(data.count - fieldSize) bytes after the length field; "
                    + "the file is truncated.")
        }

        let json = Data(data.dropFirst(fieldSize).prefix(headerLength))
        let dataStart = fieldSize + headerLength
        let header = try SafeTensorsHeader(
            json: json, dataByteCount: data.count - dataStart, file: name)
        self.name = name
        self.metadata = header.metadata
        self.bytes = data
        self.dataStart = dataStart
        self.entries = header.entries
    }

    /// The names of all tensors, sorted.
    public var tensorNames: [String] { entries.keys.sorted() }

    /// The dtype and shape of tensor `name`, or nil when the file has no such tensor.
    public func info(_ name: String) -> SafeTensorInfo? { entries[name]?.info }

    /// The elements of tensor `name` as Floats, in row-major order.
    ///
    /// F16 and BF16 convert exactly; F64, I64 and I32 round to the nearest Float.
    /// - Throws: `SafeTensorsError` when the file has no tensor `name`.
    public func floats(_ name: String) throws -> [Float] {
        let entry = try entry(name)
        return withTensorBytes(entry) { raw in
            switch entry.info.dtype {
            case .f32: raw.copyElements(as: Float.self)
            case .f64: raw.decodeElements(as: UInt64.self) { Float(Double(bitPattern: $0)) }
            case .f16: raw.decodeElements(as: UInt16.self, floatFromHalfBits)
            case .bf16: raw.decodeElements(as: UInt16.self, floatFromBFloat16Bits)
            case .i64: raw.decodeElements(as: Int64.self) { Float($0) }
            case .i32: raw.decodeElements(as: Int32.self) { Float($0) }
            case .u8: raw.decodeElements(as: UInt8.self) { Float($0) }
            }
        }
    }

    /// The elements of integer tensor `name` (I64, I32 or U8) as Int64s, in row-major order.
    ///
    /// - Throws: `SafeTensorsError` when the file has no tensor `name` or it is floating point.
    public func int64s(_ name: String) throws -> [Int64] {
        let entry = try entry(name)
        return try withTensorBytes(entry) { raw in
            switch entry.info.dtype {
            case .i64: raw.copyElements(as: Int64.self)
            case .i32: raw.decodeElements(as: Int32.self) { Int64($0) }
            case .u8: raw.decodeElements(as: UInt8.self) { Int64($0) }
            case .f32, .f64, .f16, .bf16:
                throw SafeTensorsError(
                    file: self.name,
                    problem: "tensor '\(name)' is \(entry.info.dtype.rawValue), not an integer "
                        + "dtype (I64, I32, U8); read it with floats(_:).")
            }
        }
    }

    private func entry(_ name: String) throws -> SafeTensorEntry {
        guard let entry = entries[name] else {
            let names = tensorNames
            let listed = names.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
            let more = names.count > 5 ? ", …" : ""
            throw SafeTensorsError(
                file: self.name,
                problem: "no tensor is named '\(name)'; check the name against the "
                    + "\(names.count) tensors in the file (\(listed)\(more)).")
        }
        return entry
    }

    /// Calls `body` with the bytes of `entry`'s tensor, already checked to lie in the file.
    private func withTensorBytes<Result>(
        _ entry: SafeTensorEntry, _ body: (UnsafeRawBufferPointer) throws -> Result
    ) rethrows -> Result {
        let start = dataStart + entry.byteRange.lowerBound
        let end = dataStart + entry.byteRange.upperBound
        return try bytes.withUnsafeBytes { file in
            try body(UnsafeRawBufferPointer(rebasing: file[start..<end]))
        }
    }
}
