/// Resizing with a separable triangle (bilinear) filter whose support grows with the shrink
/// factor, as PIL's and torchvision's antialiased bilinear resize: when enlarging it is plain
/// bilinear interpolation between pixel centres, when shrinking by f each output pixel is a
/// weighted average over about 2f source pixels, so small outputs do not alias.
extension RGBImage {
    /// The image with its shorter side resized to `size` (the longer side in proportion,
    /// rounded down, as torchvision's `Resize(size)`), then the centred `size`×`size` square,
    /// as planar bytes 3×size×size (red plane, green plane, blue plane).
    ///
    /// Only the square is computed. Its offset along the longer side is ⌊(L − size)/2⌋, where
    /// L is that side's resized length.
    public func resizedAndCentreCropped(to size: Int) -> [UInt8] {
        precondition(size > 0, "the output size must be positive, got \(size)")
        let (resizedWidth, resizedHeight) =
            width <= height
            ? (size, max(size, size * height / width))
            : (max(size, size * width / height), size)
        let columns = ResamplingFilter(
            sourceLength: width, resizedLength: resizedWidth,
            outputStart: (resizedWidth - size) / 2, count: size)
        let rows = ResamplingFilter(
            sourceLength: height, resizedLength: resizedHeight,
            outputStart: (resizedHeight - size) / 2, count: size)
        return resampled(columns: columns, rows: rows)
    }

    /// Planar 3×rows.count×columns.count bytes: the horizontal pass over the source rows the
    /// vertical filter reads, into floats, then the vertical pass, rounded to bytes.
    func resampled(columns: ResamplingFilter, rows: ResamplingFilter) -> [UInt8] {
        let outputWidth = columns.count
        let outputHeight = rows.count
        let firstRow = rows.firstSource[0]
        let rowCount = rows.firstSource[outputHeight - 1] + rows.taps[outputHeight - 1] - firstRow
        let plane = outputWidth * outputHeight
        // rowCount × outputWidth × 3 floats, interleaved as the source is.
        var horizontal = [Float](repeating: 0, count: rowCount * outputWidth * 3)
        var output = [UInt8](repeating: 0, count: 3 * plane)

        // The loops below run in debug builds too, where every range iterator and array
        // subscript is a call: hence plain pointers and while loops.
        pixels.withUnsafeBufferPointer { source in
            horizontal.withUnsafeMutableBufferPointer { horizontal in
                columns.withPointers { first, taps, weights, stride in
                    var target = horizontal.baseAddress!
                    var y = 0
                    while y < rowCount {
                        let sourceRow = source.baseAddress! + (firstRow + y) * width * 3
                        var x = 0
                        while x < outputWidth {
                            var pixel = sourceRow + first[x] * 3
                            var weight = weights + x * stride
                            let end = weight + taps[x]
                            var (red, green, blue): (Float, Float, Float) = (0, 0, 0)
                            while weight < end {
                                red += weight.pointee * Float(pixel.pointee)
                                green += weight.pointee * Float((pixel + 1).pointee)
                                blue += weight.pointee * Float((pixel + 2).pointee)
                                pixel += 3
                                weight += 1
                            }
                            target.pointee = red
                            (target + 1).pointee = green
                            (target + 2).pointee = blue
                            target += 3
                            x += 1
                        }
                        y += 1
                    }
                }
            }
        }

        horizontal.withUnsafeBufferPointer { horizontal in
            output.withUnsafeMutableBufferPointer { output in
                rows.withPointers { first, taps, weights, stride in
                    let rowLength = outputWidth * 3
                    var y = 0
                    while y < outputHeight {
                        let rowWeights = weights + y * stride
                        let rowStart = horizontal.baseAddress! + (first[y] - firstRow) * rowLength
                        var i = 0
                        while i < rowLength {
                            var value = rowStart + i
                            var weight = rowWeights
                            let end = weight + taps[y]
                            var sum: Float = 0
                            while weight < end {
                                sum += weight.pointee * value.pointee
                                value += rowLength
                                weight += 1
                            }
                            // i = 3x + channel; the output is planar.
                            let (x, channel) = i.quotientAndRemainder(dividingBy: 3)
                            output[channel * plane + y * outputWidth + x] = Self.byte(sum)
                            i += 1
                        }
                        y += 1
                    }
                }
            }
        }
        return output
    }

    /// `value` rounded to the nearest byte, clamped to 0...255 (filter weights may overshoot
    /// by rounding).
    private static func byte(_ value: Float) -> UInt8 {
        UInt8(max(0, min(255, (value + 0.5).rounded(.down))))
    }
}

/// The weights that resample one axis: output sample i of the resized axis (offset by
/// `outputStart`, so a crop costs nothing) reads `taps[i]` consecutive source samples from
/// `firstSource[i]`.
struct ResamplingFilter {
    /// The number of output samples.
    let count: Int
    let firstSource: [Int]
    let taps: [Int]
    /// `stride` weights per output sample, the first `taps[i]` of them used; they sum to 1.
    private let weights: [Float]
    private let stride: Int

    /// A filter from `sourceLength` samples to the `count` samples starting at `outputStart`
    /// of an axis resized to `resizedLength`.
    ///
    /// Output sample j has its centre at source coordinate (j + ½)·s, s = source/resized; the
    /// triangle 1 − |d| is stretched by max(s, 1), so it covers ±max(s, 1) source samples and
    /// is cut at the edges, with the remaining weights renormalised.
    init(sourceLength: Int, resizedLength: Int, outputStart: Int, count: Int) {
        precondition(sourceLength > 0 && resizedLength > 0 && count > 0)
        precondition(outputStart >= 0 && outputStart + count <= resizedLength)
        let scale = Double(sourceLength) / Double(resizedLength)
        let stretch = max(scale, 1)
        let stride = Int(stretch.rounded(.up)) * 2 + 1

        var firstSource: [Int] = []
        var taps: [Int] = []
        var weights = [Float](repeating: 0, count: count * stride)
        for i in 0..<count {
            let centre = (Double(outputStart + i) + 0.5) * scale
            let low = max(Int((centre - stretch + 0.5).rounded(.down)), 0)
            let high = min(Int((centre + stretch + 0.5).rounded(.down)), sourceLength)
            var values = (low..<high).map { x in
                max(0, 1 - abs((Double(x) - centre + 0.5) / stretch))
            }
            var total = values.reduce(0, +)
            // A centre exactly between two far-apart samples cannot happen with stretch ≥ 1,
            // but a lone edge sample with zero weight keeps the output defined all the same.
            if total == 0 {
                values = values.map { _ in 1 }
                total = Double(values.count)
            }
            for (k, value) in values.enumerated() {
                weights[i * stride + k] = Float(value / total)
            }
            firstSource.append(low)
            taps.append(values.count)
        }
        self.count = count
        self.firstSource = firstSource
        self.taps = taps
        self.weights = weights
        self.stride = stride
    }

    /// Calls `body` with pointers to `firstSource`, `taps` and the weights (output sample i's
    /// at `weights + i·stride`), and the stride.
    func withPointers<Result>(
        _ body: (UnsafePointer<Int>, UnsafePointer<Int>, UnsafePointer<Float>, Int) -> Result
    ) -> Result {
        firstSource.withUnsafeBufferPointer { first in
            taps.withUnsafeBufferPointer { taps in
                weights.withUnsafeBufferPointer { weights in
                    body(first.baseAddress!, taps.baseAddress!, weights.baseAddress!, stride)
                }
            }
        }
    }
}
