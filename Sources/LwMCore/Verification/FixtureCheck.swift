import Foundation

/// One compared tensor of a fixture check.
public struct TensorComparison: Sendable {
    public let name: String
    public let maxAbsoluteDifference: Double
    public let tolerance: Double
    public var passed: Bool { maxAbsoluteDifference <= tolerance }
}

/// Runs the LwM step stored in a `lwm-step-fixture/1` file (see shared/fixtures/README.md)
/// and compares every result with PyTorch's.
///
/// The tolerance of each tensor is 1e-4 + 1e-3·max|expected|: float32 in another summation
/// order cannot match float64 to the last bit, but any wrong convention misses by far more.
public struct FixtureCheck {
    public let file: SafeTensorsFile
    public let source: String

    public init(url: URL) throws {
        file = try SafeTensorsFile(contentsOf: url)
        source = url.lastPathComponent
        guard file.metadata["format"] == "lwm-step-fixture/1" else {
            throw StateError(
                "\(source): metadata 'format' is '\(file.metadata["format"] ?? "missing")', "
                    + "expected 'lwm-step-fixture/1'")
        }
    }

    private func metadata(_ key: String) throws -> String {
        guard let value = file.metadata[key] else {
            throw StateError("\(source): metadata has no '\(key)'")
        }
        return value
    }

    private func number<T: LosslessStringConvertible>(_ key: String) throws -> T {
        let text = try metadata(key)
        guard let value = T(text) ?? Double(text).flatMap({ T(String(Int($0))) }) else {
            throw StateError("\(source): metadata '\(key)' = '\(text)' is not a number")
        }
        return value
    }

    /// Builds the networks, runs the step and one SGD update, and compares.
    public func run() throws -> [TensorComparison] {
        let architecture: Architecture
        switch try metadata("arch") {
        case "cifar-resnet": architecture = .cifar(depth: try number("depth"))
        case "imagenet-resnet": architecture = .resnet18
        case let other: throw StateError("\(source): unknown arch '\(other)'")
        }
        let width: Int = try number("width")
        let inputChannels: Int = try number("in_channels")
        let baseClasses: Int = try number("base_classes")
        let classes: Int = try number("num_classes")
        let objective = Objective(
            method: .lwm, distillationWeight: try number("beta"),
            attentionWeight: try number("gamma"), temperature: try number("temperature"),
            scope: ClassificationScope(rawValue: try metadata("ce_scope")) ?? .new)
        let settings = SGDSettings(
            momentum: try number("momentum"), weightDecay: try number("weight_decay"))
        let learningRate: Float = try number("lr")

        let teacher = ResNet(
            NetworkConfiguration(
                architecture: architecture, width: width, inputChannels: inputChannels,
                classes: baseClasses), seed: 0)
        let student = ResNet(
            NetworkConfiguration(
                architecture: architecture, width: width, inputChannels: inputChannels,
                classes: classes), seed: 0)
        try teacher.load(from: file, prefix: "teacher.", source: source)
        try student.load(from: file, prefix: "student.", source: source)
        for norm in teacher.batchNorms + student.batchNorms {
            norm.momentum = try number("bn_momentum")
            norm.epsilon = try number("bn_eps")
        }

        guard let inputInfo = file.info("input"), inputInfo.shape.count == 4 else {
            throw StateError("\(source): 'input' must be a 4-D tensor N×C×H×W")
        }
        let (batch, height, width2) = (inputInfo.shape[0], inputInfo.shape[2], inputInfo.shape[3])
        let input = try file.floats("input")
        let labels = try file.int64s("labels").map { Int($0) }

        let step = LwMStep(objective: objective)
        student.store.zeroGradients()
        let losses = input.withUnsafeBufferPointer { input in
            step.run(
                student: student, teacher: teacher, images: input.baseAddress!, labels: labels,
                batch: batch, height: height, width: width2, normalizer: batch)
        }

        var results: [TensorComparison] = []
        func compare(_ name: String, _ actual: [Float]) throws {
            let expected = try file.floats(name)
            guard expected.count == actual.count else {
                throw StateError(
                    "\(source): '\(name)' has \(expected.count) values, lwm computed \(actual.count)"
                )
            }
            var difference: Double = 0
            var scale: Double = 0
            for (a, e) in zip(actual, expected) {
                difference = max(difference, abs(Double(a) - Double(e)))
                if difference.isNaN || a.isNaN { difference = .infinity }
                scale = max(scale, abs(Double(e)))
            }
            results.append(
                TensorComparison(
                    name: name, maxAbsoluteDifference: difference, tolerance: 1e-4 + 1e-3 * scale))
        }
        let spatial = step.attention.attentionClass.isEmpty ? 0 : student.featureMap.shape.spatial
        try compare(
            "expected.teacher_logits",
            Array(UnsafeBufferPointer(start: step.teacherLogits, count: batch * baseClasses)))
        try compare(
            "expected.student_logits",
            Array(UnsafeBufferPointer(start: student.logits.pointer, count: batch * classes)))
        try compare("expected.attention_class", step.attention.attentionClass.map(Float.init))
        try compare(
            "expected.teacher_cam",
            Array(
                UnsafeBufferPointer(
                    start: step.attention.teacherMap.pointer, count: batch * spatial)))
        try compare(
            "expected.student_cam",
            Array(
                UnsafeBufferPointer(
                    start: step.attention.studentMap.pointer, count: batch * spatial)))
        try compare("expected.loss.l_c", [Float(losses.classification)])
        try compare("expected.loss.l_d", [Float(losses.distillation)])
        try compare("expected.loss.l_ad", [Float(losses.attentionDistillation)])
        try compare("expected.loss.total", [Float(losses.total)])
        for tensor in student.store.parameters {
            try compare(
                "expected.grad.\(tensor.name)",
                Array(UnsafeBufferPointer(start: tensor.gradient, count: tensor.count)))
        }
        for tensor in student.store.buffers {
            try compare("expected.state.\(tensor.name)", Array(tensor.values))
        }
        for (name, value) in student.batchCounters where file.info("expected.state.\(name)") != nil
        {
            try compare("expected.state.\(name)", [Float(value)])
        }
        SGD(store: student.store, settings: settings).step(learningRate: learningRate)
        for tensor in student.store.parameters {
            try compare("expected.sgd.\(tensor.name)", Array(tensor.values))
        }
        return results
    }
}
