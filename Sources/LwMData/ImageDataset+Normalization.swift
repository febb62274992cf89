/// Per-channel mean and standard deviation of pixel values scaled to 0...1.
public struct ChannelStatistics: Sendable, Codable, Equatable {
    public var mean: [Float]
    public var std: [Float]

    public init(mean: [Float], std: [Float]) {
        precondition(mean.count == std.count, "one mean and one std per channel")
        self.mean = mean
        self.std = std
    }
}

extension ImageDataset {
    /// The mean and the population standard deviation (divided by the pixel count, not one
    /// less) of each channel over every pixel of every image, in units of pixel/255.
    ///
    /// Computed exactly from a 256-bin histogram per channel, in Double, so the result does not
    /// depend on summation order. A channel with zero variance gets std 1, so normalising it
    /// only centres it instead of dividing by zero.
    public func channelStatistics() -> ChannelStatistics {
        let plane = height * width
        var histogram = [Int](repeating: 0, count: channels * 256)
        pixels.withUnsafeBufferPointer { source in
            histogram.withUnsafeMutableBufferPointer { histogram in
                var pixel = source.baseAddress!
                for _ in 0..<count {
                    for channel in 0..<channels {
                        let bins = histogram.baseAddress! + channel * 256
                        let end = pixel + plane
                        while pixel < end {
                            bins[Int(pixel.pointee)] += 1
                            pixel += 1
                        }
                    }
                }
            }
        }

        var mean: [Float] = []
        var std: [Float] = []
        for channel in 0..<channels {
            let bins = histogram[channel * 256..<(channel + 1) * 256]
            let total = Double(bins.reduce(0, +))
            guard total > 0 else {
                mean.append(0)
                std.append(1)
                continue
            }
            var sum = 0.0
            for (value, n) in bins.enumerated() { sum += Double(n) * Double(value) / 255 }
            let mu = sum / total
            // Centred second moment: no cancellation, unlike E[x²] − E[x]².
            var squares = 0.0
            for (value, n) in bins.enumerated() {
                let deviation = Double(value) / 255 - mu
                squares += Double(n) * deviation * deviation
            }
            let sigma = (squares / total).squareRoot()
            mean.append(Float(mu))
            std.append(sigma > 0 ? Float(sigma) : 1)
        }
        return ChannelStatistics(mean: mean, std: std)
    }

    /// Writes the normalised images `indices`, in that order, as an N×C×H×W float batch:
    /// (pixel/255 − mean[c]) / std[c].
    ///
    /// Each of the 256 possible values per channel is normalised once in Double and rounded to
    /// Float, so every pixel gets the correctly rounded result.
    ///
    /// - Parameters:
    ///   - indices: sample indices, each in `0..<count`; repeats are allowed.
    ///   - statistics: one mean and std per channel, every std positive.
    ///   - output: room for `indices.count`·C·H·W floats.
    public func makeBatch(
        indices: some Collection<Int>, statistics: ChannelStatistics,
        into output: UnsafeMutablePointer<Float>
    ) {
        precondition(
            statistics.mean.count == channels,
            "statistics for \(statistics.mean.count) channels, images have \(channels)")
        precondition(statistics.std.allSatisfy { $0 > 0 }, "every std must be positive")
        let table = normalizationTable(statistics)
        let plane = height * width
        let size = imageSize

        pixels.withUnsafeBufferPointer { source in
            table.withUnsafeBufferPointer { table in
                var destination = output
                for index in indices {
                    precondition((0..<count).contains(index), "sample \(index) of \(count)")
                    var pixel = source.baseAddress! + index * size
                    for channel in 0..<channels {
                        let values = table.baseAddress! + channel * 256
                        let end = pixel + plane
                        while pixel < end {
                            destination.pointee = values[Int(pixel.pointee)]
                            destination += 1
                            pixel += 1
                        }
                    }
                }
            }
        }
    }

    /// `makeBatch(indices:statistics:into:)` into a new array.
    public func makeBatch(
        indices: some Collection<Int>, statistics: ChannelStatistics
    )
        -> [Float]
    {
        guard !indices.isEmpty else { return [] }
        return [Float](unsafeUninitializedCapacity: indices.count * imageSize) {
            buffer, initialized in
            makeBatch(indices: indices, statistics: statistics, into: buffer.baseAddress!)
            initialized = buffer.count
        }
    }

    /// 256 normalised values per channel, indexed by channel·256 + pixel.
    func normalizationTable(_ statistics: ChannelStatistics) -> [Float] {
        var table = [Float](repeating: 0, count: channels * 256)
        for channel in 0..<channels {
            let mean = Double(statistics.mean[channel])
            let std = Double(statistics.std[channel])
            for value in 0..<256 {
                table[channel * 256 + value] = Float((Double(value) / 255 - mean) / std)
            }
        }
        return table
    }
}
