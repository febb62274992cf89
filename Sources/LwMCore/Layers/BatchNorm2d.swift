/// Sums BatchNorm's per-channel statistics across data-parallel ranks (synchronised
/// BatchNorm). The array is reduced in place; a local BatchNorm passes `nil` instead.
public protocol StatisticsReducer: AnyObject {
    func sumInPlace(_ values: UnsafeMutablePointer<Double>, count: Int)
    /// Whether this rank adds the reduced parameter gradients (one rank does, the others add
    /// nothing), so that the gradient all-reduce yields them without float cancellation.
    var addsParameterGradients: Bool { get }
}

/// BatchNorm2d over C×N×H×W activations with PyTorch's conventions: biased batch variance to
/// normalise, unbiased variance into the running estimate, momentum 0.1, ε = 1e-5.
///
/// The forward pass can fuse the residual add and the ReLU that follow it in a ResNet,
/// y = ReLU(BN(x) + residual), so a block touches its activations once instead of three times.
public final class BatchNorm2d {
    public let channels: Int
    /// PyTorch's defaults; fixtures may set others.
    public var momentum: Float = 0.1
    public var epsilon: Float = 1e-5
    public let weight: NamedTensor
    public let bias: NamedTensor
    public let runningMean: NamedTensor
    public let runningVariance: NamedTensor
    public var batchesTracked = 0
    let name: String

    /// Saved by the training forward for the backward: batch mean and 1/√(var + ε).
    private var mean: [Float]
    private var inverseStd: [Float]
    /// Elements per channel across all ranks: the normaliser of the batch statistics.
    private var reducedCount: Double = 0
    /// Σx and Σx² per channel, then the element count; one all-reduce in sync mode.
    private var sums: [Double]

    init(_ name: String, store: ParameterStore, channels: Int) {
        self.name = name
        self.channels = channels
        weight = store.registerParameter(
            "\(name).weight", shape: [channels], initializer: .constant(1))
        bias = store.registerParameter("\(name).bias", shape: [channels], initializer: .constant(0))
        runningMean = store.registerBuffer(
            "\(name).running_mean", shape: [channels], initialValue: 0)
        runningVariance = store.registerBuffer(
            "\(name).running_var", shape: [channels], initialValue: 1)
        mean = Array(repeating: 0, count: channels)
        inverseStd = Array(repeating: 1, count: channels)
        sums = Array(repeating: 0, count: 2 * channels + 1)
    }

    // MARK: - Forward

    /// Train mode: normalises with the batch statistics (across ranks when `reducer` is given)
    /// and updates the running statistics. `output` may alias `input` only when nothing needs
    /// `input` for the backward pass.
    public func forwardTraining(
        input: UnsafePointer<Float>, shape: ActivationShape, output: UnsafeMutablePointer<Float>,
        residual: UnsafePointer<Float>? = nil, relu: Bool, reducer: StatisticsReducer?
    ) {
        let m = shape.perChannel
        sums.withUnsafeMutableBufferPointer { sums in
            for c in 0..<channels {
                // Image by image, so the sums do not depend on how the batch is sharded.
                var (sum, sumOfSquares) = (0.0, 0.0)
                for n in 0..<shape.batch {
                    let (planeSum, planeSquares) = sumAndSumOfSquares(
                        input + c * m + n * shape.spatial, count: shape.spatial)
                    sum += planeSum
                    sumOfSquares += planeSquares
                }
                (sums[c], sums[channels + c]) = (sum, sumOfSquares)
            }
            sums[2 * channels] = Double(m)
            reducer?.sumInPlace(sums.baseAddress!, count: sums.count)
        }
        reducedCount = sums[2 * channels]
        let count = reducedCount

        // An empty global batch (impossible in training, possible in a degenerate shard) keeps
        // the running statistics as they are.
        guard count > 0 else { return }
        let momentum = Double(self.momentum)
        batchesTracked += 1
        for c in 0..<channels {
            let batchMean = sums[c] / count
            let variance = max(sums[channels + c] / count - batchMean * batchMean, 0)
            mean[c] = Float(batchMean)
            inverseStd[c] = Float(1 / (variance + Double(epsilon)).squareRoot())
            let unbiased = count > 1 ? variance * count / (count - 1) : variance
            runningMean.value[c] = Float(
                (1 - momentum) * Double(runningMean.value[c]) + momentum * batchMean)
            runningVariance.value[c] = Float(
                (1 - momentum) * Double(runningVariance.value[c]) + momentum * unbiased)
        }
        for c in 0..<channels {
            let scale = weight.value[c] * inverseStd[c]
            let shift = bias.value[c] - mean[c] * scale
            let offset = c * m
            Self.affine(
                input + offset, output + offset, count: m, scale: scale, shift: shift,
                residual: residual.map { $0 + offset }, relu: relu)
        }
    }

    /// Eval mode: normalises with the running statistics. `output` may alias `input`.
    public func forwardInference(
        input: UnsafePointer<Float>, shape: ActivationShape, output: UnsafeMutablePointer<Float>,
        residual: UnsafePointer<Float>? = nil, relu: Bool
    ) {
        let m = shape.perChannel
        for c in 0..<channels {
            let scale = weight.value[c] / (runningVariance.value[c] + epsilon).squareRoot()
            let shift = bias.value[c] - runningMean.value[c] * scale
            Self.affine(
                input + c * m, output + c * m, count: m, scale: scale, shift: shift,
                residual: residual.map { $0 + c * m }, relu: relu)
        }
    }

    @inline(__always)
    private static func affine(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int,
        scale: Float, shift: Float, residual: UnsafePointer<Float>?, relu: Bool
    ) {
        switch (residual, relu) {
        case (nil, false):
            for i in 0..<count { y[i] = x[i] * scale + shift }
        case (nil, true):
            for i in 0..<count { y[i] = max(x[i] * scale + shift, 0) }
        case (let r?, false):
            for i in 0..<count { y[i] = x[i] * scale + shift + r[i] }
        case (let r?, true):
            for i in 0..<count { y[i] = max(x[i] * scale + shift + r[i], 0) }
        }
    }

    // MARK: - Backward

    /// Backward of the training forward.
    ///
    /// When the forward applied a ReLU, `dOutput` is first masked in place by `output > 0`;
    /// afterwards it holds the gradient of the pre-activation sum, which is also the gradient
    /// of the residual input. Accumulates dWeight and dBias and writes dInput.
    ///
    /// With x̂ = (x − μ)/σ and g = dy: dx = γ/σ · (g − mean(g) − x̂ · mean(g·x̂)), the means
    /// taken over the whole (global) batch.
    public func backward(
        input: UnsafePointer<Float>, output: UnsafePointer<Float>, shape: ActivationShape,
        dOutput: UnsafeMutablePointer<Float>, dInput: UnsafeMutablePointer<Float>,
        relu: Bool, reducer: StatisticsReducer?
    ) {
        let m = shape.perChannel
        if relu {
            // A select, not a branch, so the loop vectorises.
            for i in 0..<shape.count { dOutput[i] = output[i] > 0 ? dOutput[i] : 0 }
        }
        sums.withUnsafeMutableBufferPointer { sums in
            for c in 0..<channels {
                // Σ g and Σ g·x̂ = Σ g·(x − μ)/σ, image by image like the forward sums.
                var (sumGradient, sumGradientCentered) = (0.0, 0.0)
                for n in 0..<shape.batch {
                    let offset = c * m + n * shape.spatial
                    let (planeSum, planeDot) = sumAndCenteredDot(
                        dOutput + offset, input + offset, center: mean[c], count: shape.spatial)
                    sumGradient += planeSum
                    sumGradientCentered += planeDot
                }
                sums[c] = sumGradient
                sums[channels + c] = sumGradientCentered * Double(inverseStd[c])
            }
            sums[2 * channels] = 0
            reducer?.sumInPlace(sums.baseAddress!, count: sums.count)
        }
        // dγ = Σ g·x̂ and dβ = Σ g: this rank's share, or with synchronised statistics the
        // reduced sums on one rank, which the gradient all-reduce passes on exactly.
        if reducer?.addsParameterGradients ?? true {
            for c in 0..<channels {
                weight.gradientSum[c] += sums[channels + c]
                bias.gradientSum[c] += sums[c]
            }
        }
        let count = reducedCount
        guard count > 0 else { return }
        for c in 0..<channels {
            let sumGradient = sums[c]
            let sumGradientNormalized = sums[channels + c]

            // dx = a·g + b·x + d, expanded from the formula above.
            let a = Double(weight.value[c]) * Double(inverseStd[c])
            let b = -a * Double(inverseStd[c]) * sumGradientNormalized / count
            let d = -a * sumGradient / count - b * Double(mean[c])
            let (fa, fb, fd) = (Float(a), Float(b), Float(d))
            let g = dOutput + c * m
            let x = input + c * m
            let dx = dInput + c * m
            for i in 0..<m { dx[i] = fa * g[i] + fb * x[i] + fd }
        }
    }
}
