import CPNG
import Foundation

/// PNG files through libpng's simplified API (`png_image_*`), which reports errors in
/// `png_image.message` and a zero return instead of longjmp, so no setjmp is needed here.
public enum PNG {
    /// The PNG bytes of `raster`: 8-bit grey or RGB, no interlacing.
    /// - Throws: ``VisualizationError`` with libpng's message when encoding fails.
    public static func encode(_ raster: Raster) throws -> Data {
        var image = header(for: raster)
        defer { png_image_free(&image) }
        let rowStride = Int32(raster.width * raster.channels)

        // The first call measures, the second writes into a buffer of that size.
        var size: png_alloc_size_t = 0
        let measured = raster.pixels.withUnsafeBytes { pixels in
            png_image_write_to_memory(&image, nil, &size, 0, pixels.baseAddress, rowStride, nil)
        }
        guard measured != 0, size > 0 else {
            throw VisualizationError(
                "libpng cannot encode a \(raster.width)×\(raster.height) image: "
                    + "\(message(of: image)); this is a bug in the caller's raster.")
        }
        var output = Data(count: Int(size))
        let written = output.withUnsafeMutableBytes { memory in
            raster.pixels.withUnsafeBytes { pixels in
                png_image_write_to_memory(
                    &image, memory.baseAddress, &size, 0, pixels.baseAddress, rowStride, nil)
            }
        }
        guard written != 0 else {
            throw VisualizationError(
                "libpng cannot encode a \(raster.width)×\(raster.height) image: "
                    + "\(message(of: image)); this is a bug in the caller's raster.")
        }
        return output.prefix(Int(size))
    }

    /// Writes `raster` to `url` atomically: a crash leaves the old file or the new one.
    /// - Throws: ``VisualizationError`` naming the file when it cannot be written.
    public static func write(_ raster: Raster, to url: URL) throws {
        let data = try encode(raster)
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw VisualizationError(
                "cannot write \(url.path): \(error.localizedDescription); check that the folder "
                    + "exists and is writable.")
        }
    }

    /// A zeroed `png_image` describing `raster`.
    static func header(for raster: Raster) -> png_image {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(raster.width)
        image.height = UInt32(raster.height)
        image.format = raster.channels == 1 ? UInt32(PNG_FORMAT_GRAY) : UInt32(PNG_FORMAT_RGB)
        return image
    }

    /// libpng's message for the last failure of `image`, without the trailing zeros.
    static func message(of image: png_image) -> String {
        withUnsafeBytes(of: image.message) { bytes in
            let text = bytes.prefix { $0 != 0 }
            return text.isEmpty ? "no message" : String(decoding: text, as: UTF8.self)
        }
    }
}
