extension ImageDataset {
    /// Writes the images of a slice of an epoch's order, each transformed by its own draw of
    /// `augmentation` and normalised, as an N×C×H×W float batch.
    ///
    /// Image `indices[p]` is transformed by `augmentation.draw(height:width:seed:task:epoch:
    /// position: p)`: `p` is its index in the slice, which for an `ArraySlice` cut from the
    /// epoch's whole order (`order[start..<end]`) is its place in that order. So pass the
    /// slice as cut, not re-based with `Array(...)`, and every rank and batch split draws the
    /// same transformation for the same image.
    ///
    /// Pixels outside the image (the padding of a padded crop) are zero before normalisation,
    /// as torchvision's `RandomCrop(padding:)` fills them. A random-resized window is
    /// interpolated bilinearly between pixel centres, on normalised values (normalisation is
    /// affine, so this equals normalising the interpolated pixel).
    ///
    /// - Parameters:
    ///   - indices: sample indices, each in `0..<count`, indexed by their epoch positions.
    ///   - statistics: one mean and std per channel, every std positive.
    ///   - augmentation: the transformation; `.none` writes what `makeBatch` writes.
    ///   - seed, task, epoch: the run's seed and the coordinates of this epoch.
    ///   - output: room for `indices.count`·C·H·W floats.
    public func makeAugmentedBatch(
        indices: ArraySlice<Int>, statistics: ChannelStatistics, augmentation: Augmentation,
        seed: UInt64, task: Int, epoch: Int, into output: UnsafeMutablePointer<Float>
    ) {
        precondition(
            statistics.mean.count == channels,
            "statistics for \(statistics.mean.count) channels, images have \(channels)")
        precondition(statistics.std.allSatisfy { $0 > 0 }, "every std must be positive")
        let table = normalizationTable(statistics)
        let size = imageSize

        pixels.withUnsafeBufferPointer { source in
            table.withUnsafeBufferPointer { table in
                var destination = output
                for position in indices.indices {
                    let index = indices[position]
                    precondition((0..<count).contains(index), "sample \(index) of \(count)")
                    let image = source.baseAddress! + index * size
                    let draw = augmentation.draw(
                        height: height, width: width, seed: seed, task: task, epoch: epoch,
                        position: position)
                    if draw.height == height && draw.width == width {
                        writeShifted(image, draw: draw, table: table.baseAddress!, to: destination)
                    } else {
                        writeResized(image, draw: draw, table: table.baseAddress!, to: destination)
                    }
                    destination += size
                }
            }
        }
    }

    /// `makeAugmentedBatch(indices:statistics:augmentation:seed:task:epoch:into:)` into a new
    /// array.
    public func makeAugmentedBatch(
        indices: ArraySlice<Int>, statistics: ChannelStatistics, augmentation: Augmentation,
        seed: UInt64, task: Int, epoch: Int
    ) -> [Float] {
        guard !indices.isEmpty else { return [] }
        return [Float](unsafeUninitializedCapacity: indices.count * imageSize) {
            buffer, initialized in
            makeAugmentedBatch(
                indices: indices, statistics: statistics, augmentation: augmentation, seed: seed,
                task: task, epoch: epoch, into: buffer.baseAddress!)
            initialized = buffer.count
        }
    }

    /// One C×H×W image from a window of the image's own size, shifted (rows and columns
    /// outside the image read as zero) and possibly mirrored.
    private func writeShifted(
        _ image: UnsafePointer<UInt8>, draw: AugmentationDraw, table: UnsafePointer<Float>,
        to output: UnsafeMutablePointer<Float>
    ) {
        let plane = height * width
        for channel in 0..<channels {
            let values = table + channel * 256
            let zero = values[0]
            for y in 0..<height {
                let row = output + channel * plane + y * width
                let sourceY = draw.top + y
                guard (0..<height).contains(sourceY) else {
                    row.update(repeating: zero, count: width)
                    continue
                }
                let sourceRow = image + channel * plane + sourceY * width
                for x in 0..<width {
                    // Output column x shows window column w, which is image column left + w.
                    let sourceX = draw.left + (draw.flip ? width - 1 - x : x)
                    row[x] = (0..<width).contains(sourceX) ? values[Int(sourceRow[sourceX])] : zero
                }
            }
        }
    }

    /// One C×H×W image from a window inside the image, resized bilinearly to H×W (sample
    /// centres aligned, as `align_corners=False`), possibly mirrored.
    private func writeResized(
        _ image: UnsafePointer<UInt8>, draw: AugmentationDraw, table: UnsafePointer<Float>,
        to output: UnsafeMutablePointer<Float>
    ) {
        let plane = height * width
        let rows = BilinearAxis(
            outputLength: height, windowStart: draw.top, windowLength: draw.height)
        var columns = BilinearAxis(
            outputLength: width, windowStart: draw.left, windowLength: draw.width)
        if draw.flip { columns.reverse() }

        for channel in 0..<channels {
            let values = table + channel * 256
            let source = image + channel * plane
            var target = output + channel * plane
            for y in 0..<height {
                let upper = source + rows.low[y] * width
                let lower = source + rows.high[y] * width
                let fy = rows.fraction[y]
                for x in 0..<width {
                    let (x0, x1, fx) = (columns.low[x], columns.high[x], columns.fraction[x])
                    let top = values[Int(upper[x0])] * (1 - fx) + values[Int(upper[x1])] * fx
                    let bottom = values[Int(lower[x0])] * (1 - fx) + values[Int(lower[x1])] * fx
                    target.pointee = top * (1 - fy) + bottom * fy
                    target += 1
                }
            }
        }
    }
}

/// The two source samples and the weight of the second for each output sample of an axis
/// resized from a window of `windowLength` samples at `windowStart`.
private struct BilinearAxis {
    var low: [Int]
    var high: [Int]
    var fraction: [Float]

    init(outputLength: Int, windowStart: Int, windowLength: Int) {
        let scale = Double(windowLength) / Double(outputLength)
        low = []
        high = []
        fraction = []
        for i in 0..<outputLength {
            // The output centre i + ½ maps to window coordinate (i + ½)·scale − ½, clamped to
            // the window so the edge samples repeat instead of reading outside it.
            let position = min(
                max((Double(i) + 0.5) * scale - 0.5, 0), Double(windowLength - 1))
            let first = Int(position.rounded(.down))
            low.append(windowStart + first)
            high.append(windowStart + min(first + 1, windowLength - 1))
            fraction.append(Float(position - Double(first)))
        }
    }

    /// Mirrors the axis: output sample i takes what sample n − 1 − i took.
    mutating func reverse() {
        low.reverse()
        high.reverse()
        fraction.reverse()
    }
}
