import CImageDecode
import Foundation

/// An 8-bit RGB image, interleaved: `pixels` is H×W×3 bytes, rows top to bottom.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// H×W×3 bytes: red, green, blue of each pixel in turn.
    public var pixels: [UInt8]

    /// An image of `width`×`height` over `pixels`, which must hold H·W·3 bytes.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "an image of \(width)×\(height) pixels is empty")
        precondition(
            pixels.count == width * height * 3,
            "\(pixels.count) bytes do not make \(width)×\(height) RGB pixels")
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}

/// The image file formats lwm reads, told apart by their first bytes, never by the file's name.
public enum ImageFormat: String, Sendable, CaseIterable {
    case jpeg
    case png

    /// The format whose signature `bytes` begin with: FF D8 FF for JPEG, 89 50 4E 47 0D 0A 1A 0A
    /// for PNG; `nil` for anything else.
    public init?(signatureOf bytes: some Collection<UInt8>) {
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
            self = .jpeg
        } else if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            self = .png
        } else {
            return nil
        }
    }
}

/// Why an image file could not be read or decoded, as a clause without the file's name ("the
/// file is empty", "JPEG: Not a JPEG file: starts with 0x89 0x50"), for messages that add it.
public struct ImageError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String

    public init(reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}

/// JPEG and PNG decoding and encoding through libjpeg-turbo and libpng.
///
/// The work happens in the C target CImageDecode, whose functions catch the libraries'
/// longjmp themselves; damaged, truncated or hostile bytes come back as an error, never as a
/// crash.
public enum ImageCodec {
    /// Decodes JPEG or PNG bytes, detected by their signature, to 8-bit RGB.
    ///
    /// Grayscale and palette images are expanded to RGB and alpha is dropped (see
    /// `lwm_decode_png` and `lwm_decode_jpeg` in `image_decode.h`).
    ///
    /// - Parameters:
    ///   - bytes: a whole image file.
    ///   - minimumShortSide: when positive, a JPEG may be decoded at 1/2, 1/4 or 1/8 of its
    ///     stored size by libjpeg's DCT scaling, as long as its shorter side stays at least
    ///     this long; a caller that shrinks the image afterwards saves most of the decoding.
    /// - Throws: `ImageError` when the bytes are empty, neither JPEG nor PNG, or not a
    ///   complete and valid image of their format.
    public static func decode(
        _ bytes: [UInt8], minimumShortSide: Int = 0
    ) throws(ImageError) -> RGBImage {
        precondition(minimumShortSide >= 0, "minimumShortSide \(minimumShortSide) is negative")
        guard !bytes.isEmpty else { throw ImageError(reason: "the file is empty") }
        guard let format = ImageFormat(signatureOf: bytes) else {
            let start = bytes.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " ")
            throw ImageError(
                reason: "the file is neither JPEG nor PNG (it starts with the bytes \(start))")
        }

        var pixels: UnsafeMutablePointer<UInt8>?
        var width: Int32 = 0
        var height: Int32 = 0
        var channels: Int32 = 0
        var message = [CChar](repeating: 0, count: 512)
        let status = bytes.withUnsafeBufferPointer { data in
            switch format {
            case .jpeg:
                lwm_decode_jpeg(
                    data.baseAddress, data.count, Int32(clamping: minimumShortSide), &pixels,
                    &width, &height, &channels, &message, message.count)
            case .png:
                lwm_decode_png(
                    data.baseAddress, data.count, &pixels, &width, &height, &channels, &message,
                    message.count)
            }
        }
        guard status == Int32(LWM_IMAGE_OK), let pixels else {
            throw ImageError(reason: text(ofCString: message))
        }
        defer { lwm_image_free(pixels) }
        let count = Int(width) * Int(height) * 3
        return RGBImage(
            width: Int(width), height: Int(height),
            pixels: Array(UnsafeBufferPointer(start: pixels, count: count)))
    }

    /// Reads and decodes an image file; see `decode(_:minimumShortSide:)`.
    ///
    /// - Throws: `DataError` naming the file when it cannot be read or decoded.
    public static func decode(file: URL, minimumShortSide: Int = 0) throws -> RGBImage {
        do throws(ImageError) {
            let bytes = try FileBytes.read(file.path)
            return try decode(bytes, minimumShortSide: minimumShortSide)
        } catch {
            throw DataError(
                """
                \(file.path) cannot be used as an image: \(error.reason); replace it with a \
                complete JPEG or PNG file.
                """)
        }
    }

    // MARK: - Encoding

    /// A PNG file of interleaved 8-bit pixels, `channels` per pixel: 1 gray, 2 gray and alpha,
    /// 3 RGB, 4 RGBA (the PNG gets that colour type).
    public static func encodePNG(
        _ pixels: [UInt8], width: Int, height: Int, channels: Int
    ) -> [UInt8] {
        precondition(
            pixels.count == width * height * channels,
            "\(pixels.count) bytes do not make \(width)×\(height) pixels of \(channels) channels")
        return encoded { output, size, message in
            lwm_encode_png(
                pixels, Int32(width), Int32(height), Int32(channels), output, size, message,
                512)
        }
    }

    /// A palette PNG (colour type 3) of `paletteIndices`, one byte per pixel, each below
    /// `palette.count`; `palette` holds 1 to 256 RGB colours as (red, green, blue).
    public static func encodePNG(
        paletteIndices: [UInt8], width: Int, height: Int, palette: [(UInt8, UInt8, UInt8)]
    ) -> [UInt8] {
        precondition(
            paletteIndices.count == width * height,
            "\(paletteIndices.count) indices do not make \(width)×\(height) pixels")
        let colours = palette.flatMap { [$0.0, $0.1, $0.2] }
        return encoded { output, size, message in
            lwm_encode_png_palette(
                paletteIndices, Int32(width), Int32(height), colours, Int32(palette.count),
                output, size, message, 512)
        }
    }

    /// A baseline JPEG file of interleaved 8-bit pixels: `channels` 1 makes a grayscale JPEG,
    /// 3 a colour one from RGB, 4 a CMYK one (samples stored as given, with an Adobe marker);
    /// `quality` is libjpeg's, 1 to 100.
    public static func encodeJPEG(
        _ pixels: [UInt8], width: Int, height: Int, channels: Int, quality: Int = 95
    ) -> [UInt8] {
        precondition(
            pixels.count == width * height * channels,
            "\(pixels.count) bytes do not make \(width)×\(height) pixels of \(channels) channels")
        return encoded { output, size, message in
            lwm_encode_jpeg(
                pixels, Int32(width), Int32(height), Int32(channels), Int32(quality), output,
                size, message, 512)
        }
    }

    /// The bytes an encoder writes; the encoders fail only on arguments the callers above
    /// have already checked, or when memory runs out.
    private static func encoded(
        _ encode: (
            UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, UnsafeMutablePointer<Int>,
            UnsafeMutablePointer<CChar>
        ) -> Int32
    ) -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 512)
        let status = encode(&output, &size, &message)
        guard status == Int32(LWM_IMAGE_OK), let output else {
            preconditionFailure("encoding failed: \(text(ofCString: message))")
        }
        defer { lwm_image_free(output) }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }
}

/// The text of a NUL-terminated C buffer.
func text(ofCString buffer: [CChar]) -> String {
    let end = buffer.firstIndex(of: 0) ?? buffer.endIndex
    return String(decoding: buffer[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
