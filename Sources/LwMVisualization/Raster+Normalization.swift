import LwMData

extension Raster {
    /// This image as a network input: C×H×W floats (pixel/255 − mean[c]) / std[c], computed
    /// in Double and rounded once, as ``ImageDataset/makeBatch(indices:statistics:)`` does.
    public func normalized(_ statistics: ChannelStatistics) -> [Float] {
        precondition(statistics.mean.count == channels, "one mean and one std per channel")
        let plane = width * height
        var result = [Float](repeating: 0, count: plane * channels)
        for channel in 0..<channels {
            let mean = Double(statistics.mean[channel])
            let std = Double(statistics.std[channel])
            for index in 0..<plane {
                let value = Double(pixels[index * channels + channel]) / 255
                result[channel * plane + index] = Float((value - mean) / std)
            }
        }
        return result
    }

    /// The bytes in planar C×H×W order, the layout of ``ImageDataset``.
    public var planarPixels: [UInt8] {
        let plane = width * height
        var result = [UInt8](repeating: 0, count: pixels.count)
        for channel in 0..<channels {
            for index in 0..<plane {
                result[channel * plane + index] = pixels[index * channels + channel]
            }
        }
        return result
    }
}
