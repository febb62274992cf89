/// 2-D convolution without bias, PyTorch's `nn.Conv2d(bias: false)`, over C×N×H×W activations.
///
/// Forward is im2col plus one sgemm per chunk of images; the chunk keeps the column matrix
/// within a few MiB. Backward recomputes the columns instead of storing them (9× the
/// activation per layer). For a size-preserving window (3×3, stride 1, padding 1) the input
/// gradient is itself a convolution of dOutput with the flipped, transposed kernel, which
/// runs as fast as the forward and needs no col2im; strided layers use col2im.
public final class Conv2d {
    public let inputChannels: Int
    public let outputChannels: Int
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int
    /// Cout×Cin×kh×kw, PyTorch's layout.
    public let weight: NamedTensor
    let geometry: ConvolutionGeometry
    /// The window that maps dOutput back to dInput when `geometry.preservesSize`.
    let transposedGeometry: ConvolutionGeometry
    /// Cin×Cout×kh×kw, the kernel flipped in both spatial axes: built at each backward.
    private let transposedKernel = FloatBuffer()
    /// One chunk's dWeight, before it joins the Double sum.
    private let weightGradientChunk = FloatBuffer()

    /// Columns per sgemm call stay under this many floats (2 MiB), so that the column matrix
    /// is still in cache when OpenBLAS packs it.
    static let columnBudget = 1 << 19

    init(
        _ name: String, store: ParameterStore, inputChannels: Int, outputChannels: Int,
        kernelSize: Int, stride: Int = 1, padding: Int = 0
    ) {
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        weight = store.registerParameter(
            "\(name).weight", shape: [outputChannels, inputChannels, kernelSize, kernelSize],
            initializer: .kaimingNormalFanOut(fanOut: outputChannels * kernelSize * kernelSize))
        geometry = ConvolutionGeometry(
            channels: inputChannels, kernelSize: kernelSize, stride: stride, padding: padding)
        transposedGeometry = ConvolutionGeometry(
            channels: outputChannels, kernelSize: kernelSize, stride: 1, padding: padding)
    }

    /// Rows of the column matrix: Cin·kh·kw.
    var patchSize: Int { geometry.patchSize }

    public func outputShape(for input: ActivationShape) -> ActivationShape {
        let (height, width) = geometry.outputSize(height: input.height, width: input.width)
        return ActivationShape(
            channels: outputChannels, batch: input.batch, height: height, width: width)
    }

    /// Images per sgemm call for a window with `rows` patch rows over `spatial` positions:
    /// a divisor of the image group, so chunks never straddle a shard boundary.
    private func imagesPerChunk(rows: Int, spatial: Int) -> Int {
        ImageGroups.imagesPerChunk(floatsPerImage: rows * spatial, budget: Self.columnBudget)
    }

    // MARK: - Forward

    /// output[Cout, N·OH·OW] = weight[Cout, K] × columns[K, N·OH·OW], K = Cin·kh·kw.
    public func forward(
        input: UnsafePointer<Float>, shape: ActivationShape,
        output: UnsafeMutablePointer<Float>, workspace: FloatBuffer
    ) {
        let out = outputShape(for: shape)
        convolve(
            input: input, shape: shape, geometry: geometry, kernel: weight.value,
            outputChannels: outputChannels, output: output, outputSpatial: out.spatial,
            accumulate: false, workspace: workspace)
    }

    /// For each chunk of images: im2col, then output[:, chunk] (+)= kernel × columns.
    private func convolve(
        input: UnsafePointer<Float>, shape: ActivationShape, geometry: ConvolutionGeometry,
        kernel: UnsafePointer<Float>, outputChannels: Int, output: UnsafeMutablePointer<Float>,
        outputSpatial: Int, accumulate: Bool, workspace: FloatBuffer
    ) {
        let rows = geometry.patchSize
        let chunk = imagesPerChunk(rows: rows, spatial: outputSpatial)
        let columns = workspace.reserve(chunk * rows * outputSpatial)
        var first = 0
        while first < shape.batch {
            let images = min(chunk, shape.batch - first)
            let n = images * outputSpatial
            geometry.im2col(input: input, shape: shape, first: first, images: images, into: columns)
            sgemm(
                m: outputChannels, n: n, k: rows, a: kernel, lda: rows, b: columns, ldb: n,
                beta: accumulate ? 1 : 0, c: output + first * outputSpatial,
                ldc: shape.batch * outputSpatial)
            first += images
        }
    }

    // MARK: - Backward

    /// Accumulates dWeight += dOutput × columnsᵀ (chunk by chunk into the Double sum) and, when `dInput` is given, writes the
    /// input gradient into it (adds to it when `accumulate` is set).
    public func backward(
        input: UnsafePointer<Float>, shape: ActivationShape,
        dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>?,
        accumulate: Bool, workspace: FloatBuffer
    ) {
        let out = outputShape(for: shape)
        let useTransposedConvolution = geometry.preservesSize && dInput != nil
        if let dInput, !accumulate, !useTransposedConvolution { dInput.zero(shape.count) }
        let rows = patchSize
        let chunk = imagesPerChunk(rows: rows, spatial: out.spatial)
        let columns = workspace.reserve(chunk * rows * out.spatial)
        let dWeightChunk = weightGradientChunk.reserve(weight.count)
        var first = 0
        while first < shape.batch {
            let images = min(chunk, shape.batch - first)
            let n = images * out.spatial
            let dOutputChunk = dOutput + first * out.spatial
            geometry.im2col(input: input, shape: shape, first: first, images: images, into: columns)
            sgemm(
                transposeB: true, m: outputChannels, n: rows, k: n,
                a: dOutputChunk, lda: out.perChannel, b: columns, ldb: n,
                c: dWeightChunk, ldc: rows)
            addToGradientSum(weight, dWeightChunk)
            if let dInput, !useTransposedConvolution {
                // The columns are consumed; their memory now holds dColumns.
                sgemm(
                    transposeA: true, m: rows, n: n, k: outputChannels,
                    a: weight.value, lda: rows, b: dOutputChunk, ldb: out.perChannel,
                    c: columns, ldc: n)
                geometry.col2im(columns, shape: shape, first: first, images: images, into: dInput)
            }
            first += images
        }

        if let dInput, useTransposedConvolution {
            // dInput[ci] = Σ_co dOutput[co] ⋆ flip(W[co][ci]) with the same padding.
            let kernel = flippedTransposedKernel()
            convolve(
                input: dOutput, shape: out, geometry: transposedGeometry, kernel: kernel,
                outputChannels: inputChannels, output: dInput, outputSpatial: shape.spatial,
                accumulate: accumulate, workspace: workspace)
        }
    }

    /// W′[ci][co][i][j] = W[co][ci][k−1−i][k−1−j].
    private func flippedTransposedKernel() -> UnsafeMutablePointer<Float> {
        let area = kernelSize * kernelSize
        let kernel = transposedKernel.reserve(weight.count)
        let w = weight.value
        for co in 0..<outputChannels {
            for ci in 0..<inputChannels {
                let source = w + (co * inputChannels + ci) * area
                let destination = kernel + (ci * outputChannels + co) * area
                for t in 0..<area { destination[t] = source[area - 1 - t] }
            }
        }
        return kernel
    }
}
