/// ResNet's basic block: out = ReLU(BN2(conv2(ReLU(BN1(conv1(x))))) + shortcut(x)), where the
/// shortcut is the identity, or a strided 1×1 convolution plus BatchNorm (`downsample.0/1`)
/// where the shape changes.
final class BasicBlock {
    let conv1: Conv2d
    let bn1: BatchNorm2d
    let conv2: Conv2d
    let bn2: BatchNorm2d
    let downsample: (conv: Conv2d, bn: BatchNorm2d)?

    /// Activations kept for the backward pass: the two convolution outputs, the first
    /// post-ReLU map and the block output; and the projected shortcut's convolution output.
    private let conv1Output = FloatBuffer()
    private let hidden = FloatBuffer()
    private let conv2Output = FloatBuffer()
    let output = FloatBuffer()
    private let shortcutConvOutput = FloatBuffer()
    private let shortcut = FloatBuffer()

    init(
        _ name: String, store: ParameterStore, inputChannels: Int, outputChannels: Int, stride: Int
    ) {
        conv1 = Conv2d(
            "\(name).conv1", store: store, inputChannels: inputChannels,
            outputChannels: outputChannels, kernelSize: 3, stride: stride, padding: 1)
        bn1 = BatchNorm2d("\(name).bn1", store: store, channels: outputChannels)
        conv2 = Conv2d(
            "\(name).conv2", store: store, inputChannels: outputChannels,
            outputChannels: outputChannels, kernelSize: 3, stride: 1, padding: 1)
        bn2 = BatchNorm2d("\(name).bn2", store: store, channels: outputChannels)
        if stride != 1 || inputChannels != outputChannels {
            downsample = (
                Conv2d(
                    "\(name).downsample.0", store: store, inputChannels: inputChannels,
                    outputChannels: outputChannels, kernelSize: 1, stride: stride),
                BatchNorm2d("\(name).downsample.1", store: store, channels: outputChannels)
            )
        } else {
            downsample = nil
        }
    }

    var convolutions: [Conv2d] { [conv1, conv2] + (downsample.map { [$0.conv] } ?? []) }

    func outputShape(for input: ActivationShape) -> ActivationShape {
        conv1.outputShape(for: input)
    }

    // MARK: - Training

    func forwardTraining(
        input: UnsafePointer<Float>, shape: ActivationShape, workspace: FloatBuffer,
        reducer: StatisticsReducer?
    ) {
        let out = outputShape(for: shape)
        let c1 = conv1Output.reserve(out.count)
        let h = hidden.reserve(out.count)
        let c2 = conv2Output.reserve(out.count)
        let y = output.reserve(out.count)

        conv1.forward(input: input, shape: shape, output: c1, workspace: workspace)
        bn1.forwardTraining(input: c1, shape: out, output: h, relu: true, reducer: reducer)
        conv2.forward(input: h, shape: out, output: c2, workspace: workspace)

        var residual = input
        if let (conv, bn) = downsample {
            let projected = shortcutConvOutput.reserve(out.count)
            let normalized = shortcut.reserve(out.count)
            conv.forward(input: input, shape: shape, output: projected, workspace: workspace)
            bn.forwardTraining(
                input: projected, shape: out, output: normalized, relu: false, reducer: reducer)
            residual = UnsafePointer(normalized)
        }
        bn2.forwardTraining(
            input: c2, shape: out, output: y, residual: residual, relu: true, reducer: reducer)
    }

    /// Backward through the block. `dOutput` is consumed (masked in place); `dInput` is
    /// written. `scratch1` and `scratch2` are free buffers of at least the block's size.
    func backward(
        input: UnsafePointer<Float>, shape: ActivationShape,
        dOutput: UnsafeMutablePointer<Float>, dInput: UnsafeMutablePointer<Float>,
        scratch1: UnsafeMutablePointer<Float>, scratch2: UnsafeMutablePointer<Float>,
        workspace: FloatBuffer, reducer: StatisticsReducer?
    ) {
        let out = outputShape(for: shape)

        // After this call dOutput is the gradient of the pre-ReLU sum: of both branches.
        bn2.backward(
            input: conv2Output.pointer, output: output.pointer, shape: out, dOutput: dOutput,
            dInput: scratch1, relu: true, reducer: reducer)
        conv2.backward(
            input: hidden.pointer, shape: out, dOutput: scratch1, dInput: scratch2,
            accumulate: false, workspace: workspace)
        bn1.backward(
            input: conv1Output.pointer, output: hidden.pointer, shape: out, dOutput: scratch2,
            dInput: scratch1, relu: true, reducer: reducer)

        if let (conv, bn) = downsample {
            bn.backward(
                input: shortcutConvOutput.pointer, output: shortcut.pointer, shape: out,
                dOutput: dOutput, dInput: scratch2, relu: false, reducer: reducer)
            conv.backward(
                input: input, shape: shape, dOutput: scratch2, dInput: dInput, accumulate: false,
                workspace: workspace)
        } else {
            dInput.update(from: dOutput, count: shape.count)
        }
        conv1.backward(
            input: input, shape: shape, dOutput: scratch1, dInput: dInput, accumulate: true,
            workspace: workspace)
    }

    // MARK: - Inference

    /// Eval-mode forward that keeps nothing: `output` receives the block output, and
    /// `scratch1`/`scratch2` are overwritten. None may alias `input`.
    func forwardInference(
        input: UnsafePointer<Float>, shape: ActivationShape, output: UnsafeMutablePointer<Float>,
        scratch1: UnsafeMutablePointer<Float>, scratch2: UnsafeMutablePointer<Float>,
        workspace: FloatBuffer
    ) {
        let out = outputShape(for: shape)
        conv1.forward(input: input, shape: shape, output: scratch1, workspace: workspace)
        bn1.forwardInference(input: scratch1, shape: out, output: scratch1, relu: true)
        conv2.forward(input: scratch1, shape: out, output: output, workspace: workspace)
        var residual = input
        if let (conv, bn) = downsample {
            conv.forward(input: input, shape: shape, output: scratch2, workspace: workspace)
            bn.forwardInference(input: scratch2, shape: out, output: scratch2, relu: false)
            residual = UnsafePointer(scratch2)
        }
        bn2.forwardInference(
            input: output, shape: out, output: output, residual: residual, relu: true)
    }
}
