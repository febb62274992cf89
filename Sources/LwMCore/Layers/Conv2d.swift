/// 2-D convolution without bias, PyTorch's `nn.Conv2d(bias: false)`, over C×N×H×W activations.
///
/// Forward is im2col plus one sgemm per chunk of images; the chunk keeps the column matrix
/// small enough to stay in cache. Backward recomputes the columns instead of storing them,
/// which trades one cheap pass for memory 9× the activation size per layer.
public final class Conv2d {
    public let inputChannels: Int
    public let outputChannels: Int
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int
    /// Cout×Cin×kh×kw, PyTorch's layout.
    public let weight: NamedTensor

    /// Columns per sgemm call stay under this many floats (8 MiB).
    static let columnBudget = 1 << 21

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
    }

    /// Rows of the column matrix: Cin·kh·kw.
    var patchSize: Int { inputChannels * kernelSize * kernelSize }

    public func outputShape(for input: ActivationShape) -> ActivationShape {
        ActivationShape(
            channels: outputChannels, batch: input.batch,
            height: (input.height + 2 * padding - kernelSize) / stride + 1,
            width: (input.width + 2 * padding - kernelSize) / stride + 1)
    }

    /// A 1×1 stride-1 convolution reads its input as the column matrix directly.
    private var isPointwise: Bool { kernelSize == 1 && stride == 1 && padding == 0 }

    /// Images per sgemm call, and the workspace that call needs.
    func chunking(for input: ActivationShape) -> (images: Int, workspace: Int) {
        let output = outputShape(for: input)
        if isPointwise { return (input.batch, 0) }
        let perImage = patchSize * output.spatial
        let images = max(1, min(input.batch, Self.columnBudget / max(perImage, 1)))
        return (images, images * perImage)
    }

    // MARK: - Forward

    /// output[Cout, N·OH·OW] = weight[Cout, K] × columns[K, N·OH·OW], K = Cin·kh·kw.
    public func forward(
        input: UnsafePointer<Float>, shape: ActivationShape,
        output: UnsafeMutablePointer<Float>, workspace: FloatBuffer
    ) {
        let out = outputShape(for: shape)
        let columnsPerImage = out.spatial
        if isPointwise {
            sgemm(
                m: outputChannels, n: out.perChannel, k: inputChannels,
                a: weight.value, lda: inputChannels, b: input, ldb: shape.perChannel,
                c: output, ldc: out.perChannel)
            return
        }
        let (chunk, workspaceSize) = chunking(for: shape)
        let columns = workspace.reserve(workspaceSize)
        var first = 0
        while first < shape.batch {
            let images = min(chunk, shape.batch - first)
            im2col(input: input, shape: shape, firstImage: first, images: images, into: columns)
            sgemm(
                m: outputChannels, n: images * columnsPerImage, k: patchSize,
                a: weight.value, lda: patchSize, b: columns, ldb: images * columnsPerImage,
                c: output + first * columnsPerImage, ldc: out.perChannel)
            first += images
        }
    }

    // MARK: - Backward

    /// Accumulates dWeight += dOutput × columnsᵀ and, when `dInput` is given, adds
    /// dInput += col2im(weightᵀ × dOutput) (or overwrites it when `accumulate` is false).
    public func backward(
        input: UnsafePointer<Float>, shape: ActivationShape,
        dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>?,
        accumulate: Bool, workspace: FloatBuffer
    ) {
        let out = outputShape(for: shape)
        let columnsPerImage = out.spatial
        if isPointwise {
            sgemm(
                transposeB: true, m: outputChannels, n: inputChannels, k: out.perChannel,
                a: dOutput, lda: out.perChannel, b: input, ldb: shape.perChannel,
                beta: 1, c: weight.gradient, ldc: inputChannels)
            if let dInput {
                sgemm(
                    transposeA: true, m: inputChannels, n: out.perChannel, k: outputChannels,
                    a: weight.value, lda: inputChannels, b: dOutput, ldb: out.perChannel,
                    beta: accumulate ? 1 : 0, c: dInput, ldc: shape.perChannel)
            }
            return
        }
        if let dInput, !accumulate { dInput.zero(shape.count) }
        let (chunk, workspaceSize) = chunking(for: shape)
        let columns = workspace.reserve(workspaceSize)
        var first = 0
        while first < shape.batch {
            let images = min(chunk, shape.batch - first)
            let n = images * columnsPerImage
            let dOutputChunk = dOutput + first * columnsPerImage
            im2col(input: input, shape: shape, firstImage: first, images: images, into: columns)
            sgemm(
                transposeB: true, m: outputChannels, n: patchSize, k: n,
                a: dOutputChunk, lda: out.perChannel, b: columns, ldb: n,
                beta: 1, c: weight.gradient, ldc: patchSize)
            if let dInput {
                // The columns are consumed; their memory now holds dColumns.
                sgemm(
                    transposeA: true, m: patchSize, n: n, k: outputChannels,
                    a: weight.value, lda: patchSize, b: dOutputChunk, ldb: out.perChannel,
                    c: columns, ldc: n)
                col2im(columns, shape: shape, firstImage: first, images: images, into: dInput)
            }
            first += images
        }
    }
}
