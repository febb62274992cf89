/// A ResNet classifier with PyTorch's parameter names, trained in place.
///
/// Layouts: images enter N×C×H×W; inside, activations are C×N×H×W (see ``ActivationShape``);
/// features are C×N and logits N×J. Training activations are kept in per-layer buffers that
/// are reused across steps; inference keeps nothing and runs in four rotating buffers.
public final class ResNet {
    public let configuration: NetworkConfiguration
    public let store: ParameterStore

    let stem: Conv2d
    let stemNorm: BatchNorm2d
    let stemPool: MaxPool2d?
    let blocks: [BasicBlock]
    public let head: Linear

    /// im2col columns, shared by every convolution of this network.
    let workspace = FloatBuffer()

    // Training state: the transposed input, stem activations, features and logits.
    private let inputBuffer = FloatBuffer()
    private let stemConvOutput = FloatBuffer()
    private let stemOutput = FloatBuffer()
    private let pooledStem = FloatBuffer()
    private let features = FloatBuffer()
    public let logits = FloatBuffer()
    private var trainingShapes: [ActivationShape] = []
    private var trainingInputShape = ActivationShape(channels: 0, batch: 0, height: 0, width: 0)

    // Backward scratch, each as large as the largest activation.
    private let gradientBuffers = (0..<4).map { _ in FloatBuffer() }
    private let dFeatures = FloatBuffer()

    // Inference scratch.
    private let inferenceBuffers = (0..<4).map { _ in FloatBuffer() }
    private let inferenceFeatures = FloatBuffer()
    private let inferenceLogits = FloatBuffer()

    /// Builds the network and initialises it as PyTorch does, drawing from `seed`.
    public init(_ configuration: NetworkConfiguration, seed: UInt64) {
        self.configuration = configuration
        let store = ParameterStore()
        self.store = store
        let width = configuration.width
        switch configuration.architecture {
        case .cifar:
            stem = Conv2d(
                "conv1", store: store, inputChannels: configuration.inputChannels,
                outputChannels: width, kernelSize: 3, stride: 1, padding: 1)
            stemPool = nil
        case .resnet18:
            stem = Conv2d(
                "conv1", store: store, inputChannels: configuration.inputChannels,
                outputChannels: width, kernelSize: 7, stride: 2, padding: 3)
            stemPool = MaxPool2d(kernelSize: 3, stride: 2, padding: 1)
        }
        stemNorm = BatchNorm2d("bn1", store: store, channels: width)

        var blocks: [BasicBlock] = []
        var channels = width
        let stages = configuration.architecture.stages
        for (stage, multiplier) in stages.widthMultipliers.enumerated() {
            for index in 0..<stages.blocks {
                let outputChannels = width * multiplier
                blocks.append(
                    BasicBlock(
                        "layer\(stage + 1).\(index)", store: store, inputChannels: channels,
                        outputChannels: outputChannels,
                        stride: index == 0 ? stages.strides[stage] : 1))
                channels = outputChannels
            }
        }
        self.blocks = blocks
        head = Linear(
            "fc", store: store, inputFeatures: channels, outputFeatures: configuration.classes)
        store.allocate(seed: seed)
    }

    public var classes: Int { configuration.classes }
    public var batchNorms: [BatchNorm2d] {
        [stemNorm] + blocks.flatMap { [$0.bn1, $0.bn2] + ($0.downsample.map { [$0.bn] } ?? []) }
    }
    public var convolutions: [Conv2d] { [stem] + blocks.flatMap(\.convolutions) }

    // MARK: - Shapes

    /// Shapes along the network for a batch: the stem output, the pooled stem output (same
    /// when there is no pool), then each block's output. The last is the feature map A.
    public func shapes(batch: Int, height: Int, width: Int) -> [ActivationShape] {
        let input = ActivationShape(
            channels: configuration.inputChannels, batch: batch, height: height, width: width)
        let stemShape = stem.outputShape(for: input)
        var result = [stemShape, stemPool?.outputShape(for: stemShape) ?? stemShape]
        for block in blocks { result.append(block.outputShape(for: result.last!)) }
        return result
    }

    /// The feature map A of the last training forward: C×N×H×W.
    public var featureMap: (pointer: UnsafeMutablePointer<Float>, shape: ActivationShape) {
        (blocks.last!.output.pointer, trainingShapes.last!)
    }

    // MARK: - Training forward and backward

    /// Train-mode forward of `images` (N×C×H×W); returns the logits (N×J), which stay valid
    /// until the next forward. BatchNorm uses batch statistics, summed across ranks by
    /// `reducer` when it is given, and updates its running statistics.
    @discardableResult
    public func forwardTraining(
        images: UnsafePointer<Float>, batch: Int, height: Int, width: Int,
        reducer: StatisticsReducer? = nil
    ) -> UnsafeMutablePointer<Float> {
        let inputShape = ActivationShape(
            channels: configuration.inputChannels, batch: batch, height: height, width: width)
        trainingShapes = shapes(batch: batch, height: height, width: width)
        trainingInputShape = inputShape
        let x = inputBuffer.reserve(inputShape.count)
        Self.transposeToChannelMajor(images, shape: inputShape, into: x)

        let stemShape = trainingShapes[0]
        let stemConv = stemConvOutput.reserve(stemShape.count)
        let stemOut = stemOutput.reserve(stemShape.count)
        stem.forward(input: x, shape: inputShape, output: stemConv, workspace: workspace)
        stemNorm.forwardTraining(
            input: stemConv, shape: stemShape, output: stemOut, relu: true, reducer: reducer)
        var current = UnsafePointer(stemOut)
        if let stemPool {
            let pooled = pooledStem.reserve(trainingShapes[1].count)
            stemPool.forward(
                input: stemOut, shape: stemShape, output: pooled, recordForBackward: true)
            current = UnsafePointer(pooled)
        }
        for (index, block) in blocks.enumerated() {
            block.forwardTraining(
                input: current, shape: trainingShapes[index + 1], workspace: workspace,
                reducer: reducer)
            current = UnsafePointer(block.output.pointer)
        }
        return classify(
            featureMap: current, shape: trainingShapes.last!, features: features, logits: logits)
    }

    /// Backward of the last training forward. Accumulates every parameter's gradient.
    ///
    /// - Parameters:
    ///   - dLogits: N×J gradient of the loss with respect to the logits.
    ///   - dFeatureMap: an extra gradient with respect to the feature map A (the attention
    ///     distillation term), added to what flows back from the head; `nil` for none.
    ///   - gradientsReady: called as the pass moves towards the input, with an offset into the
    ///     flat gradient buffer from which on every gradient sum is final, ending with 0. A
    ///     data-parallel trainer starts reducing those sums while the rest is computed, and
    ///     rounds them itself (``ParameterStore/roundGradients()``); without an observer the
    ///     pass rounds the sums into the Float gradients at its end.
    public func backward(
        dLogits: UnsafePointer<Float>, dFeatureMap: UnsafePointer<Float>?,
        reducer: StatisticsReducer? = nil, gradientsReady: ((Int) -> Void)? = nil
    ) {
        let featureShape = trainingShapes.last!
        let largest = trainingShapes.map(\.count).max()!
        let buffers = gradientBuffers.map { $0.reserve(largest) }
        let dFeaturesPointer = dFeatures.reserve(featureShape.channels * featureShape.batch)

        head.backward(
            features: features.pointer, batch: featureShape.batch, dLogits: dLogits,
            dFeatures: dFeaturesPointer)
        gradientsReady?(head.weight.offset)
        var dOutput = buffers[0]
        var dInput = buffers[1]
        GlobalAveragePool.backward(
            dFeatures: dFeaturesPointer, shape: featureShape, dInput: dOutput)
        if let dFeatureMap {
            for i in 0..<featureShape.count { dOutput[i] += dFeatureMap[i] }
        }

        for index in stride(from: blocks.count - 1, through: 0, by: -1) {
            let input =
                index == 0
                ? stemPool == nil ? stemOutput.pointer : pooledStem.pointer
                : blocks[index - 1].output.pointer
            blocks[index].backward(
                input: input, shape: trainingShapes[index + 1], dOutput: dOutput, dInput: dInput,
                scratch1: buffers[2], scratch2: buffers[3], workspace: workspace, reducer: reducer)
            swap(&dOutput, &dInput)
            gradientsReady?(blocks[index].conv1.weight.offset)
        }

        let stemShape = trainingShapes[0]
        if let stemPool {
            stemPool.backward(dOutput: dOutput, shape: stemShape, dInput: dInput)
            swap(&dOutput, &dInput)
        }
        stemNorm.backward(
            input: stemConvOutput.pointer, output: stemOutput.pointer, shape: stemShape,
            dOutput: dOutput, dInput: dInput, relu: true, reducer: reducer)
        stem.backward(
            input: inputBuffer.pointer, shape: trainingInputShape, dOutput: dInput, dInput: nil,
            accumulate: false, workspace: workspace)
        if let gradientsReady {
            gradientsReady(0)
        } else {
            store.roundGradients()
        }
    }

    // MARK: - Inference

    /// Eval-mode forward that keeps no activations for a backward pass. Returns the logits
    /// (N×J) and the feature map A, both valid until the next inference call.
    @discardableResult
    public func forwardInference(
        images: UnsafePointer<Float>, batch: Int, height: Int, width: Int
    ) -> (
        logits: UnsafeMutablePointer<Float>, featureMap: UnsafeMutablePointer<Float>,
        shape: ActivationShape
    ) {
        let inputShape = ActivationShape(
            channels: configuration.inputChannels, batch: batch, height: height, width: width)
        let shapes = shapes(batch: batch, height: height, width: width)
        let largest = max(shapes.map(\.count).max()!, inputShape.count)
        let buffers = inferenceBuffers.map { $0.reserve(largest) }

        Self.transposeToChannelMajor(images, shape: inputShape, into: buffers[0])
        stem.forward(input: buffers[0], shape: inputShape, output: buffers[1], workspace: workspace)
        stemNorm.forwardInference(
            input: buffers[1], shape: shapes[0], output: buffers[1], relu: true)
        var current = 1
        if let stemPool {
            stemPool.forward(
                input: buffers[1], shape: shapes[0], output: buffers[0], recordForBackward: false)
            current = 0
        }
        for (index, block) in blocks.enumerated() {
            let others = (0..<4).filter { $0 != current }
            block.forwardInference(
                input: buffers[current], shape: shapes[index + 1], output: buffers[others[0]],
                scratch1: buffers[others[1]], scratch2: buffers[others[2]], workspace: workspace)
            current = others[0]
        }
        let logits = classify(
            featureMap: buffers[current], shape: shapes.last!, features: inferenceFeatures,
            logits: inferenceLogits)
        return (logits, buffers[current], shapes.last!)
    }

    // MARK: - Helpers

    /// Global average pool and head. Writes `features` (C×N) and returns the logits (N×J).
    private func classify(
        featureMap: UnsafePointer<Float>, shape: ActivationShape, features: FloatBuffer,
        logits: FloatBuffer
    ) -> UnsafeMutablePointer<Float> {
        let pooled = features.reserve(shape.channels * shape.batch)
        GlobalAveragePool.forward(input: featureMap, shape: shape, features: pooled)
        let output = logits.reserve(shape.batch * classes)
        head.forward(features: pooled, batch: shape.batch, logits: output)
        return output
    }

    /// N×C×H×W → C×N×H×W; a plain copy when C = 1 or N = 1.
    static func transposeToChannelMajor(
        _ images: UnsafePointer<Float>, shape: ActivationShape,
        into output: UnsafeMutablePointer<Float>
    ) {
        let plane = shape.spatial
        for n in 0..<shape.batch {
            for c in 0..<shape.channels {
                (output + (c * shape.batch + n) * plane).update(
                    from: images + (n * shape.channels + c) * plane, count: plane)
            }
        }
    }
}

extension ResNet {
    /// Floating-point operations of one forward pass, 2 per multiply-add, counted from the
    /// layer shapes: every convolution and the head. Element-wise work is not counted.
    public func forwardFLOPs(batch: Int, height: Int, width: Int) -> Double {
        let shapes = shapes(batch: batch, height: height, width: width)
        var flops = 2.0 * Double(stem.patchSize * stem.outputChannels * shapes[0].perChannel)
        for (index, block) in blocks.enumerated() {
            let out = shapes[index + 1]
            for conv in block.convolutions {
                flops += 2.0 * Double(conv.patchSize * conv.outputChannels * out.perChannel)
            }
        }
        flops += 2.0 * Double(head.inputFeatures * head.outputFeatures * batch)
        return flops
    }
}
