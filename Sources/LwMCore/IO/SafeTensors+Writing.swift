import Foundation

/// Collects tensors and metadata and encodes them as one safetensors file.
///
/// Tensors are listed in the header sorted by name and laid out in that order, back to back;
/// the header is padded with spaces so the data section starts 8-byte aligned.
public struct SafeTensorsWriter: Sendable {
    private var metadata: [String: String]
    private var tensors: [String: PendingTensor] = [:]

    private struct PendingTensor: Sendable {
        let dtype: SafeTensorsDType
        let shape: [Int]
        /// The elements, little-endian, row-major.
        let bytes: Data
    }

    /// A writer whose header will carry `metadata` under "__metadata__".
    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
    }

    /// Adds `floats` as the F32 tensor `name`, replacing any tensor added under that name.
    ///
    /// - Precondition: `shape` has no negative dimension and its product is `floats.count`;
    ///   `name` is not "__metadata__".
    public mutating func add(_ name: String, floats: [Float], shape: [Int]) {
        floats.withUnsafeBufferPointer { add(name, floats: $0, shape: shape) }
    }

    /// Adds a copy of `floats` as the F32 tensor `name`, replacing any tensor of that name.
    ///
    /// - Precondition: as for `add(_:floats:shape:)` with an array.
    public mutating func add(_ name: String, floats: UnsafeBufferPointer<Float>, shape: [Int]) {
        insert(name, dtype: .f32, shape: shape, count: floats.count, bytes: Data(buffer: floats))
    }

    /// Adds `int64s` as the I64 tensor `name`, replacing any tensor added under that name.
    ///
    /// - Precondition: as for `add(_:floats:shape:)`, with `int64s.count` elements.
    public mutating func add(_ name: String, int64s: [Int64], shape: [Int]) {
        let bytes = int64s.withUnsafeBufferPointer { Data(buffer: $0) }
        insert(name, dtype: .i64, shape: shape, count: int64s.count, bytes: bytes)
    }

    private mutating func insert(
        _ name: String, dtype: SafeTensorsDType, shape: [Int], count: Int, bytes: Data
    ) {
        precondition(
            name != SafeTensorsLayout.metadataKey,
            "SafeTensorsWriter: a tensor cannot be named \(name), the key kept for metadata.")
        precondition(
            shape.allSatisfy { $0 >= 0 },
            "SafeTensorsWriter: tensor '\(name)' has a negative dimension in shape \(shape).")
        precondition(
            shape.reduce(1, *) == count,
            "SafeTensorsWriter: tensor '\(name)' has shape \(shape) but \(count) elements; "
                + "pass the shape whose product is the element count.")
        tensors[name] = PendingTensor(dtype: dtype, shape: shape, bytes: bytes)
    }

    /// The whole file: length field, padded header and data section.
    public func encoded() -> Data {
        let names = tensors.keys.sorted()

        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { key in
                "\(jsonString(key)):\(jsonString(metadata[key]!))"
            }
            fields.append("\"\(SafeTensorsLayout.metadataKey)\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for name in names {
            let tensor = tensors[name]!
            let end = offset + tensor.bytes.count
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            fields.append(
                "\(jsonString(name)):{\"dtype\":\"\(tensor.dtype.rawValue)\","
                    + "\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }

        // The length field is 8 bytes, so a header padded to a multiple of 8 aligns the data.
        var header = Array("{\(fields.joined(separator: ","))}".utf8)
        let alignment = SafeTensorsLayout.dataAlignment
        let padding = (alignment - header.count % alignment) % alignment
        header += repeatElement(UInt8(ascii: " "), count: padding)

        var file = Data(capacity: SafeTensorsLayout.lengthFieldSize + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(contentsOf: header)
        for name in names {
            file.append(tensors[name]!.bytes)
        }
        return file
    }
}

/// `text` as a JSON string literal, quoted, with quotes, backslashes and controls escaped.
private func jsonString(_ text: String) -> String {
    var literal = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": literal += "\\\""
        case "\\": literal += "\\\\"
        case "\n": literal += "\\n"
        case "\r": literal += "\\r"
        case "\t": literal += "\\t"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            literal += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: literal.unicodeScalars.append(scalar)
        }
    }
    return literal + "\""
}
