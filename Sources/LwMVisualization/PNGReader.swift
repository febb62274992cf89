import CPNG
import Foundation

extension PNG {
    /// Reads the PNG file at `url` as `channels` channels (1 grey, 3 RGB), converting as
    /// libpng does (colour to grey by its luminance weights). Transparent pixels are
    /// composited onto black, the background of MNIST-like images.
    ///
    /// - Throws: ``VisualizationError`` naming the file when it cannot be opened or is not a
    ///   PNG libpng can read.
    public static func read(contentsOf url: URL, channels: Int) throws -> Raster {
        precondition(channels == 1 || channels == 3, "read PNGs as 1 or 3 channels")
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }
        guard png_image_begin_read_from_file(&image, url.path) != 0 else {
            throw VisualizationError(
                "cannot read \(url.path) as a PNG image: \(message(of: image)); pass a PNG file "
                    + "(JPEG and other formats are not supported).")
        }
        return try finishRead(&image, channels: channels, source: url.path)
    }

    /// Decodes PNG bytes as `channels` channels; see ``read(contentsOf:channels:)``.
    public static func decode(
        _ data: Data, channels: Int, source: String = "PNG data"
    ) throws
        -> Raster
    {
        precondition(channels == 1 || channels == 3, "decode PNGs as 1 or 3 channels")
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }
        // libpng reads from the memory until png_image_finish_read returns, so both calls
        // happen while the bytes are pinned.
        return try data.withUnsafeBytes { bytes in
            guard png_image_begin_read_from_memory(&image, bytes.baseAddress, bytes.count) != 0
            else {
                throw VisualizationError(
                    "cannot decode \(source) as a PNG image: \(message(of: image)); pass a PNG.")
            }
            return try finishRead(&image, channels: channels, source: source)
        }
    }

    private static func finishRead(
        _ image: inout png_image, channels: Int, source: String
    )
        throws -> Raster
    {
        let (width, height) = (Int(image.width), Int(image.height))
        guard width > 0, height > 0, width * height <= 1 << 28 else {
            throw VisualizationError(
                "\(source) declares an image of \(width)×\(height) pixels; pass an image of at "
                    + "most 2^28 pixels.")
        }
        image.format = channels == 1 ? UInt32(PNG_FORMAT_GRAY) : UInt32(PNG_FORMAT_RGB)
        // A zero buffer is the black background that transparent pixels are composited onto.
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        let finished = pixels.withUnsafeMutableBytes { buffer in
            png_image_finish_read(
                &image, nil, buffer.baseAddress, Int32(width * channels), nil)
        }
        guard finished != 0 else {
            throw VisualizationError(
                "cannot decode \(source): \(message(of: image)); the file may be truncated or "
                    + "corrupt.")
        }
        return Raster(width: width, height: height, channels: channels, pixels: pixels)
    }
}
