/// How a grid of values is resampled to another size.
public enum Interpolation: Sendable {
    /// The value of the source pixel whose area holds the target pixel's centre.
    case nearest
    /// Linear in x and y between the four nearest source centres, with PyTorch's
    /// `align_corners=False` geometry: target pixel centre x maps to source (x + ½)·in/out − ½,
    /// clamped to the outermost centres.
    case bilinear
}

/// A grid of floats, H×W row-major: a class activation map at feature resolution, or one
/// resampled to an image's size.
public struct ScalarMap: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// H×W, row-major.
    public var values: [Float]

    public init(width: Int, height: Int, values: [Float]) {
        precondition(width > 0 && height > 0, "a map needs at least one value")
        precondition(values.count == width * height, "value count does not match")
        self.width = width
        self.height = height
        self.values = values
    }

    public subscript(x x: Int, y y: Int) -> Float { values[y * width + x] }

    /// The largest value; 0 for a map of zeros.
    public var maximum: Float { values.max() ?? 0 }

    /// Every value divided by the largest, so the map spans 0…1; a map whose largest value is
    /// not positive (an all-zero map after ReLU) comes back as zeros.
    public func normalizedByMaximum() -> ScalarMap {
        let largest = maximum
        guard largest > 0 else {
            return ScalarMap(
                width: width, height: height,
                values: [Float](repeating: 0, count: values.count))
        }
        return ScalarMap(width: width, height: height, values: values.map { max($0, 0) / largest })
    }

    /// This map resampled to `width`×`height`.
    public func resized(
        width newWidth: Int, height newHeight: Int, interpolation: Interpolation
    )
        -> ScalarMap
    {
        ScalarMap(
            width: newWidth, height: newHeight,
            values: Resampling.resample(
                values, width: width, height: height, toWidth: newWidth, toHeight: newHeight,
                interpolation: interpolation))
    }
}

enum Resampling {
    /// `plane` (height×width, row-major) resampled to toHeight×toWidth.
    static func resample(
        _ plane: [Float], width: Int, height: Int, toWidth: Int, toHeight: Int,
        interpolation: Interpolation
    ) -> [Float] {
        let xs = (0..<toWidth).map { sourcePosition($0, from: width, to: toWidth) }
        let ys = (0..<toHeight).map { sourcePosition($0, from: height, to: toHeight) }
        var result = [Float](repeating: 0, count: toWidth * toHeight)

        switch interpolation {
        case .nearest:
            // The source pixel k covers [k, k + 1) in pixel units; the target centre lies at
            // (x + ½)·in/out, which floor() maps to the covering pixel.
            let columns = (0..<toWidth).map { min(($0 * 2 + 1) * width / (2 * toWidth), width - 1) }
            let rows = (0..<toHeight).map {
                min(($0 * 2 + 1) * height / (2 * toHeight), height - 1)
            }
            for y in 0..<toHeight {
                for x in 0..<toWidth {
                    result[y * toWidth + x] = plane[rows[y] * width + columns[x]]
                }
            }
        case .bilinear:
            for y in 0..<toHeight {
                let (y0, y1, fy) = ys[y]
                for x in 0..<toWidth {
                    let (x0, x1, fx) = xs[x]
                    let top = plane[y0 * width + x0] * (1 - fx) + plane[y0 * width + x1] * fx
                    let bottom = plane[y1 * width + x0] * (1 - fx) + plane[y1 * width + x1] * fx
                    result[y * toWidth + x] = top * (1 - fy) + bottom * fy
                }
            }
        }
        return result
    }

    /// The two source centres around target index `index` and the weight of the second.
    private static func sourcePosition(
        _ index: Int, from source: Int, to target: Int
    )
        -> (Int, Int, Float)
    {
        let position = (Double(index) + 0.5) * Double(source) / Double(target) - 0.5
        let clamped = min(max(position, 0), Double(source - 1))
        let lower = Int(clamped.rounded(.down))
        let upper = min(lower + 1, source - 1)
        return (lower, upper, Float(clamped - Double(lower)))
    }
}
