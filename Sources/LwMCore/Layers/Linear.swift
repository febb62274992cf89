/// The classifier head, PyTorch's `nn.Linear`: logits[n][j] = Σ_c weight[j][c]·features[c][n]
/// + bias[j]. Features arrive C×N (channel-major); logits leave N×J (row-major, one row per
/// image), the layout every loss reads.
public final class Linear {
    public let inputFeatures: Int
    public let outputFeatures: Int
    /// J×C.
    public let weight: NamedTensor
    public let bias: NamedTensor

    init(_ name: String, store: ParameterStore, inputFeatures: Int, outputFeatures: Int) {
        self.inputFeatures = inputFeatures
        self.outputFeatures = outputFeatures
        weight = store.registerParameter(
            "\(name).weight", shape: [outputFeatures, inputFeatures],
            initializer: .uniformFanIn(fanIn: inputFeatures))
        bias = store.registerParameter(
            "\(name).bias", shape: [outputFeatures],
            initializer: .uniformFanIn(fanIn: inputFeatures))
    }

    /// features: C×N; logits: N×J.
    public func forward(
        features: UnsafePointer<Float>, batch: Int, logits: UnsafeMutablePointer<Float>
    ) {
        for n in 0..<batch {
            (logits + n * outputFeatures).update(from: bias.value, count: outputFeatures)
        }
        // logits[N×J] += featuresᵀ[N×C] · weightᵀ[C×J]
        sgemm(
            transposeA: true, transposeB: true, m: batch, n: outputFeatures, k: inputFeatures,
            a: features, lda: batch, b: weight.value, ldb: inputFeatures,
            beta: 1, c: logits, ldc: outputFeatures)
    }

    /// Accumulates dWeight and dBias and writes dFeatures (C×N).
    public func backward(
        features: UnsafePointer<Float>, batch: Int, dLogits: UnsafePointer<Float>,
        dFeatures: UnsafeMutablePointer<Float>
    ) {
        // dWeight[J×C] += dLogitsᵀ[J×N] · featuresᵀ[N×C]
        sgemm(
            transposeA: true, transposeB: true, m: outputFeatures, n: inputFeatures, k: batch,
            a: dLogits, lda: outputFeatures, b: features, ldb: batch,
            beta: 1, c: weight.gradient, ldc: inputFeatures)
        for n in 0..<batch {
            let row = dLogits + n * outputFeatures
            for j in 0..<outputFeatures { bias.gradient[j] += row[j] }
        }
        // dFeatures[C×N] = weightᵀ[C×J] · dLogitsᵀ[J×N]
        sgemm(
            transposeA: true, transposeB: true, m: inputFeatures, n: batch, k: outputFeatures,
            a: weight.value, lda: inputFeatures, b: dLogits, ldb: outputFeatures,
            c: dFeatures, ldc: batch)
    }
}
