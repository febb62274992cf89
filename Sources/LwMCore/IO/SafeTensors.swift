import Foundation

// The safetensors layout, as lwm reads and writes it:
//
//     8 bytes    N, the header length, a little-endian UInt64
//     N bytes    the header: a UTF-8 JSON object, optionally padded with trailing spaces
//     the rest   the data section: each tensor's elements, little-endian, row-major
//
// The header maps each tensor name to {"dtype", "shape", "data_offsets": [begin, end]}, the
// offsets counting bytes from the start of the data section, and may hold "__metadata__", a
// map of strings to strings. A tensor of shape [] is a scalar with one element; a shape with a
// zero dimension holds no elements and spans no bytes.

// Tensor bytes are copied between memory and file without swapping, which is only right when
// the host order is the file's order.
#if !_endian(little)
    #error("lwm copies safetensors data without byte swapping and needs a little-endian host.")
#endif

/// The element types lwm reads and writes; a file holding any other dtype is rejected by name.
public enum SafeTensorsDType: String, Sendable, CaseIterable {
    case f32 = "F32"
    case f64 = "F64"
    case f16 = "F16"
    case bf16 = "BF16"
    case i64 = "I64"
    case i32 = "I32"
    case u8 = "U8"

    /// The bytes one element occupies in the data section.
    public var byteSize: Int {
        switch self {
        case .f64, .i64: 8
        case .f32, .i32: 4
        case .f16, .bf16: 2
        case .u8: 1
        }
    }
}

/// What a validated header says about one tensor.
public struct SafeTensorInfo: Sendable, Equatable {
    public let name: String
    public let dtype: SafeTensorsDType
    /// The dimensions, outermost first; [] for a scalar.
    public let shape: [Int]

    /// The product of the dimensions: 1 for a scalar, 0 when any dimension is 0.
    ///
    /// Only headers whose products fit in `Int` are accepted, so this cannot overflow.
    public var elementCount: Int { shape.reduce(1, *) }
}

/// Limits and names fixed by the format.
enum SafeTensorsLayout {
    /// Bytes of the little-endian header length that opens every file.
    static let lengthFieldSize = 8
    /// The largest header accepted, as in the reference implementation; a larger declared
    /// length means a corrupt file, and rejecting it early avoids a huge allocation.
    static let headerSizeLimit = 100_000_000
    /// The header key that holds string metadata instead of a tensor.
    static let metadataKey = "__metadata__"
    /// The writer pads the header so the data section starts at a multiple of this.
    static let dataAlignment = 8
}
