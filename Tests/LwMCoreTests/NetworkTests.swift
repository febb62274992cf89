import XCTest

@testable import LwMCore

/// Names, shapes and counts against PyTorch's state_dict, initialisation, the state helpers
/// (snapshot, growingHead) and the two forward modes.
final class NetworkTests: XCTestCase {
    // MARK: - Names and shapes

    /// resnet8 at width w, c input channels, j classes: PyTorch's state_dict, in its order.
    private func expectedResNet8StateDict(
        width w: Int, inputChannels c: Int, classes j: Int
    ) -> [(String, [Int])] {
        func norm(_ name: String, _ channels: Int) -> [(String, [Int])] {
            [
                ("\(name).weight", [channels]), ("\(name).bias", [channels]),
                ("\(name).running_mean", [channels]), ("\(name).running_var", [channels]),
                ("\(name).num_batches_tracked", []),
            ]
        }
        var entries: [(String, [Int])] = [("conv1.weight", [w, c, 3, 3])]
        entries += norm("bn1", w)
        entries += [("layer1.0.conv1.weight", [w, w, 3, 3])] + norm("layer1.0.bn1", w)
        entries += [("layer1.0.conv2.weight", [w, w, 3, 3])] + norm("layer1.0.bn2", w)
        for (stage, (input, output)) in [(2, (w, 2 * w)), (3, (2 * w, 4 * w))] {
            let name = "layer\(stage).0"
            entries +=
                [("\(name).conv1.weight", [output, input, 3, 3])] + norm("\(name).bn1", output)
            entries +=
                [("\(name).conv2.weight", [output, output, 3, 3])] + norm("\(name).bn2", output)
            entries += [("\(name).downsample.0.weight", [output, input, 1, 1])]
            entries += norm("\(name).downsample.1", output)
        }
        entries += [("fc.weight", [j, 4 * w]), ("fc.bias", [j])]
        return entries
    }

    func testResNet8StateDictNamesAndShapesMatchPyTorch() {
        let network = makeNetwork(width: 4, inputChannels: 3, classes: 5, seed: 0)
        let expected = expectedResNet8StateDict(width: 4, inputChannels: 3, classes: 5)
        let isCounter = { (entry: (String, [Int])) in entry.0.hasSuffix("num_batches_tracked") }
        let isBuffer = { (entry: (String, [Int])) in
            entry.0.hasSuffix("running_mean") || entry.0.hasSuffix("running_var")
        }

        // Parameters in PyTorch's order, then buffers in PyTorch's order, then the counters.
        let parameters = expected.filter { !isCounter($0) && !isBuffer($0) }
        XCTAssertEqual(network.store.parameters.map(\.name), parameters.map(\.0))
        XCTAssertEqual(network.store.parameters.map(\.shape), parameters.map(\.1))
        let buffers = expected.filter(isBuffer)
        XCTAssertEqual(network.store.buffers.map(\.name), buffers.map(\.0))
        XCTAssertEqual(network.store.buffers.map(\.shape), buffers.map(\.1))
        XCTAssertEqual(network.batchCounters.map(\.name), expected.filter(isCounter).map(\.0))
        XCTAssertEqual(network.namedTensors.count + network.batchCounters.count, expected.count)
        XCTAssertEqual(network.configuration.featureChannels, 16)
    }

    /// The state_dict of resnet20 has the same pattern with three blocks per stage.
    func testResNet20NamesFollowTheBlockPattern() {
        let network = makeNetwork(depth: 20, width: 16, classes: 10, seed: 0)
        let names = network.store.parameters.map(\.name)
        XCTAssertEqual(names.first, "conv1.weight")
        XCTAssertEqual(names.suffix(2), ["fc.weight", "fc.bias"])
        for stage in 1...3 {
            for block in 0..<3 {
                XCTAssertTrue(names.contains("layer\(stage).\(block).conv2.weight"))
                XCTAssertEqual(
                    names.contains("layer\(stage).\(block).downsample.0.weight"),
                    stage > 1 && block == 0, "downsample of layer\(stage).\(block)")
            }
        }
        XCTAssertFalse(names.contains("layer4.0.conv1.weight"))
        // conv1, 18 in the blocks and 2 projections; a BatchNorm after each.
        XCTAssertEqual(network.convolutions.count, 21)
        XCTAssertEqual(network.batchNorms.count, 21)
        XCTAssertEqual(network.store.buffer(named: "layer3.2.bn2.running_var")?.shape, [64])
    }

    /// resnet18: torchvision's 62 parameter tensors, 40 running statistics and 20 counters
    /// (122 state_dict entries), and 11,689,512 parameters at width 64 with 1000 classes.
    func testResNet18MatchesTorchvision() {
        let network = ResNet(
            NetworkConfiguration(architecture: .resnet18, inputChannels: 3, classes: 1000), seed: 0)
        XCTAssertEqual(network.store.parameters.count, 62)
        XCTAssertEqual(network.store.buffers.count, 40)
        XCTAssertEqual(network.batchCounters.count, 20)
        XCTAssertEqual(network.store.parameterCount, 11_689_512)

        let shapes = Dictionary(
            uniqueKeysWithValues: network.namedTensors.map { ($0.name, $0.shape) })
        XCTAssertEqual(shapes["conv1.weight"], [64, 3, 7, 7])
        XCTAssertEqual(shapes["layer4.1.bn2.running_var"], [512])
        XCTAssertEqual(shapes["layer2.0.downsample.0.weight"], [128, 64, 1, 1])
        XCTAssertEqual(shapes["layer2.0.downsample.1.running_mean"], [128])
        XCTAssertEqual(shapes["layer3.1.conv1.weight"], [256, 256, 3, 3])
        XCTAssertEqual(shapes["layer4.0.conv1.weight"], [512, 256, 3, 3])
        XCTAssertEqual(shapes["fc.weight"], [1000, 512])
        XCTAssertEqual(shapes["fc.bias"], [1000])
        XCTAssertNil(shapes["layer1.0.downsample.0.weight"])
        XCTAssertTrue(
            network.batchCounters.map(\.name).contains("layer4.1.bn2.num_batches_tracked"))
        XCTAssertEqual(network.convolutions.map(\.kernelSize).filter { $0 == 1 }.count, 3)
    }

    // MARK: - Parameter counts

    /// resnet20, width 16, 10 classes: 272,474 parameters (BatchNorm weights and biases
    /// included), recomputed here from the layer shapes.
    func testResNet20ParameterCount() {
        func conv(_ input: Int, _ output: Int, _ kernel: Int) -> Int {
            output * input * kernel * kernel
        }
        func norm(_ channels: Int) -> Int { 2 * channels }
        var count = conv(3, 16, 3) + norm(16)
        var channels = 16
        for width in [16, 32, 64] {
            for block in 0..<3 {
                count +=
                    conv(channels, width, 3) + norm(width) + conv(width, width, 3) + norm(width)
                if channels != width && block == 0 {
                    count += conv(channels, width, 1) + norm(width)
                }
                channels = width
            }
        }
        count += 64 * 10 + 10
        XCTAssertEqual(count, 272_474)

        let network = makeNetwork(depth: 20, width: 16, classes: 10, seed: 0)
        XCTAssertEqual(network.store.parameterCount, count)
        XCTAssertEqual(network.store.parameters.reduce(0) { $0 + $1.count }, count)
        // Running statistics: two per BatchNorm channel.
        let normChannels = network.batchNorms.reduce(0) { $0 + $1.channels }
        XCTAssertEqual(network.store.bufferCount, 2 * normChannels)
    }

    func testArchitectureNames() {
        XCTAssertEqual(Architecture(name: "resnet20"), .cifar(depth: 20))
        XCTAssertEqual(Architecture(name: "resnet32"), .cifar(depth: 32))
        XCTAssertEqual(Architecture(name: "resnet8"), .cifar(depth: 8))
        XCTAssertEqual(Architecture(name: "resnet18"), .resnet18)
        XCTAssertNil(Architecture(name: "resnet21"))
        XCTAssertNil(Architecture(name: "resnet2"))
        XCTAssertNil(Architecture(name: "vgg16"))
        XCTAssertEqual(Architecture.cifar(depth: 32).stages.blocks, 5)
        XCTAssertEqual(Architecture.cifar(depth: 56).name, "resnet56")
        XCTAssertEqual(
            NetworkConfiguration(architecture: .resnet18, inputChannels: 3, classes: 4).width, 64)
    }

    // MARK: - Initialisation

    /// Conv weights N(0, 2/fan_out), BatchNorm weight 1 and bias 0, running mean 0 and variance
    /// 1, the head U(±1/√fan_in); the same seed gives the same bits, another seed others.
    func testInitialisationStatisticsAndDeterminism() {
        let network = makeNetwork(depth: 20, width: 16, classes: 10, seed: 7)
        for conv in network.convolutions {
            let values = Array(conv.weight.values).map(Double.init)
            let fanOut = Double(conv.outputChannels * conv.kernelSize * conv.kernelSize)
            let expectedStd = (2 / fanOut).squareRoot()
            let mean = values.reduce(0, +) / Double(values.count)
            let std = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count))
                .squareRoot()
            // The sample std of n normals is within 4·std/√(2n) of the truth almost surely.
            let n = Double(values.count)
            XCTAssertEqual(
                std, expectedStd, accuracy: 4 * expectedStd / (2 * n).squareRoot(), conv.weight.name
            )
            XCTAssertEqual(mean, 0, accuracy: 4 * expectedStd / n.squareRoot(), conv.weight.name)
        }
        for norm in network.batchNorms {
            XCTAssertTrue(norm.weight.values.allSatisfy { $0 == 1 }, norm.weight.name)
            XCTAssertTrue(norm.bias.values.allSatisfy { $0 == 0 }, norm.bias.name)
            XCTAssertTrue(norm.runningMean.values.allSatisfy { $0 == 0 }, norm.runningMean.name)
            XCTAssertTrue(
                norm.runningVariance.values.allSatisfy { $0 == 1 }, norm.runningVariance.name)
            XCTAssertEqual(norm.batchesTracked, 0)
        }
        let bound = 1 / Float(64).squareRoot()
        for tensor in [network.head.weight, network.head.bias] {
            let values = Array(tensor.values)
            XCTAssertTrue(values.allSatisfy { abs($0) <= bound }, tensor.name)
            XCTAssertGreaterThan(
                maxAbs(values), 0.8 * bound, "\(tensor.name) should fill its range")
        }
        XCTAssertNotEqual(Array(network.head.bias.values), [Float](repeating: 0, count: 10))

        let same = makeNetwork(depth: 20, width: 16, classes: 10, seed: 7)
        let other = makeNetwork(depth: 20, width: 16, classes: 10, seed: 8)
        let values = array(network.store.values, network.store.parameterCount)
        XCTAssertEqual(
            array(same.store.values, same.store.parameterCount).map(\.bitPattern),
            values.map(\.bitPattern))
        XCTAssertNotEqual(array(other.store.values, other.store.parameterCount), values)
        XCTAssertEqual(
            array(network.store.gradients, network.store.parameterCount),
            [Float](repeating: 0, count: values.count))
    }

    // MARK: - State helpers

    private func allValues(_ network: ResNet) -> [String: [UInt32]] {
        Dictionary(
            uniqueKeysWithValues: network.namedTensors.map {
                ($0.name, Array($0.values).map(\.bitPattern))
            })
    }

    /// growingHead keeps every body tensor, the old head rows and the counters bit-identical and
    /// draws the new rows like a fresh nn.Linear.
    func testGrowingHeadKeepsOldRowsAndEveryOtherTensor() {
        let old = makeNetwork(classes: 3, seed: 5)
        warmUpRunningStatistics(old, batch: 2, height: 8, width: 8, seed: 5)
        let grown = old.growingHead(to: 7, seed: 9)
        XCTAssertEqual(grown.classes, 7)
        let before = allValues(old)
        let after = allValues(grown)
        for (name, values) in before where !name.hasPrefix("fc.") {
            XCTAssertEqual(after[name], values, name)
        }
        let channels = old.configuration.featureChannels
        XCTAssertEqual(Array(after["fc.weight"]!.prefix(3 * channels)), before["fc.weight"])
        XCTAssertEqual(Array(after["fc.bias"]!.prefix(3)), before["fc.bias"])
        XCTAssertEqual(grown.batchCounters.map(\.value), old.batchCounters.map(\.value))
        XCTAssertEqual(grown.batchCounters.first?.value, 3)

        let bound = 1 / Float(channels).squareRoot()
        let newRows = Array(grown.head.weight.values.dropFirst(3 * channels))
        XCTAssertEqual(newRows.count, 4 * channels)
        XCTAssertTrue(newRows.allSatisfy { abs($0) <= bound })
        XCTAssertGreaterThan(maxAbs(newRows), 0.5 * bound)
        XCTAssertEqual(
            allValues(old.growingHead(to: 7, seed: 9))["fc.weight"], after["fc.weight"],
            "the new rows are a function of the seed")
        XCTAssertNotEqual(
            allValues(old.growingHead(to: 7, seed: 10))["fc.weight"], after["fc.weight"])
    }

    /// A snapshot is an equal, independent copy.
    func testSnapshotIsAnEqualIndependentCopy() {
        let network = makeNetwork(classes: 4, seed: 3)
        warmUpRunningStatistics(network, batch: 2, height: 8, width: 8, seed: 3)
        let copy = network.snapshot()
        XCTAssertEqual(allValues(copy), allValues(network))
        XCTAssertEqual(copy.batchCounters.map(\.value), network.batchCounters.map(\.value))
        XCTAssertEqual(copy.configuration, network.configuration)

        let frozen = allValues(copy)
        network.store.values[0] += 1
        network.batchNorms[0].runningMean.value[0] += 1
        network.batchNorms[0].batchesTracked += 1
        XCTAssertEqual(allValues(copy), frozen)
        XCTAssertNotEqual(copy.batchNorms[0].batchesTracked, network.batchNorms[0].batchesTracked)
    }

    // MARK: - Forward modes

    /// With BatchNorm's running statistics set to the very batch statistics of a training
    /// forward, the eval-mode forward gives the same logits and feature map.
    func testInferenceMatchesTrainingWhenRunningStatisticsAreTheBatchStatistics() {
        for configuration in [
            NetworkConfiguration(
                architecture: .cifar(depth: 8), width: 4, inputChannels: 3, classes: 5),
            NetworkConfiguration(architecture: .resnet18, width: 4, inputChannels: 2, classes: 3),
        ] {
            let network = ResNet(configuration, seed: 13)
            let (batch, height, width) = (3, 19, 21)
            var generator = SeededGenerator(seed: 13)
            let images = generator.normals(batch * configuration.inputChannels * height * width)
            for norm in network.batchNorms { norm.momentum = 1 }
            let trainingLogits = array(
                network.forwardTraining(images: images, batch: batch, height: height, width: width),
                batch * configuration.classes)
            let featureMap = network.featureMap
            let trainingA = array(featureMap.pointer, featureMap.shape.count)

            // Momentum 1 stored the unbiased variance m/(m−1)·σ²; undo that factor to get the
            // biased variance that the training forward normalised with.
            // shapes: the stem's output, the pooled stem, then each block's output.
            let shapes = network.shapes(batch: batch, height: height, width: width)
            var elements = [shapes[0].perChannel]
            for (index, block) in network.blocks.enumerated() {
                let m = shapes[index + 2].perChannel
                elements += [m, m] + (block.downsample == nil ? [] : [m])
            }
            XCTAssertEqual(elements.count, network.batchNorms.count)
            for (norm, m) in zip(network.batchNorms, elements) {
                for c in 0..<norm.channels {
                    norm.runningVariance.value[c] *= Float(m - 1) / Float(m)
                }
            }

            let inference = network.forwardInference(
                images: images, batch: batch, height: height, width: width)
            XCTAssertEqual(inference.shape, featureMap.shape)
            let name = configuration.architecture.name
            assertClose(
                array(inference.logits, batch * configuration.classes), trainingLogits,
                absolute: 1e-4, relative: 1e-3, "\(name) logits")
            assertClose(
                array(inference.featureMap, inference.shape.count), trainingA, absolute: 1e-4,
                relative: 1e-3, "\(name) feature map")
        }
    }

    /// Any channel count and image size: shapes follow the strides, and a training step
    /// produces finite, non-zero gradients.
    func testAnyInputSizeAndChannelCount() {
        let cases: [(Architecture, Int, Int, Int, [Int])] = [
            (.cifar(depth: 8), 3, 32, 32, [8, 8]),
            (.cifar(depth: 8), 1, 28, 28, [7, 7]),
            (.cifar(depth: 8), 2, 17, 23, [5, 6]),
            (.resnet18, 2, 17, 23, [1, 1]),
            (.resnet18, 1, 28, 28, [1, 1]),
        ]
        for (architecture, channels, height, width, featureSize) in cases {
            let name = "\(architecture.name) \(channels)×\(height)×\(width)"
            let configuration = NetworkConfiguration(
                architecture: architecture, width: 4, inputChannels: channels, classes: 3)
            let network = ResNet(configuration, seed: 17)
            let batch = 2
            var generator = SeededGenerator(seed: 17)
            let images = generator.normals(batch * channels * height * width)
            let logits = array(
                network.forwardTraining(images: images, batch: batch, height: height, width: width),
                batch * 3)
            assertFinite(logits, "\(name) logits")
            let shape = network.featureMap.shape
            XCTAssertEqual([shape.height, shape.width], featureSize, name)
            XCTAssertEqual(shape.channels, configuration.featureChannels, name)

            network.store.zeroGradients()
            network.backward(dLogits: generator.normals(batch * 3), dFeatureMap: nil)
            let gradients = array(network.store.gradients, network.store.parameterCount)
            assertFinite(gradients, "\(name) gradients")
            XCTAssertGreaterThan(
                maxAbs(gradient(of: network.store.parameter(named: "conv1.weight")!)), 0, name)

            let inference = network.forwardInference(
                images: images, batch: batch, height: height, width: width)
            assertFinite(array(inference.logits, batch * 3), "\(name) eval logits")
        }
    }

    /// An empty shard (a rank with no images of the batch) runs every layer on zero-sized
    /// matrices: nothing crashes, no gradient appears and BatchNorm's state stays as it was.
    func testEmptyBatchChangesNothing() {
        for architecture in [Architecture.cifar(depth: 8), .resnet18] {
            let network = ResNet(
                NetworkConfiguration(
                    architecture: architecture, width: 4, inputChannels: 3, classes: 3), seed: 23)
            let buffers = array(network.store.bufferValues, network.store.bufferCount)
            let empty: [Float] = []
            network.forwardTraining(images: empty, batch: 0, height: 16, width: 16)
            network.store.zeroGradients()
            network.backward(dLogits: empty, dFeatureMap: nil)
            let name = architecture.name
            XCTAssertEqual(
                array(network.store.gradients, network.store.parameterCount),
                [Float](repeating: 0, count: network.store.parameterCount), name)
            XCTAssertEqual(
                array(network.store.bufferValues, network.store.bufferCount), buffers, name)
            XCTAssertTrue(network.batchCounters.allSatisfy { $0.value == 0 }, name)
            _ = network.forwardInference(images: empty, batch: 0, height: 16, width: 16)
        }
    }

    /// N×C×H×W images are read as such: image n of a batch gives the logits it gives alone.
    func testImagesAreReadBatchMajor() {
        let network = makeNetwork(inputChannels: 2, classes: 3, seed: 19)
        var generator = SeededGenerator(seed: 19)
        let (batch, size) = (3, 8)
        let perImage = 2 * size * size
        let images = generator.normals(batch * perImage)
        let together = array(
            network.forwardInference(images: images, batch: batch, height: size, width: size)
                .logits, batch * 3)
        for n in 0..<batch {
            let alone = array(
                network.forwardInference(
                    images: Array(images[(n * perImage)..<((n + 1) * perImage)]), batch: 1,
                    height: size, width: size
                ).logits, 3)
            assertClose(
                alone, Array(together[(n * 3)..<((n + 1) * 3)]), absolute: 1e-5, relative: 1e-5,
                "image \(n)")
        }
    }
}
