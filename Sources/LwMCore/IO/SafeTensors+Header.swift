import Foundation

/// One tensor of a validated header: what it is and where its bytes lie.
struct SafeTensorEntry: Sendable {
    let info: SafeTensorInfo
    /// Byte offsets from the start of the data section, checked to lie inside it.
    let byteRange: Range<Int>
}

/// A parsed header whose every entry has been checked against the data section.
struct SafeTensorsHeader: Sendable {
    let metadata: [String: String]
    let entries: [String: SafeTensorEntry]

    /// Parses the header bytes `json` and validates every entry against a data section of
    /// `dataByteCount` bytes.
    ///
    /// - Throws: `SafeTensorsError` naming `file` when the header is not UTF-8 JSON, is not an
    ///   object, has a malformed entry or metadata, or places tensors outside the data section,
    ///   over each other, or in a byte count that does not match their shape and dtype.
    init(json: Data, dataByteCount: Int, file: String) throws {
        func fail(_ problem: String) -> SafeTensorsError {
            SafeTensorsError(file: file, problem: problem)
        }

        guard String(validating: json, as: UTF8.self) != nil else {
            throw fail("the header is not valid UTF-8; the file is corrupt or not safetensors.")
        }
        let raw: RawHeader
        do {
            raw = try JSONDecoder().decode(RawHeader.self, from: json)
        } catch let problem as HeaderProblem {
            throw fail(problem.sentence)
        } catch {
            throw fail("the header is not valid JSON; the file is corrupt or not safetensors.")
        }

        var entries: [String: SafeTensorEntry] = [:]
        do throws(HeaderProblem) {
            for rawEntry in raw.entries {
                let entry = try rawEntry.validated(dataByteCount: dataByteCount)
                entries[entry.info.name] = entry
            }
            try Self.checkNoOverlap(entries.values)
        } catch {
            throw fail(error.sentence)
        }
        metadata = raw.metadata
        self.entries = entries
    }

    /// Throws when two tensors share a byte; empty tensors occupy none, so never overlap.
    private static func checkNoOverlap(
        _ entries: some Collection<SafeTensorEntry>
    ) throws(HeaderProblem) {
        let occupied = entries.filter { !$0.byteRange.isEmpty }.sorted {
            ($0.byteRange.lowerBound, $0.info.name) < ($1.byteRange.lowerBound, $1.info.name)
        }
        for (earlier, later) in zip(occupied, occupied.dropFirst())
        where later.byteRange.lowerBound < earlier.byteRange.upperBound {
            throw HeaderProblem(
                "tensors '\(earlier.info.name)' (bytes \(describe(earlier.byteRange))) and "
                    + "'\(later.info.name)' (bytes \(describe(later.byteRange))) overlap; "
                    + "the file is corrupt, write it again.")
        }
    }

    private static func describe(_ range: Range<Int>) -> String {
        "[\(range.lowerBound), \(range.upperBound)]"
    }
}

/// A header problem found while decoding, before the file name is known to the decoder.
private struct HeaderProblem: Error {
    let sentence: String

    init(_ sentence: String) { self.sentence = sentence }
}

/// A JSON object key read without a fixed schema.
private struct HeaderKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }

    init(_ stringValue: String) { self.stringValue = stringValue }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// The header as JSON types, before any value is checked against the format.
private struct RawHeader: Decodable {
    var metadata: [String: String] = [:]
    var entries: [RawEntry] = []

    init(from decoder: Decoder) throws {
        guard let object = try? decoder.container(keyedBy: HeaderKey.self) else {
            throw HeaderProblem(
                "the header is JSON but not an object; the file is corrupt or not safetensors.")
        }
        // Sorted so that the first problem reported does not depend on hashing.
        for key in object.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
            if key.stringValue == SafeTensorsLayout.metadataKey {
                guard let map = try? object.decode([String: String].self, forKey: key) else {
                    throw HeaderProblem(
                        "\(SafeTensorsLayout.metadataKey) is not a map of strings to strings; "
                            + "write every metadata value as a JSON string.")
                }
                metadata = map
            } else {
                entries.append(try RawEntry(name: key.stringValue, in: object))
            }
        }
    }
}

/// One tensor's entry with its fields present and of the right JSON types.
private struct RawEntry {
    let name: String
    let dtypeName: String
    let shape: [Int]
    let offsets: [Int]

    init(name: String, in object: KeyedDecodingContainer<HeaderKey>) throws {
        let key = HeaderKey(name)
        guard let fields = try? object.nestedContainer(keyedBy: HeaderKey.self, forKey: key) else {
            throw HeaderProblem(
                "the entry for tensor '\(name)' is not a JSON object; each tensor needs "
                    + "{\"dtype\", \"shape\", \"data_offsets\"}.")
        }
        func field<Value: Decodable>(_ field: String, _ kind: String) throws -> Value {
            let key = HeaderKey(field)
            guard fields.contains(key) else {
                throw HeaderProblem(
                    "tensor '\(name)' is missing \"\(field)\"; each tensor needs "
                        + "{\"dtype\", \"shape\", \"data_offsets\"}.")
            }
            guard let value = try? fields.decode(Value.self, forKey: key) else {
                throw HeaderProblem(
                    "tensor '\(name)' has a \"\(field)\" that is not \(kind); "
                        + "the file is corrupt or was written by a broken writer.")
            }
            return value
        }
        self.name = name
        dtypeName = try field("dtype", "a string")
        shape = try field("shape", "an array of integers")
        offsets = try field("data_offsets", "an array of integers")
    }

    /// Checks the values against the format and a data section of `dataByteCount` bytes.
    func validated(dataByteCount: Int) throws(HeaderProblem) -> SafeTensorEntry {
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            let known = SafeTensorsDType.allCases.map(\.rawValue).joined(separator: ", ")
            throw HeaderProblem(
                "tensor '\(name)' has dtype '\(dtypeName)', which lwm does not read; "
                    + "convert it to one of \(known).")
        }
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw HeaderProblem(
                "tensor '\(name)' has a negative dimension in shape \(shape); "
                    + "every dimension must be 0 or more.")
        }
        guard let byteCount = Self.byteCount(shape: shape, dtype: dtype) else {
            throw HeaderProblem(
                "tensor '\(name)' has shape \(shape), whose byte count overflows; "
                    + "the file is corrupt.")
        }
        guard offsets.count == 2 else {
            throw HeaderProblem(
                "tensor '\(name)' has data_offsets \(offsets), not [begin, end]; "
                    + "the file is corrupt.")
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin >= 0, end >= 0, begin <= end else {
            throw HeaderProblem(
                "tensor '\(name)' has data_offsets \(offsets), which are negative or have "
                    + "begin after end; the file is corrupt.")
        }
        guard end <= dataByteCount else {
            throw HeaderProblem(
                "tensor '\(name)' has data_offsets \(offsets), out of range of the "
                    + "\(dataByteCount)-byte data section; the file is truncated or corrupt.")
        }
        guard end - begin == byteCount else {
            throw HeaderProblem(
                "tensor '\(name)' has shape \(shape) of \(dtype.rawValue), which needs "
                    + "\(byteCount) bytes, but data_offsets \(offsets) span \(end - begin); "
                    + "the file is corrupt.")
        }
        let info = SafeTensorInfo(name: name, dtype: dtype, shape: shape)
        return SafeTensorEntry(info: info, byteRange: begin..<end)
    }

    /// The product of the dimensions and the element size, or nil when it overflows `Int`.
    private static func byteCount(shape: [Int], dtype: SafeTensorsDType) -> Int? {
        var product = dtype.byteSize
        for dimension in shape {
            let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            product = next
        }
        return product
    }
}
