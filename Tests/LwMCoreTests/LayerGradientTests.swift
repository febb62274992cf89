import XCTest

@testable import LwMCore

/// Every layer in isolation: forward against a direct formula, backward against finite
/// differences of loss = Σ r ⊙ output for a random r. Activations are C×N×H×W.
final class LayerGradientTests: XCTestCase {
    // MARK: - Conv2d

    /// The convolution straight from its definition, in Double: y[co][n][oh][ow] =
    /// Σ_{ci,i,j} w[co][ci][i][j]·x[ci][n][oh·s − p + i][ow·s − p + j].
    private func referenceConvolution(
        _ x: [Float], shape: ActivationShape, weight: [Float], conv: Conv2d
    ) -> [Float] {
        let out = conv.outputShape(for: shape)
        let (k, s, p) = (conv.kernelSize, conv.stride, conv.padding)
        func input(_ ci: Int, _ n: Int, _ ih: Int, _ iw: Int) -> Double {
            guard ih >= 0, ih < shape.height, iw >= 0, iw < shape.width else { return 0 }
            return Double(x[((ci * shape.batch + n) * shape.height + ih) * shape.width + iw])
        }
        var y = [Float](repeating: 0, count: out.count)
        var index = 0
        for co in 0..<conv.outputChannels {
            for n in 0..<shape.batch {
                for oh in 0..<out.height {
                    for ow in 0..<out.width {
                        var sum: Double = 0
                        var w = co * conv.inputChannels * k * k
                        for ci in 0..<conv.inputChannels {
                            for i in 0..<k {
                                for j in 0..<k {
                                    sum +=
                                        Double(weight[w])
                                        * input(ci, n, oh * s - p + i, ow * s - p + j)
                                    w += 1
                                }
                            }
                        }
                        y[index] = Float(sum)
                        index += 1
                    }
                }
            }
        }
        return y
    }

    /// Forward against the definition, then dInput and dWeight against finite differences.
    private func checkConvolution(
        inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int, padding: Int,
        batch: Int, height: Int, width: Int, seed: UInt64,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        let store = ParameterStore()
        let conv = Conv2d(
            "conv", store: store, inputChannels: inputChannels, outputChannels: outputChannels,
            kernelSize: kernelSize, stride: stride, padding: padding)
        store.allocate(seed: seed)
        let shape = ActivationShape(
            channels: inputChannels, batch: batch, height: height, width: width)
        let out = conv.outputShape(for: shape)
        var generator = SeededGenerator(seed: seed)
        let input = makeBuffer(generator.normals(shape.count))
        let r = generator.normals(out.count)
        let output = FloatBuffer(capacity: out.count)
        let workspace = FloatBuffer()
        let label = "conv \(kernelSize)×\(kernelSize)/\(stride) pad \(padding)"

        conv.forward(
            input: input.pointer, shape: shape, output: output.pointer, workspace: workspace)
        let expected = referenceConvolution(
            array(input.pointer, shape.count), shape: shape,
            weight: array(conv.weight.value, conv.weight.count),
            conv: conv)
        assertClose(
            array(output.pointer, out.count), expected, absolute: 1e-5, relative: 1e-5,
            "\(label) output", file: file, line: line)

        let dInput = FloatBuffer(capacity: shape.count)
        store.zeroGradients()
        conv.backward(
            input: input.pointer, shape: shape, dOutput: r, dInput: dInput.pointer,
            accumulate: false, workspace: workspace)
        let dInputValues = array(dInput.pointer, shape.count)
        let dWeightValues = gradient(of: conv.weight)

        func loss() -> Double {
            conv.forward(
                input: input.pointer, shape: shape, output: output.pointer, workspace: workspace)
            return weightedSum(output.pointer, r)
        }
        // The convolution is linear in x and in w: any step is exact but for rounding, which
        // a large step makes small.
        checkGradient(
            "\(label) dInput", values: input.pointer, count: shape.count, analytic: dInputValues,
            step: 0.1, file: file, line: line, loss: loss)
        checkGradient(
            "\(label) dWeight", values: conv.weight.value, count: conv.weight.count,
            analytic: dWeightValues, step: 0.1, file: file, line: line, loss: loss)

        // accumulate: true adds onto dInput; false overwrites whatever was there. dWeight
        // always accumulates, so a second backward doubles it.
        let previous = generator.normals(shape.count)
        dInput.pointer.update(from: previous, count: shape.count)
        conv.backward(
            input: input.pointer, shape: shape, dOutput: r, dInput: dInput.pointer,
            accumulate: true, workspace: workspace)
        assertClose(
            array(dInput.pointer, shape.count), zip(previous, dInputValues).map { $0 + $1 },
            absolute: 1e-5, relative: 1e-6, "\(label) accumulated dInput", file: file, line: line)
        assertClose(
            gradient(of: conv.weight), dWeightValues.map { 2 * $0 }, absolute: 1e-5,
            relative: 1e-6, "\(label) dWeight after two backward passes", file: file, line: line)

        dInput.pointer.update(repeating: .nan, count: shape.count)
        conv.backward(
            input: input.pointer, shape: shape, dOutput: r, dInput: dInput.pointer,
            accumulate: false, workspace: workspace)
        assertClose(
            array(dInput.pointer, shape.count), dInputValues, absolute: 1e-6,
            "\(label) overwritten dInput", file: file, line: line)

        // Without dInput only the weight gradient is produced.
        store.zeroGradients()
        conv.backward(
            input: input.pointer, shape: shape, dOutput: r, dInput: nil, accumulate: false,
            workspace: workspace)
        assertClose(
            gradient(of: conv.weight), dWeightValues, absolute: 1e-6,
            "\(label) dWeight without dInput", file: file, line: line)
    }

    func testConvolution3x3Stride1Padding1() {
        checkConvolution(
            inputChannels: 3, outputChannels: 4, kernelSize: 3, stride: 1, padding: 1,
            batch: 2, height: 5, width: 6, seed: 11)
    }

    func testConvolution5x5Stride1Padding2() {
        // Size-preserving with a wider kernel: the flipped kernel of the transposed convolution.
        checkConvolution(
            inputChannels: 2, outputChannels: 3, kernelSize: 5, stride: 1, padding: 2,
            batch: 2, height: 6, width: 7, seed: 17)
    }

    func testConvolution3x3Stride2Padding1() {
        // Odd and even sizes: the last window of one axis is clipped by the padding, the other not.
        checkConvolution(
            inputChannels: 3, outputChannels: 5, kernelSize: 3, stride: 2, padding: 1,
            batch: 2, height: 7, width: 6, seed: 12)
    }

    func testConvolution1x1Stride2() {
        checkConvolution(
            inputChannels: 4, outputChannels: 3, kernelSize: 1, stride: 2, padding: 0,
            batch: 3, height: 5, width: 4, seed: 13)
    }

    func testConvolution7x7Stride2Padding3() {
        checkConvolution(
            inputChannels: 2, outputChannels: 3, kernelSize: 7, stride: 2, padding: 3,
            batch: 2, height: 9, width: 8, seed: 14)
    }

    func testConvolution1x1Stride1() {
        checkConvolution(
            inputChannels: 5, outputChannels: 3, kernelSize: 1, stride: 1, padding: 0,
            batch: 3, height: 3, width: 4, seed: 15)
    }

    func testConvolution3x3WithoutPaddingAndWideInput() {
        checkConvolution(
            inputChannels: 2, outputChannels: 2, kernelSize: 3, stride: 1, padding: 0,
            batch: 1, height: 4, width: 9, seed: 16)
    }

    /// A batch larger than one column chunk gives, image by image, what each image gives alone:
    /// output, dInput (overwritten and accumulated) and dWeight, the sum over the images.
    private func checkChunking(
        inputChannels: Int, kernelSize: Int, stride: Int, padding: Int, batch: Int, size: Int,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        let store = ParameterStore()
        let conv = Conv2d(
            "conv", store: store, inputChannels: inputChannels, outputChannels: 4,
            kernelSize: kernelSize, stride: stride, padding: padding)
        store.allocate(seed: 21)
        let shape = ActivationShape(
            channels: inputChannels, batch: batch, height: size, width: size)
        let out = conv.outputShape(for: shape)
        let label = "chunked conv \(kernelSize)×\(kernelSize)/\(stride)"
        // Chunks are a power of two dividing the 8-image group, under the column budget:
        // Cin·k²·OH·OW floats per image for the forward, Cout·k²·H·W for the transposed
        // convolution that computes a size-preserving layer's dInput. Each must split this
        // batch, the last chunk partial.
        var floatsPerImage = [conv.patchSize * out.spatial]
        if stride == 1 && padding == kernelSize / 2 {
            floatsPerImage.append(4 * kernelSize * kernelSize * shape.spatial)
        }
        for floats in floatsPerImage {
            let chunk = ImageGroups.imagesPerChunk(
                floatsPerImage: floats, budget: Conv2d.columnBudget)
            XCTAssert(
                chunk < batch && batch % chunk != 0, "\(label): \(chunk) images per chunk",
                file: file, line: line)
        }

        var generator = SeededGenerator(seed: 21)
        let input = generator.normals(shape.count)
        let r = generator.normals(out.count)
        let workspace = FloatBuffer()
        let output = FloatBuffer(capacity: out.count)
        let dInput = FloatBuffer(capacity: shape.count)
        conv.forward(input: input, shape: shape, output: output.pointer, workspace: workspace)
        store.zeroGradients()
        conv.backward(
            input: input, shape: shape, dOutput: r, dInput: dInput.pointer, accumulate: false,
            workspace: workspace)
        let batchOutput = array(output.pointer, out.count)
        let batchDInput = array(dInput.pointer, shape.count)
        let batchDWeight = gradient(of: conv.weight)
        let previous = generator.normals(shape.count)
        dInput.pointer.update(from: previous, count: shape.count)
        conv.backward(
            input: input, shape: shape, dOutput: r, dInput: dInput.pointer, accumulate: true,
            workspace: workspace)
        assertClose(
            array(dInput.pointer, shape.count), zip(previous, batchDInput).map { $0 + $1 },
            absolute: 1e-5, relative: 1e-6, "\(label) accumulated dInput", file: file, line: line)

        var one = shape
        one.batch = 1
        var oneOut = out
        oneOut.batch = 1
        var summedDWeight = [Float](repeating: 0, count: conv.weight.count)
        for n in 0..<batch {
            let x = image(n, of: input, shape: shape)
            let rn = image(n, of: r, shape: out)
            conv.forward(input: x, shape: one, output: output.pointer, workspace: workspace)
            assertClose(
                array(output.pointer, oneOut.count), image(n, of: batchOutput, shape: out),
                absolute: 1e-5, relative: 1e-6, "\(label) output of image \(n)", file: file,
                line: line)
            store.zeroGradients()
            conv.backward(
                input: x, shape: one, dOutput: rn, dInput: dInput.pointer, accumulate: false,
                workspace: workspace)
            assertClose(
                array(dInput.pointer, one.count), image(n, of: batchDInput, shape: shape),
                absolute: 1e-5, relative: 1e-6, "\(label) dInput of image \(n)", file: file,
                line: line)
            for (i, g) in gradient(of: conv.weight).enumerated() { summedDWeight[i] += g }
        }
        assertClose(
            batchDWeight, summedDWeight, absolute: 1e-3, relative: 1e-5,
            "\(label) dWeight of the batch", file: file, line: line)
    }

    /// Size-preserving: dInput is a transposed convolution, chunked on its own.
    func testConvolutionChunkingMatchesPerImageResults() {
        checkChunking(inputChannels: 8, kernelSize: 3, stride: 1, padding: 1, batch: 30, size: 32)
    }

    /// Strided: dInput through col2im, chunk by chunk.
    func testStridedConvolutionChunkingMatchesPerImageResults() {
        checkChunking(inputChannels: 8, kernelSize: 3, stride: 2, padding: 1, batch: 10, size: 64)
    }

    // MARK: - BatchNorm2d

    private struct NormCase {
        let store = ParameterStore()
        let norm: BatchNorm2d
        let shape: ActivationShape
        let input: FloatBuffer
        let output: FloatBuffer

        init(channels: Int, batch: Int, height: Int, width: Int, input: [Float], seed: UInt64) {
            norm = BatchNorm2d("bn", store: store, channels: channels)
            store.allocate(seed: seed)
            shape = ActivationShape(channels: channels, batch: batch, height: height, width: width)
            self.input = makeBuffer(input)
            output = FloatBuffer(capacity: shape.count)
        }
    }

    /// Values in two clusters, ±[1, 2], shuffled: the batch mean sits near 0 and every x̂ stays
    /// at least about 0.5 away from it, so a ReLU after BN (bias 0) has no kink within reach.
    private func clusteredInput(_ count: Int, using generator: inout SeededGenerator) -> [Float] {
        var values = (0..<count).map { i in
            (i % 2 == 0 ? 1 : -1) * (1 + generator.nextUnitFloat())
        }
        values.shuffle(using: &generator)
        return values
    }

    /// Train mode: dInput, dWeight and dBias (and dResidual) against finite differences.
    private func checkBatchNormTraining(
        relu: Bool, residual: Bool, file: StaticString = #filePath, line: UInt = #line
    ) {
        var generator = SeededGenerator(seed: 31, stream: [relu ? 1 : 0, residual ? 1 : 0])
        let (channels, batch, height, width) = (3, 4, 3, 5)
        let count = channels * batch * height * width
        let bn = NormCase(
            channels: channels, batch: batch, height: height, width: width,
            input: clusteredInput(count, using: &generator), seed: 31)
        let norm = bn.norm
        set(norm.weight, generator.uniforms(channels, in: 0.5...1.5))
        if !relu {
            set(norm.bias, generator.normals(channels))
        }
        // r correlated with x makes mean(g·x̂) large, so the x̂ term of dInput weighs as much
        // as the others: a wrong normaliser in it (m − 1 for m) moves the result by 1/m.
        let x = array(bn.input.pointer, count)
        let r = generator.normals(count, scale: 0.5).enumerated().map { $0.element + x[$0.offset] }
        let label = "BN train relu \(relu) residual \(residual)"

        // A residual that puts every pre-activation at ±[0.5, 1.5]: far from the ReLU's kink.
        var residualBuffer: FloatBuffer?
        if residual {
            norm.forwardTraining(
                input: bn.input.pointer, shape: bn.shape, output: bn.output.pointer, relu: false,
                reducer: nil)
            let targets = generator.awayFromZero(count)
            residualBuffer = makeBuffer((0..<count).map { targets[$0] - bn.output.pointer[$0] })
        }
        func forward() {
            norm.forwardTraining(
                input: bn.input.pointer, shape: bn.shape, output: bn.output.pointer,
                residual: residualBuffer.map { UnsafePointer($0.pointer) }, relu: relu, reducer: nil
            )
        }
        func loss() -> Double {
            forward()
            return weightedSum(bn.output.pointer, r)
        }

        forward()
        let dOutput = makeBuffer(r)
        let dInput = FloatBuffer(capacity: count)
        bn.store.zeroGradients()
        norm.backward(
            input: bn.input.pointer, output: bn.output.pointer, shape: bn.shape,
            dOutput: dOutput.pointer, dInput: dInput.pointer, relu: relu, reducer: nil)
        let dInputValues = array(dInput.pointer, count)
        let dResidualValues = array(dOutput.pointer, count)
        let dWeightValues = gradient(of: norm.weight)
        let dBiasValues = gradient(of: norm.bias)
        if relu {
            let active = dResidualValues.filter { $0 != 0 }.count
            XCTAssert(
                active > 0 && active < count, "\(label): the ReLU should mask some of dOutput")
        }

        // Every element against the textbook formula in Double, with x̂ = (x − μ)/σ and g the
        // masked dOutput: dx = γ/σ·(g − mean(g) − x̂·mean(g·x̂)), dγ = Σ g·x̂, dβ = Σ g.
        let m = bn.shape.perChannel
        let residualValues = residualBuffer.map { array($0.pointer, count) }
        var expectedDInput = [Float](repeating: 0, count: count)
        var expectedDResidual = [Float](repeating: 0, count: count)
        var expectedDWeight = [Float](repeating: 0, count: channels)
        var expectedDBias = [Float](repeating: 0, count: channels)
        for c in 0..<channels {
            let range = (c * m)..<((c + 1) * m)
            let xs = x[range].map(Double.init)
            let mean = xs.reduce(0, +) / Double(m)
            let variance = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(m)
            let sigma = (variance + 1e-5).squareRoot()
            let (gamma, beta) = (Double(norm.weight.value[c]), Double(norm.bias.value[c]))
            let xHat = xs.map { ($0 - mean) / sigma }
            let g = range.map { i -> Double in
                let pre = gamma * xHat[i - c * m] + beta + Double(residualValues?[i] ?? 0)
                return relu && pre <= 0 ? 0 : Double(r[i])
            }
            let meanG = g.reduce(0, +) / Double(m)
            let meanGXHat = zip(g, xHat).reduce(0) { $0 + $1.0 * $1.1 } / Double(m)
            for (j, i) in range.enumerated() {
                expectedDInput[i] = Float(gamma / sigma * (g[j] - meanG - xHat[j] * meanGXHat))
                expectedDResidual[i] = Float(g[j])
            }
            expectedDWeight[c] = Float(meanGXHat * Double(m))
            expectedDBias[c] = Float(meanG * Double(m))
        }
        assertClose(
            dInputValues, expectedDInput, absolute: 1e-6, relative: 1e-5, "\(label) dInput",
            file: file, line: line)
        assertClose(
            dResidualValues, expectedDResidual, absolute: 1e-7, "\(label) dResidual", file: file,
            line: line)
        assertClose(
            dWeightValues, expectedDWeight, absolute: 1e-5, relative: 1e-5, "\(label) dWeight",
            file: file, line: line)
        assertClose(
            dBiasValues, expectedDBias, absolute: 1e-5, relative: 1e-5, "\(label) dBias",
            file: file, line: line)

        // And the same gradients against finite differences. The formula above checks every
        // element to 1e-5; a single coordinate's difference quotient carries float32 rounding
        // of some 1e-4 against gradients as small as 3e-3, so it only guards sign and factor.
        checkGradient(
            "\(label) dInput", values: bn.input.pointer, count: count, analytic: dInputValues,
            coordinateTolerance: 5e-2, coordinateStep: 0.02, file: file, line: line, loss: loss)
        checkGradient(
            of: norm.weight, analytic: dWeightValues, coordinateTolerance: 5e-2,
            coordinateStep: 0.02, file: file,
            line: line, loss: loss)
        checkGradient(
            of: norm.bias, analytic: dBiasValues, coordinateTolerance: 5e-2, coordinateStep: 0.02,
            file: file, line: line,
            loss: loss)
        if let residualBuffer {
            checkGradient(
                "\(label) dResidual", values: residualBuffer.pointer, count: count,
                analytic: dResidualValues, coordinateTolerance: 5e-2, coordinateStep: 0.02,
                file: file, line: line,
                loss: loss)
        }

        // Σ dInput over a channel is 0: BN's output ignores a shift of its input.
        for c in 0..<channels {
            let sum = dInputValues[(c * m)..<((c + 1) * m)].reduce(0, +)
            XCTAssertEqual(
                sum, 0, accuracy: 1e-4, "\(label): Σ dInput of channel \(c)", file: file, line: line
            )
        }
    }

    func testBatchNormTrainingGradients() {
        checkBatchNormTraining(relu: false, residual: false)
    }

    func testBatchNormTrainingGradientsWithReLU() {
        checkBatchNormTraining(relu: true, residual: false)
    }

    func testBatchNormTrainingGradientsWithResidualAndReLU() {
        checkBatchNormTraining(relu: true, residual: true)
    }

    func testBatchNormTrainingGradientsWithResidualOnly() {
        checkBatchNormTraining(relu: false, residual: true)
    }

    /// Train-mode output from the definition: (x − mean)/√(biased var + ε)·γ + β.
    func testBatchNormTrainingForwardUsesBiasedBatchVariance() {
        var generator = SeededGenerator(seed: 33)
        let bn = NormCase(
            channels: 2, batch: 3, height: 2, width: 2, input: generator.normals(24, scale: 3),
            seed: 33)
        set(bn.norm.weight, generator.normals(2))
        set(bn.norm.bias, generator.normals(2))
        bn.norm.forwardTraining(
            input: bn.input.pointer, shape: bn.shape, output: bn.output.pointer, relu: false,
            reducer: nil)
        let x = array(bn.input.pointer, 24)
        var expected: [Float] = []
        for c in 0..<2 {
            let values = x[(c * 12)..<((c + 1) * 12)].map(Double.init)
            let mean = values.reduce(0, +) / 12
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 12
            let (gamma, beta) = (Double(bn.norm.weight.value[c]), Double(bn.norm.bias.value[c]))
            expected += values.map {
                Float(($0 - mean) / (variance + 1e-5).squareRoot() * gamma + beta)
            }
        }
        assertClose(
            array(bn.output.pointer, 24), expected, absolute: 1e-5, relative: 1e-5,
            "BN train output")
    }

    /// Eval mode against y = γ·(x − running mean)/√(running var + ε) + β, plus residual, ReLU.
    func testBatchNormInferenceMatchesFormula() {
        var generator = SeededGenerator(seed: 34)
        let (channels, count) = (3, 3 * 2 * 4 * 3)
        let bn = NormCase(
            channels: channels, batch: 2, height: 4, width: 3, input: generator.normals(count),
            seed: 34)
        let norm = bn.norm
        set(norm.weight, generator.normals(channels))
        set(norm.bias, generator.normals(channels))
        set(norm.runningMean, generator.normals(channels))
        set(norm.runningVariance, generator.uniforms(channels, in: 0.2...3))
        let residual = generator.normals(count)
        let x = array(bn.input.pointer, count)
        let m = bn.shape.perChannel

        for (withResidual, relu) in [(false, false), (false, true), (true, false), (true, true)] {
            norm.forwardInference(
                input: bn.input.pointer, shape: bn.shape, output: bn.output.pointer,
                residual: withResidual ? residual : nil, relu: relu)
            let expected = (0..<count).map { i -> Float in
                let c = i / m
                let scale =
                    Double(norm.weight.value[c])
                    / (Double(norm.runningVariance.value[c]) + 1e-5).squareRoot()
                var y =
                    (Double(x[i]) - Double(norm.runningMean.value[c])) * scale
                    + Double(norm.bias.value[c])
                if withResidual { y += Double(residual[i]) }
                return Float(relu ? max(y, 0) : y)
            }
            assertClose(
                array(bn.output.pointer, count), expected, absolute: 1e-5, relative: 1e-5,
                "BN eval residual \(withResidual) relu \(relu)")
        }

        // In place, as the inference path of a block runs it.
        norm.forwardInference(
            input: bn.input.pointer, shape: bn.shape, output: bn.output.pointer, relu: true)
        let separate = array(bn.output.pointer, count)
        norm.forwardInference(
            input: bn.input.pointer, shape: bn.shape, output: bn.input.pointer, relu: true)
        XCTAssertEqual(array(bn.input.pointer, count), separate, "in-place eval output")
        XCTAssertEqual(norm.batchesTracked, 0, "eval mode must not count batches")
    }

    /// running ← (1 − m)·running + m·batch statistic, with the unbiased variance, m = 0.1, and
    /// num_batches_tracked counting every training forward.
    func testBatchNormRunningStatisticsUpdate() {
        var generator = SeededGenerator(seed: 35)
        let (channels, perChannel) = (2, 2 * 3 * 3)
        let bn = NormCase(
            channels: channels, batch: 2, height: 3, width: 3,
            input: generator.normals(channels * perChannel, scale: 2), seed: 35)
        let norm = bn.norm
        XCTAssertEqual(norm.momentum, 0.1)
        XCTAssertEqual(norm.epsilon, 1e-5)
        XCTAssertEqual(array(norm.runningMean.value, channels), [0, 0])
        XCTAssertEqual(array(norm.runningVariance.value, channels), [1, 1])

        var expectedMean = [Double](repeating: 0, count: channels)
        var expectedVariance = [Double](repeating: 1, count: channels)
        for step in 1...3 {
            let x = generator.normals(channels * perChannel, scale: Float(step))
            bn.input.pointer.update(from: x, count: x.count)
            norm.forwardTraining(
                input: bn.input.pointer, shape: bn.shape, output: bn.output.pointer, relu: true,
                reducer: nil)
            for c in 0..<channels {
                let values = x[(c * perChannel)..<((c + 1) * perChannel)].map(Double.init)
                let mean = values.reduce(0, +) / Double(perChannel)
                let unbiased =
                    values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(perChannel - 1)
                expectedMean[c] = 0.9 * expectedMean[c] + 0.1 * mean
                expectedVariance[c] = 0.9 * expectedVariance[c] + 0.1 * unbiased
            }
            assertClose(
                array(norm.runningMean.value, channels), expectedMean.map(Float.init),
                absolute: 1e-6, relative: 1e-5, "running_mean after step \(step)")
            assertClose(
                array(norm.runningVariance.value, channels), expectedVariance.map(Float.init),
                absolute: 1e-6, relative: 1e-5, "running_var after step \(step)")
            XCTAssertEqual(norm.batchesTracked, step, "num_batches_tracked")
        }

        // Momentum 1 copies the batch statistics.
        norm.momentum = 1
        norm.forwardTraining(
            input: bn.input.pointer, shape: bn.shape, output: bn.output.pointer, relu: false,
            reducer: nil)
        let x = array(bn.input.pointer, channels * perChannel).map(Double.init)
        let mean = x[0..<perChannel].reduce(0, +) / Double(perChannel)
        let unbiased =
            x[0..<perChannel].reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(perChannel - 1)
        XCTAssertEqual(Double(norm.runningMean.value[0]), mean, accuracy: 1e-5)
        XCTAssertEqual(Double(norm.runningVariance.value[0]), unbiased, accuracy: 1e-4)
    }

    // MARK: - MaxPool2d

    /// 3×3/2 pad 1 against brute force, and backward against finite differences and routing.
    func testMaxPoolForwardAndBackward() {
        var generator = SeededGenerator(seed: 41)
        let shape = ActivationShape(channels: 2, batch: 2, height: 7, width: 6)
        let pool = MaxPool2d(kernelSize: 3, stride: 2, padding: 1)
        let out = pool.outputShape(for: shape)
        XCTAssertEqual([out.height, out.width], [4, 3])
        // Distinct values 0.1 apart: no maximum changes within a finite-difference step.
        var values = (0..<shape.count).map { Float($0) * 0.1 - 5 }
        values.shuffle(using: &generator)
        let input = makeBuffer(values)
        let output = FloatBuffer(capacity: out.count)
        pool.forward(
            input: input.pointer, shape: shape, output: output.pointer, recordForBackward: true)

        var expected = [Float](repeating: 0, count: out.count)
        var winner = [Int](repeating: 0, count: out.count)
        for plane in 0..<(shape.channels * shape.batch) {
            for oh in 0..<out.height {
                for ow in 0..<out.width {
                    var best = -Float.infinity
                    for ih in (oh * 2 - 1)...(oh * 2 + 1) where ih >= 0 && ih < shape.height {
                        for iw in (ow * 2 - 1)...(ow * 2 + 1) where iw >= 0 && iw < shape.width {
                            let index = plane * shape.spatial + ih * shape.width + iw
                            if values[index] > best {
                                best = values[index]
                                winner[plane * out.spatial + oh * out.width + ow] = index
                            }
                        }
                    }
                    expected[plane * out.spatial + oh * out.width + ow] = best
                }
            }
        }
        XCTAssertEqual(array(output.pointer, out.count), expected, "max pool output")

        let r = generator.normals(out.count)
        let dInput = FloatBuffer(capacity: shape.count)
        dInput.pointer.update(repeating: .nan, count: shape.count)
        pool.backward(dOutput: r, shape: shape, dInput: dInput.pointer)
        var routed = [Float](repeating: 0, count: shape.count)
        for (o, index) in winner.enumerated() { routed[index] += r[o] }
        assertClose(array(dInput.pointer, shape.count), routed, absolute: 1e-6, "max pool dInput")
        checkGradient(
            "max pool dInput", values: input.pointer, count: shape.count, analytic: routed,
            step: 1e-3
        ) {
            pool.forward(
                input: input.pointer, shape: shape, output: output.pointer, recordForBackward: false
            )
            return weightedSum(output.pointer, r)
        }
    }

    /// Ties go to the first maximum in row-major window order, as PyTorch's CPU kernel.
    func testMaxPoolTiesRouteToTheFirstMaximum() {
        let shape = ActivationShape(channels: 1, batch: 1, height: 4, width: 4)
        let pool = MaxPool2d(kernelSize: 3, stride: 2, padding: 1)
        let output = FloatBuffer(capacity: 4)
        let dInput = FloatBuffer(capacity: 16)
        pool.forward(
            input: [Float](repeating: 2, count: 16), shape: shape, output: output.pointer,
            recordForBackward: true)
        pool.backward(dOutput: [1, 10, 100, 1000], shape: shape, dInput: dInput.pointer)
        // Windows start at rows and columns −1 and 1: first valid elements (0,0), (0,1), (1,0), (1,1).
        var expected = [Float](repeating: 0, count: 16)
        expected[0] = 1
        expected[1] = 10
        expected[4] = 100
        expected[5] = 1000
        XCTAssertEqual(array(dInput.pointer, 16), expected)
    }

    // MARK: - Global average pool

    func testGlobalAveragePool() {
        var generator = SeededGenerator(seed: 51)
        let shape = ActivationShape(channels: 3, batch: 2, height: 3, width: 5)
        let input = makeBuffer(generator.normals(shape.count))
        let features = FloatBuffer(capacity: 6)
        GlobalAveragePool.forward(input: input.pointer, shape: shape, features: features.pointer)
        let x = array(input.pointer, shape.count)
        let expected = (0..<6).map { plane in
            x[(plane * 15)..<((plane + 1) * 15)].reduce(0, +) / 15
        }
        assertClose(array(features.pointer, 6), expected, absolute: 1e-6, "pooled features")

        let r = generator.normals(6)
        let dInput = FloatBuffer(capacity: shape.count)
        GlobalAveragePool.backward(dFeatures: r, shape: shape, dInput: dInput.pointer)
        checkGradient(
            "average pool dInput", values: input.pointer, count: shape.count,
            analytic: array(dInput.pointer, shape.count)
        ) {
            GlobalAveragePool.forward(
                input: input.pointer, shape: shape, features: features.pointer)
            return weightedSum(features.pointer, r)
        }
    }

    // MARK: - Linear

    func testLinearForwardAndGradients() {
        let store = ParameterStore()
        let head = Linear("fc", store: store, inputFeatures: 5, outputFeatures: 4)
        store.allocate(seed: 61)
        var generator = SeededGenerator(seed: 61)
        let batch = 3
        let features = makeBuffer(generator.normals(5 * batch))
        let logits = FloatBuffer(capacity: batch * 4)
        head.forward(features: features.pointer, batch: batch, logits: logits.pointer)

        let x = array(features.pointer, 5 * batch)
        let weight = array(head.weight.value, 20)
        let bias = array(head.bias.value, 4)
        var expected = [Float](repeating: 0, count: batch * 4)
        for n in 0..<batch {
            for j in 0..<4 {
                var sum = Double(bias[j])
                for c in 0..<5 { sum += Double(weight[j * 5 + c]) * Double(x[c * batch + n]) }
                expected[n * 4 + j] = Float(sum)
            }
        }
        assertClose(
            array(logits.pointer, batch * 4), expected, absolute: 1e-6, relative: 1e-6, "logits N×J"
        )

        let r = generator.normals(batch * 4)
        let dFeatures = FloatBuffer(capacity: 5 * batch)
        dFeatures.pointer.update(repeating: .nan, count: 5 * batch)
        store.zeroGradients()
        head.backward(
            features: features.pointer, batch: batch, dLogits: r, dFeatures: dFeatures.pointer)
        let dFeatureValues = array(dFeatures.pointer, 5 * batch)
        let dWeightValues = gradient(of: head.weight)
        let dBiasValues = gradient(of: head.bias)
        func loss() -> Double {
            head.forward(features: features.pointer, batch: batch, logits: logits.pointer)
            return weightedSum(logits.pointer, r)
        }
        checkGradient(
            "dFeatures", values: features.pointer, count: 5 * batch, analytic: dFeatureValues,
            loss: loss)
        checkGradient(of: head.weight, analytic: dWeightValues, loss: loss)
        checkGradient(of: head.bias, analytic: dBiasValues, loss: loss)

        // Parameter gradients accumulate; dFeatures is overwritten.
        head.backward(
            features: features.pointer, batch: batch, dLogits: r, dFeatures: dFeatures.pointer)
        assertClose(
            gradient(of: head.weight), dWeightValues.map { 2 * $0 }, absolute: 1e-6, "dWeight ×2")
        assertClose(gradient(of: head.bias), dBiasValues.map { 2 * $0 }, absolute: 1e-6, "dBias ×2")
        assertClose(
            array(dFeatures.pointer, 5 * batch), dFeatureValues, absolute: 1e-6, "dFeatures again")
    }
}
