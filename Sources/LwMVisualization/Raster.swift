/// An sRGB colour of 8 bits per channel.
public struct RGB: Equatable, Hashable, Sendable {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    public static let black = RGB(red: 0, green: 0, blue: 0)
    public static let white = RGB(red: 255, green: 255, blue: 255)
}

/// An image of bytes in memory, as PNG files hold them.
///
/// Layout: H×W×C, rows top to bottom, pixels left to right, channels interleaved; C is 1 (grey)
/// or 3 (RGB). Datasets keep images planar (C×H×W); ``init(planar:channels:height:width:)``
/// converts.
public struct Raster: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// 1 (grey) or 3 (RGB).
    public let channels: Int
    /// H×W×C bytes.
    public var pixels: [UInt8]

    /// An image over `pixels`, which must hold width·height·channels bytes.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "a raster needs at least one pixel")
        precondition(channels == 1 || channels == 3, "a raster is grey (1) or RGB (3)")
        precondition(pixels.count == width * height * channels, "pixel count does not match")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// An RGB image filled with `color`.
    public init(width: Int, height: Int, color: RGB) {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for index in stride(from: 0, to: pixels.count, by: 3) {
            pixels[index] = color.red
            pixels[index + 1] = color.green
            pixels[index + 2] = color.blue
        }
        self.init(width: width, height: height, channels: 3, pixels: pixels)
    }

    /// An image from planar C×H×W bytes, the layout of ``ImageDataset``.
    public init(planar bytes: some Collection<UInt8>, channels: Int, height: Int, width: Int) {
        precondition(bytes.count == channels * height * width, "byte count does not match")
        let plane = height * width
        let source = Array(bytes)
        var pixels = [UInt8](repeating: 0, count: source.count)
        for channel in 0..<channels {
            for index in 0..<plane {
                pixels[index * channels + channel] = source[channel * plane + index]
            }
        }
        self.init(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// The colour at column `x`, row `y`; grey images give equal channels.
    public subscript(x x: Int, y y: Int) -> RGB {
        get {
            let index = (y * width + x) * channels
            if channels == 1 {
                return RGB(red: pixels[index], green: pixels[index], blue: pixels[index])
            }
            return RGB(red: pixels[index], green: pixels[index + 1], blue: pixels[index + 2])
        }
        set {
            let index = (y * width + x) * channels
            if channels == 1 {
                pixels[index] = newValue.green
            } else {
                pixels[index] = newValue.red
                pixels[index + 1] = newValue.green
                pixels[index + 2] = newValue.blue
            }
        }
    }

    /// This image with three channels; a grey image repeats its value in each.
    public func rgb() -> Raster {
        guard channels == 1 else { return self }
        var expanded = [UInt8](repeating: 0, count: pixels.count * 3)
        for (index, value) in pixels.enumerated() {
            expanded[3 * index] = value
            expanded[3 * index + 1] = value
            expanded[3 * index + 2] = value
        }
        return Raster(width: width, height: height, channels: 3, pixels: expanded)
    }

    /// One channel as a float plane, H×W row-major, values 0…255.
    func plane(_ channel: Int) -> [Float] {
        (0..<width * height).map { Float(pixels[$0 * channels + channel]) }
    }

    /// This image resampled to `width`×`height` (see ``Interpolation``).
    public func resized(
        width newWidth: Int, height newHeight: Int, interpolation: Interpolation
    )
        -> Raster
    {
        var result = [UInt8](repeating: 0, count: newWidth * newHeight * channels)
        for channel in 0..<channels {
            let values = Resampling.resample(
                plane(channel), width: width, height: height, toWidth: newWidth,
                toHeight: newHeight, interpolation: interpolation)
            for (index, value) in values.enumerated() {
                result[index * channels + channel] = UInt8(min(max(value.rounded(), 0), 255))
            }
        }
        return Raster(width: newWidth, height: newHeight, channels: channels, pixels: result)
    }

    /// (1 − opacity)·self + opacity·overlay per channel, rounded; both must have this size.
    /// The result is RGB.
    public func blended(with overlay: Raster, opacity: Float) -> Raster {
        precondition(overlay.width == width && overlay.height == height, "sizes differ")
        let base = rgb().pixels
        let top = overlay.rgb().pixels
        let mixed = zip(base, top).map { under, over in
            let value = (1 - opacity) * Float(under) + opacity * Float(over)
            return UInt8(min(max(value.rounded(), 0), 255))
        }
        return Raster(width: width, height: height, channels: 3, pixels: mixed)
    }

    /// Copies `other` with its top-left corner at (`x`, `y`), clipped to this image.
    public mutating func draw(_ other: Raster, x: Int, y: Int) {
        for row in max(0, -y)..<min(other.height, height - y) {
            for column in max(0, -x)..<min(other.width, width - x) {
                self[x: x + column, y: y + row] = other[x: column, y: row]
            }
        }
    }

    /// Fills the rectangle at (`x`, `y`) of `width`×`height`, clipped to this image.
    public mutating func fill(
        x: Int, y: Int, width boxWidth: Int, height boxHeight: Int, color: RGB
    ) {
        for row in max(0, y)..<min(height, y + boxHeight) {
            for column in max(0, x)..<min(width, x + boxWidth) {
                self[x: column, y: row] = color
            }
        }
    }
}
