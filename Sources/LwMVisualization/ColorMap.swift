/// A 256-entry colour table for values in 0…1.
///
/// ``rainbow`` runs dark indigo → blue → cyan → green → yellow → orange → dark red, in the
/// manner of Google's Turbo: the ends are dark, so the largest values read as "hot" and the
/// smallest recede, and lightness rises to the middle and falls again without Jet's sharp
/// cyan and yellow bands. It is built here by linear interpolation in sRGB between nine anchor
/// colours chosen by eye, not copied from Turbo's table.
public struct ColorMap: Sendable {
    /// Entry i is the colour of value i/255.
    public let table: [RGB]

    /// A map interpolating linearly between equally spaced `anchors` (at least two).
    public init(anchors: [RGB]) {
        precondition(anchors.count >= 2, "a colour map needs at least two anchors")
        let segments = Double(anchors.count - 1)
        table = (0..<256).map { index in
            let position = Double(index) / 255 * segments
            let lower = min(Int(position), anchors.count - 2)
            let fraction = position - Double(lower)
            func mix(_ a: UInt8, _ b: UInt8) -> UInt8 {
                UInt8((Double(a) * (1 - fraction) + Double(b) * fraction).rounded())
            }
            let (a, b) = (anchors[lower], anchors[lower + 1])
            return RGB(
                red: mix(a.red, b.red), green: mix(a.green, b.green), blue: mix(a.blue, b.blue))
        }
    }

    /// The rainbow used for attention maps.
    public static let rainbow = ColorMap(anchors: [
        RGB(red: 48, green: 18, blue: 60),
        RGB(red: 69, green: 103, blue: 224),
        RGB(red: 40, green: 170, blue: 245),
        RGB(red: 26, green: 228, blue: 180),
        RGB(red: 145, green: 255, blue: 70),
        RGB(red: 215, green: 228, blue: 52),
        RGB(red: 251, green: 165, blue: 40),
        RGB(red: 224, green: 72, blue: 12),
        RGB(red: 122, green: 4, blue: 3),
    ])

    /// Black to white.
    public static let grey = ColorMap(anchors: [.black, .white])

    /// The colour of `value`, clamped to 0…1 and rounded to the nearest entry.
    public func color(_ value: Float) -> RGB {
        let clamped = value.isNaN ? 0 : min(max(value, 0), 1)
        return table[Int((clamped * 255).rounded())]
    }

    /// `map` (values in 0…1) as an RGB image of its size.
    public func colorize(_ map: ScalarMap) -> Raster {
        var pixels = [UInt8](repeating: 0, count: map.values.count * 3)
        for (index, value) in map.values.enumerated() {
            let color = color(value)
            pixels[3 * index] = color.red
            pixels[3 * index + 1] = color.green
            pixels[3 * index + 2] = color.blue
        }
        return Raster(width: map.width, height: map.height, channels: 3, pixels: pixels)
    }
}
