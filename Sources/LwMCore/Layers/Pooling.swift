/// Max pooling with a square window, PyTorch's `nn.MaxPool2d(k, stride, padding)`: padding
/// counts as −∞, and the backward pass routes each gradient to the first maximum of its window.
public final class MaxPool2d {
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int
    /// For every output element, the flat index within its H×W input plane of the maximum.
    private var argmax: [Int32] = []

    public init(kernelSize: Int, stride: Int, padding: Int) {
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
    }

    public func outputShape(for input: ActivationShape) -> ActivationShape {
        ActivationShape(
            channels: input.channels, batch: input.batch,
            height: (input.height + 2 * padding - kernelSize) / stride + 1,
            width: (input.width + 2 * padding - kernelSize) / stride + 1)
    }

    /// Records the positions of the maxima when `recordForBackward` is set (training).
    public func forward(
        input: UnsafePointer<Float>, shape: ActivationShape, output: UnsafeMutablePointer<Float>,
        recordForBackward: Bool
    ) {
        let out = outputShape(for: shape)
        if recordForBackward && argmax.count < out.count {
            argmax = Array(repeating: 0, count: out.count)
        }
        argmax.withUnsafeMutableBufferPointer { argmax in
            for plane in 0..<(shape.channels * shape.batch) {
                let x = input + plane * shape.spatial
                let y = output + plane * out.spatial
                for oh in 0..<out.height {
                    let rowStart = oh * stride - padding
                    for ow in 0..<out.width {
                        let columnStart = ow * stride - padding
                        var best = -Float.infinity
                        var bestIndex = -1
                        for ih in max(rowStart, 0)..<min(rowStart + kernelSize, shape.height) {
                            for iw in max(
                                columnStart, 0)..<min(columnStart + kernelSize, shape.width)
                            {
                                let v = x[ih * shape.width + iw]
                                // NaN propagates as in PyTorch.
                                if v > best || v.isNaN {
                                    best = v; bestIndex = ih * shape.width + iw
                                }
                            }
                        }
                        y[oh * out.width + ow] = best
                        if recordForBackward {
                            argmax[plane * out.spatial + oh * out.width + ow] = Int32(bestIndex)
                        }
                    }
                }
            }
        }
    }

    /// Writes dInput (zeroing it first) from dOutput through the recorded maxima.
    public func backward(
        dOutput: UnsafePointer<Float>, shape: ActivationShape, dInput: UnsafeMutablePointer<Float>
    ) {
        let out = outputShape(for: shape)
        dInput.zero(shape.count)
        argmax.withUnsafeBufferPointer { argmax in
            for plane in 0..<(shape.channels * shape.batch) {
                let dx = dInput + plane * shape.spatial
                for o in 0..<out.spatial {
                    let index = Int(argmax[plane * out.spatial + o])
                    if index >= 0 { dx[index] += dOutput[plane * out.spatial + o] }
                }
            }
        }
    }
}

/// Global average pooling: features[c][n] = mean over H×W of activation[c][n].
public enum GlobalAveragePool {
    /// features is C×N (channel-major like the activations).
    public static func forward(
        input: UnsafePointer<Float>, shape: ActivationShape, features: UnsafeMutablePointer<Float>
    ) {
        let scale = 1 / Float(shape.spatial)
        for plane in 0..<(shape.channels * shape.batch) {
            let x = input + plane * shape.spatial
            var sum: Float = 0
            for i in 0..<shape.spatial { sum += x[i] }
            features[plane] = sum * scale
        }
    }

    /// Writes dInput[c][n][hw] = dFeatures[c][n] / (H·W).
    public static func backward(
        dFeatures: UnsafePointer<Float>, shape: ActivationShape, dInput: UnsafeMutablePointer<Float>
    ) {
        let scale = 1 / Float(shape.spatial)
        for plane in 0..<(shape.channels * shape.batch) {
            (dInput + plane * shape.spatial).update(
                repeating: dFeatures[plane] * scale, count: shape.spatial)
        }
    }
}
