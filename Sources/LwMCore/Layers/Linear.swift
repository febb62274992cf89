/// The classifier head, PyTorch's `nn.Linear`: logits[n][j] = Σ_c weight[j][c]·features[c][n]
/// + bias[j]. Features arrive C×N (channel-major); logits leave N×J (row-major, one row per
/// image), the layout every loss reads. Images are taken a group at a time (``ImageGroups``).
public final class Linear {
    public let inputFeatures: Int
    public let outputFeatures: Int
    /// J×C.
    public let weight: NamedTensor
    public let bias: NamedTensor
    /// One group's dWeight, before it joins the Double sum.
    private let weightGradientChunk = FloatBuffer()

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

    /// The image groups of a batch: (first image, images).
    private func groups(_ batch: Int) -> [(Int, Int)] {
        let size = ImageGroups.imagesPerGroup
        return stride(from: 0, to: batch, by: size).map { ($0, min(size, batch - $0)) }
    }

    /// features: C×N; logits: N×J.
    public func forward(
        features: UnsafePointer<Float>, batch: Int, logits: UnsafeMutablePointer<Float>
    ) {
        for n in 0..<batch {
            (logits + n * outputFeatures).update(from: bias.value, count: outputFeatures)
        }
        for (first, images) in groups(batch) {
            // logits[group][N×J] += featuresᵀ[N×C] · weightᵀ[C×J]
            sgemm(
                transposeA: true, transposeB: true, m: images, n: outputFeatures,
                k: inputFeatures, a: features + first, lda: batch, b: weight.value,
                ldb: inputFeatures, beta: 1, c: logits + first * outputFeatures,
                ldc: outputFeatures)
        }
    }

    /// Accumulates dWeight and dBias (into the Double sums) and writes dFeatures (C×N).
    public func backward(
        features: UnsafePointer<Float>, batch: Int, dLogits: UnsafePointer<Float>,
        dFeatures: UnsafeMutablePointer<Float>
    ) {
        let dWeightChunk = weightGradientChunk.reserve(weight.count)
        for (first, images) in groups(batch) {
            let dLogitsGroup = dLogits + first * outputFeatures
            // dWeight[J×C] += dLogitsᵀ[J×n] · featuresᵀ[n×C]
            sgemm(
                transposeA: true, transposeB: true, m: outputFeatures, n: inputFeatures,
                k: images, a: dLogitsGroup, lda: outputFeatures, b: features + first,
                ldb: batch, c: dWeightChunk, ldc: inputFeatures)
            addToGradientSum(weight, dWeightChunk)
            // dFeatures[C×n] = weightᵀ[C×J] · dLogitsᵀ[J×n]
            sgemm(
                transposeA: true, transposeB: true, m: inputFeatures, n: images,
                k: outputFeatures, a: weight.value, lda: inputFeatures, b: dLogitsGroup,
                ldb: outputFeatures, c: dFeatures + first, ldc: batch)
        }
        for n in 0..<batch {
            let row = dLogits + n * outputFeatures
            for j in 0..<outputFeatures { bias.gradientSum[j] += Double(row[j]) }
        }
    }
}
