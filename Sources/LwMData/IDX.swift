import Foundation

/// The contents of one IDX file: its dimensions and its elements, unsigned bytes in row-major
/// order (for an image file N×H×W, for a label file N).
public struct IDXArray: Sendable, Equatable {
    public var dimensions: [Int]
    public var elements: [UInt8]

    public init(dimensions: [Int], elements: [UInt8]) {
        self.dimensions = dimensions
        self.elements = elements
    }
}

/// The IDX format of MNIST, Fashion-MNIST, KMNIST and EMNIST.
///
/// Layout, big-endian: two zero bytes, an element type code (0x08 for unsigned bytes), the
/// number of dimensions d, then d UInt32 sizes and the elements. The first four bytes read as
/// one number are the magic: 0x00000803 for images (N×H×W), 0x00000801 for labels (N).
public enum IDX {
    /// The magic number of an unsigned-byte image file, N×H×W.
    public static let imagesMagic: UInt32 = 0x0000_0803
    /// The magic number of an unsigned-byte label file, N.
    public static let labelsMagic: UInt32 = 0x0000_0801

    /// Reads an IDX file of unsigned bytes, inflating it first when it starts with the gzip
    /// magic bytes 1f 8b (whatever its name).
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - dimensions: how many dimensions the file must have: 3 for images, 1 for labels.
    /// - Returns: the file's dimensions and elements.
    /// - Throws: `DataError` naming the file when it cannot be read, its gzip stream is
    ///   corrupt, its magic number is wrong, its element type is not unsigned bytes, or its
    ///   length differs from what its header declares.
    public static func read(_ url: URL, dimensions: Int) throws -> IDXArray {
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: url))
        } catch {
            throw DataError(
                """
                Cannot read \(url.path): \(error.localizedDescription); check that the file exists \
                and is readable.
                """)
        }
        if Gzip.isGzip(bytes) {
            let inflated = try Gzip.decompress(bytes, source: url.path)
            return try parse(inflated, dimensions: dimensions, source: url.path, inflated: true)
        }
        return try parse(bytes, dimensions: dimensions, source: url.path)
    }

    /// Parses the bytes of an uncompressed IDX file of unsigned bytes.
    ///
    /// - Parameters:
    ///   - bytes: the whole file.
    ///   - dimensions: how many dimensions the file must have.
    ///   - source: the file's name for error messages.
    ///   - inflated: whether `bytes` came out of a gzip stream, which the messages then say.
    /// - Throws: `DataError` as `read(_:dimensions:)` does.
    public static func parse(
        _ bytes: [UInt8], dimensions: Int, source: String, inflated: Bool = false
    ) throws -> IDXArray {
        precondition((1...255).contains(dimensions), "an IDX file has 1 to 255 dimensions")
        let expected = UInt32(0x0800 | dimensions)
        let kind = dimensions == 1 ? "labels" : dimensions == 3 ? "images" : "arrays"
        let what = "\(source)\(inflated ? " (after inflating)" : "")"
        guard bytes.count >= 4 else {
            throw DataError(
                """
                \(what) is \(bytes.count) bytes long, too short for the 4-byte IDX magic number; \
                the file is truncated: download or copy it again.
                """)
        }

        let magic = bigEndian(bytes, at: 0)
        let typeCode = bytes[2]
        let found = Int(bytes[3])
        guard bytes[0] == 0, bytes[1] == 0, let typeName = elementTypes[typeCode] else {
            throw DataError(
                """
                \(what) has magic number \(hex(magic)), expected \(hex(expected)) (IDX \(kind) of \
                unsigned bytes); it is not an IDX file: check the path.
                """)
        }
        guard typeCode == 0x08 else {
            throw DataError(
                """
                \(what) holds elements of type \(hex(typeCode)) (\(typeName)); lwm \
                reads only unsigned bytes (type 0x08): convert the file to 8-bit pixels and \
                labels.
                """)
        }
        guard found == dimensions else {
            let guess = found == 1 ? " (a labels file?)" : found == 3 ? " (an images file?)" : ""
            throw DataError(
                """
                \(what) has magic number \(hex(magic))\(guess), expected \(hex(expected)) (IDX \
                \(kind) with \(dimensions) dimension\(dimensions == 1 ? "" : "s")); check which \
                file is which.
                """)
        }

        let headerLength = 4 + 4 * found
        guard bytes.count >= headerLength else {
            throw DataError(
                """
                \(what) is \(bytes.count) bytes long, shorter than its \(headerLength)-byte \
                header; the file is truncated: download or copy it again.
                """)
        }
        let sizes = (0..<found).map { Int(bigEndian(bytes, at: 4 + 4 * $0)) }
        let shape = sizes.map(String.init).joined(separator: "×")
        var elementCount = 1
        for size in sizes {
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: size)
            guard !overflow else {
                throw DataError(
                    """
                    \(what) declares dimensions \(shape), more elements than memory can hold; the \
                    header is corrupt: download or copy the file again.
                    """)
            }
            elementCount = product
        }

        let expectedLength = headerLength + elementCount
        guard bytes.count >= expectedLength else {
            throw DataError(
                """
                \(what) is truncated: its header declares \(shape) elements, \(expectedLength) \
                bytes in all, but it has \(bytes.count) bytes; download or copy it again.
                """)
        }
        guard bytes.count == expectedLength else {
            throw DataError(
                """
                \(what) has \(bytes.count - expectedLength) bytes beyond the \(expectedLength) its \
                header declares (\(shape)); the file is damaged or not an IDX file: download or \
                copy it again.
                """)
        }
        return IDXArray(dimensions: sizes, elements: Array(bytes[headerLength...]))
    }

    /// The bytes of an uncompressed IDX file of unsigned bytes; for tests and tools.
    ///
    /// - Parameters:
    ///   - dimensions: the sizes, outermost first; their product must equal `elements.count`.
    ///   - elements: the elements in row-major order.
    public static func encode(dimensions: [Int], elements: [UInt8]) -> [UInt8] {
        precondition((1...255).contains(dimensions.count), "an IDX file has 1 to 255 dimensions")
        precondition(dimensions.allSatisfy { (0...Int(UInt32.max)).contains($0) })
        precondition(dimensions.reduce(1, *) == elements.count, "dimensions and elements differ")
        var bytes: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
        bytes.reserveCapacity(4 + 4 * dimensions.count + elements.count)
        for size in dimensions {
            let value = UInt32(size)
            bytes += [
                UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF),
                UInt8(value & 0xFF),
            ]
        }
        bytes += elements
        return bytes
    }

    private static let elementTypes: [UInt8: String] = [
        0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "16-bit integer",
        0x0C: "32-bit integer", 0x0D: "32-bit float", 0x0E: "64-bit float",
    ]

    private static func bigEndian(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
            | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    /// `value` as 0x and two hex digits per byte, e.g. 0x00000803 or 0x0D.
    private static func hex<Value: FixedWidthInteger>(_ value: Value) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        let width = Value.bitWidth / 4
        return "0x" + String(repeating: "0", count: width - digits.count) + digits
    }
}
