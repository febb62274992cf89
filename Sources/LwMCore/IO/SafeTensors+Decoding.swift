// Element decoding from the data section: little-endian stored values to Float or Int64.

extension UnsafeRawBufferPointer {
    /// Decodes every whole `Stored` value in these bytes, little-endian, through `convert`.
    ///
    /// The bytes may sit at any alignment inside the file, hence `loadUnaligned`.
    func decodeElements<Stored: FixedWidthInteger, Element>(
        as stored: Stored.Type, _ convert: (Stored) -> Element
    ) -> [Element] {
        let stride = MemoryLayout<Stored>.size
        let count = self.count / stride
        return [Element](unsafeUninitializedCapacity: count) { elements, initialized in
            for index in 0..<count {
                let bits = loadUnaligned(fromByteOffset: index * stride, as: Stored.self)
                elements[index] = convert(Stored(littleEndian: bits))
            }
            initialized = count
        }
    }

    /// Copies these bytes into an array of `Element`, for dtypes stored exactly as in memory.
    func copyElements<Element: BitwiseCopyable>(as element: Element.Type) -> [Element] {
        let stride = MemoryLayout<Element>.stride
        let count = self.count / stride
        return [Element](unsafeUninitializedCapacity: count) { elements, initialized in
            if count > 0 {
                let source = UnsafeRawBufferPointer(rebasing: self[0..<count * stride])
                UnsafeMutableRawBufferPointer(elements).copyMemory(from: source)
            }
            initialized = count
        }
    }
}

/// The Float equal to an IEEE binary16 value; every half is exactly representable.
func floatFromHalfBits(_ bits: UInt16) -> Float {
    let sign = UInt32(bits & 0x8000) << 16
    let exponent = UInt32(bits >> 10) & 0x1F
    let mantissa = UInt32(bits & 0x03FF)

    switch exponent {
    case 0x1F:
        // Infinity or NaN: the widened mantissa keeps a NaN's payload and its quiet bit.
        return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
    case 0:
        // Zero or subnormal: mantissa · 2⁻²⁴, exact because the mantissa has 10 bits and the
        // scale is a power of two. Float subnormals start far below 2⁻²⁴.
        let magnitude = Float(mantissa) * 0x1p-24
        return sign == 0 ? magnitude : -magnitude
    default:
        // Normal: rebias the exponent from 15 to 127 and widen the mantissa from 10 to 23 bits.
        return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
    }
}

/// The Float equal to a bfloat16 value, which is the top half of a Float's bits.
func floatFromBFloat16Bits(_ bits: UInt16) -> Float {
    Float(bitPattern: UInt32(bits) << 16)
}
