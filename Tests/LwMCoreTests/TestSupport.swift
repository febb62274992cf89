import Foundation
import XCTest

@testable import LwMCore

// Shared helpers of the core tests: a tolerance assertion that names the worst element, seeded
// random tensors, a finite-difference gradient check, and small constructors for layers and
// networks. Activations in these tests are C×N×H×W like the core's, images N×C×H×W.

// MARK: - Tolerances

/// Asserts that `actual` matches `expected` element by element within
/// `absolute + relative·max|expected|`, the fixtures' per-tensor convention.
///
/// On failure the message names the tensor, its largest |Δ|, where it occurs and both values
/// there, so a failing test says how far off it is rather than only that it is.
func assertClose(
    _ actual: [Float], _ expected: [Float], absolute: Float = 0, relative: Float = 0,
    _ name: String, file: StaticString = #filePath, line: UInt = #line
) {
    guard actual.count == expected.count else {
        XCTFail(
            "\(name): \(actual.count) values, expected \(expected.count)", file: file, line: line)
        return
    }
    guard !actual.isEmpty else { return }
    var worst: Float = 0
    var worstIndex = 0
    var scale: Float = 0
    for (index, (a, e)) in zip(actual, expected).enumerated() {
        scale = max(scale, abs(e))
        let difference = a.isNaN || e.isNaN ? Float.infinity : abs(a - e)
        if difference > worst || index == 0 {
            worst = difference
            worstIndex = index
        }
    }
    let tolerance = absolute + relative * scale
    if !(worst <= tolerance) {
        XCTFail(
            "\(name): max|Δ| = \(worst) at index \(worstIndex) (actual \(actual[worstIndex]), "
                + "expected \(expected[worstIndex])) exceeds tolerance \(tolerance) "
                + "over \(actual.count) values", file: file, line: line)
    }
}

/// Asserts that every value is finite, naming the first that is not.
func assertFinite(
    _ values: [Float], _ name: String, file: StaticString = #filePath, line: UInt = #line
) {
    if let index = values.firstIndex(where: { !$0.isFinite }) {
        XCTFail(
            "\(name): value \(values[index]) at index \(index) is not finite", file: file,
            line: line)
    }
}

/// The largest |x| of a tensor.
func maxAbs(_ values: [Float]) -> Float { values.reduce(0) { max($0, abs($1)) } }

// MARK: - Random tensors

extension SeededGenerator {
    /// `count` standard normal samples.
    mutating func normals(_ count: Int, scale: Float = 1) -> [Float] {
        (0..<count).map { _ in scale * Float(nextNormal()) }
    }

    /// `count` uniform samples in `range`.
    mutating func uniforms(_ count: Int, in range: ClosedRange<Float>) -> [Float] {
        (0..<count).map { _ in
            range.lowerBound + (range.upperBound - range.lowerBound) * nextUnitFloat()
        }
    }

    /// `count` values of magnitude in [low, high] with random signs: bounded away from zero,
    /// which keeps a ReLU's kink out of reach of a finite-difference step.
    mutating func awayFromZero(_ count: Int, low: Float = 0.5, high: Float = 1.5) -> [Float] {
        (0..<count).map { _ in
            let magnitude = low + (high - low) * nextUnitFloat()
            return next() & 1 == 0 ? magnitude : -magnitude
        }
    }

    /// `count` labels in `range`.
    mutating func labels(_ count: Int, in range: Range<Int>) -> [Int] {
        (0..<count).map { _ in Int.random(in: range, using: &self) }
    }
}

// MARK: - Buffers

/// A FloatBuffer holding `values`.
func makeBuffer(_ values: [Float]) -> FloatBuffer {
    let buffer = FloatBuffer(capacity: values.count)
    buffer.pointer.update(from: values, count: values.count)
    return buffer
}

/// The first `count` floats at `pointer`.
func array(_ pointer: UnsafePointer<Float>, _ count: Int) -> [Float] {
    Array(UnsafeBufferPointer(start: pointer, count: count))
}

/// Σ r·y in Double: the scalar loss that every layer check differentiates.
func weightedSum(_ y: UnsafePointer<Float>, _ r: [Float]) -> Double {
    var total: Double = 0
    for i in 0..<r.count { total += Double(r[i]) * Double(y[i]) }
    return total
}

// MARK: - Finite differences

/// Checks an analytic gradient against central finite differences of `loss`.
///
/// `values` (`count` floats, perturbed in place and restored) are the inputs of `loss`, and
/// `analytic` is the claimed ∂loss/∂values. Along each of `directions` random directions v with
/// N(0,1) entries, (loss(x + h·v) − loss(x − h·v))/2h must match Σ analytic·v; the same holds for
/// the coordinate of the largest analytic gradient and `coordinates` random coordinates. The
/// relative error is |fd − analytic| / max(|fd|, |analytic|, floor), where the floor follows
/// the gradient's scale (5% of ‖g‖₂ for directions, 1% of max|g| for coordinates): a direction
/// nearly orthogonal to g, or a coordinate with a tiny gradient, is judged on the tensor's scale
/// rather than its own. A single coordinate moves the loss far less than a direction does, so
/// float32 rounding of the loss weighs more in its difference quotient: it gets the looser
/// `coordinateTolerance`, which still catches any wrong factor or sign, and may take a larger
/// `coordinateStep`. Failures report the relative error of each direction and coordinate.
func checkGradient(
    _ name: String, values: UnsafeMutablePointer<Float>, count: Int, analytic: [Float],
    step: Float = 1e-2, directions: Int = 3, coordinates: Int = 3, tolerance: Double = 1e-3,
    coordinateTolerance: Double = 1e-2, coordinateStep: Float? = nil, seed: UInt64 = 1,
    file: StaticString = #filePath, line: UInt = #line,
    loss: () -> Double
) {
    precondition(
        analytic.count == count, "\(name): gradient has \(analytic.count) values, not \(count)")
    var generator = SeededGenerator(seed: seed, stream: [0xFD])
    let original = array(values, count)
    let norm = analytic.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
    let largest = Double(maxAbs(analytic))

    func centralDifference(_ direction: (Int) -> Float, indices: [Int], step: Float) -> Double {
        for i in indices { values[i] = original[i] + step * direction(i) }
        let plus = loss()
        for i in indices { values[i] = original[i] - step * direction(i) }
        let minus = loss()
        for i in indices { values[i] = original[i] }
        return (plus - minus) / (2 * Double(step))
    }

    for d in 0..<directions {
        let v = generator.normals(count)
        let numeric = centralDifference({ v[$0] }, indices: Array(0..<count), step: step)
        var exact: Double = 0
        for i in 0..<count { exact += Double(analytic[i]) * Double(v[i]) }
        let error = abs(numeric - exact) / max(abs(numeric), abs(exact), 0.05 * norm, 1e-12)
        if !(error <= tolerance) {
            XCTFail(
                "\(name): direction \(d): finite difference \(numeric) vs analytic \(exact), "
                    + "relative error \(error) > \(tolerance)", file: file, line: line)
        }
    }

    let largestIndex = analytic.indices.max { abs(analytic[$0]) < abs(analytic[$1]) } ?? 0
    var indices = [largestIndex]
    indices += (0..<coordinates).map { _ in Int.random(in: 0..<count, using: &generator) }
    for index in indices {
        let numeric = centralDifference({ _ in 1 }, indices: [index], step: coordinateStep ?? step)
        let exact = Double(analytic[index])
        let error = abs(numeric - exact) / max(abs(numeric), abs(exact), 0.01 * largest, 1e-12)
        if !(error <= max(tolerance, coordinateTolerance)) {
            XCTFail(
                "\(name)[\(index)]: finite difference \(numeric) vs analytic \(exact), "
                    + "relative error \(error) > \(max(tolerance, coordinateTolerance))",
                file: file, line: line)
        }
    }
}

/// The finite-difference check of a parameter's gradient: see
/// ``checkGradient(_:values:count:analytic:step:directions:coordinates:tolerance:coordinateTolerance:coordinateStep:seed:file:line:loss:)``.
func checkGradient(
    of tensor: NamedTensor, analytic: [Float], step: Float = 1e-2, directions: Int = 3,
    tolerance: Double = 1e-3, coordinateTolerance: Double = 1e-2, coordinateStep: Float? = nil,
    seed: UInt64 = 1, file: StaticString = #filePath, line: UInt = #line, loss: () -> Double
) {
    checkGradient(
        tensor.name, values: tensor.value, count: tensor.count, analytic: analytic, step: step,
        directions: directions, tolerance: tolerance, coordinateTolerance: coordinateTolerance,
        coordinateStep: coordinateStep, seed: seed, file: file, line: line, loss: loss)
}

/// The gradient of a parameter as an array: its Double accumulator, rounded. Layers add into
/// the accumulator; only a whole network's backward rounds it into `NamedTensor.gradient`.
func gradient(of tensor: NamedTensor) -> [Float] {
    (0..<tensor.count).map { Float(tensor.gradientSum[$0]) }
}

// MARK: - Layouts

/// The planes of image `n` of a C×N×H×W tensor, as a C×1×H×W tensor.
func image(_ n: Int, of values: [Float], shape: ActivationShape) -> [Float] {
    var result: [Float] = []
    result.reserveCapacity(shape.channels * shape.spatial)
    for c in 0..<shape.channels {
        let start = (c * shape.batch + n) * shape.spatial
        result += values[start..<(start + shape.spatial)]
    }
    return result
}

// MARK: - Networks

/// A small CIFAR ResNet (resnet8, width 4 by default) for step-level tests.
func makeNetwork(
    depth: Int = 8, width: Int = 4, inputChannels: Int = 3, classes: Int, seed: UInt64
) -> ResNet {
    ResNet(
        NetworkConfiguration(
            architecture: .cifar(depth: depth), width: width, inputChannels: inputChannels,
            classes: classes), seed: seed)
}

/// Gives a teacher realistic running statistics: a few train-mode forwards of random batches
/// with momentum 0.5, then momentum back to PyTorch's 0.1.
func warmUpRunningStatistics(_ network: ResNet, batch: Int, height: Int, width: Int, seed: UInt64) {
    var generator = SeededGenerator(seed: seed, stream: [0x57A7])
    for norm in network.batchNorms { norm.momentum = 0.5 }
    for _ in 0..<3 {
        let images = generator.normals(batch * network.configuration.inputChannels * height * width)
        network.forwardTraining(images: images, batch: batch, height: height, width: width)
    }
    for norm in network.batchNorms { norm.momentum = 0.1 }
}

/// The CAM of one image computed directly from the definition, Q = ReLU(Σ_k W[b,k]·A_k)/HW,
/// in Double: the reference every attention test compares with.
func referenceCAM(
    featureMap: [Float], shape: ActivationShape, image n: Int, row: [Float]
) -> [Float] {
    (0..<shape.spatial).map { i in
        var p: Double = 0
        for k in 0..<shape.channels {
            p += Double(row[k]) * Double(featureMap[(k * shape.batch + n) * shape.spatial + i])
        }
        return Float(max(p, 0) / Double(shape.spatial))
    }
}

/// Row `b` of a J×C head weight.
func headRow(_ head: Linear, _ b: Int) -> [Float] {
    array(head.weight.value + b * head.inputFeatures, head.inputFeatures)
}

/// L2-normalised copy of `map` with the core's ε = 1e-12.
func normalized(_ map: [Float]) -> [Double] {
    let norm = max(map.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot(), 1e-12)
    return map.map { Double($0) / norm }
}

/// Overwrites the values of a parameter or buffer.
func set(_ tensor: NamedTensor, _ values: [Float]) {
    precondition(values.count == tensor.count, "\(tensor.name) has \(tensor.count) values")
    tensor.value.update(from: values, count: values.count)
}

// MARK: - Shared cases

/// Two heads and two feature maps for L_AD, drawn so that no ReLU of the student's map and
/// no |q̂t − q̂s| sits within a finite-difference step of its kink.
struct AttentionCase {
    let shape = ActivationShape(channels: 4, batch: 3, height: 3, width: 3)
    let base = 3
    let teacherStore = ParameterStore()
    let studentStore = ParameterStore()
    let teacherHead: Linear
    let studentHead: Linear
    let teacherLogits: [Float]
    var teacherFeatureMap: [Float]
    let studentFeatureMap: FloatBuffer

    /// `classes`, when given, forces the teacher's top class of each image.
    init(seed: UInt64, classes: [Int]? = nil) {
        teacherHead = Linear(
            "fc", store: teacherStore, inputFeatures: shape.channels, outputFeatures: base)
        studentHead = Linear(
            "fc", store: studentStore, inputFeatures: shape.channels, outputFeatures: 5)
        teacherStore.allocate(seed: seed)
        studentStore.allocate(seed: seed + 1000)
        var generator = SeededGenerator(seed: seed, stream: [0xAD])
        var logits = generator.normals(shape.batch * base)
        if let classes {
            for n in 0..<shape.batch { logits[n * base + classes[n]] += 10 }
        }
        teacherLogits = logits
        teacherFeatureMap = generator.uniforms(shape.count, in: 0...2)
        studentFeatureMap = makeBuffer(generator.normals(shape.count))
    }

    func attentionClass(_ n: Int) -> Int {
        let row = teacherLogits[(n * base)..<((n + 1) * base)]
        return row.indices.max { row[$0] < row[$1] }! - n * base
    }

    /// Smallest |P| of the student's map, smallest nonzero |q̂t − q̂s|, and the fewest positive
    /// entries of any one map.
    var margins: (preActivation: Double, difference: Double, positive: Int) {
        var smallestP = Double.infinity
        var smallestDifference = Double.infinity
        var fewestPositive = Int.max
        let a = array(studentFeatureMap.pointer, shape.count)
        for n in 0..<shape.batch {
            let b = attentionClass(n)
            let qt = normalized(
                referenceCAM(
                    featureMap: teacherFeatureMap, shape: shape, image: n,
                    row: headRow(teacherHead, b)))
            let studentRow = headRow(studentHead, b)
            let qs = normalized(
                referenceCAM(featureMap: a, shape: shape, image: n, row: studentRow))
            fewestPositive = min(
                fewestPositive, qt.filter { $0 > 0 }.count, qs.filter { $0 > 0 }.count)
            for i in 0..<shape.spatial {
                var p: Double = 0
                for k in 0..<shape.channels {
                    p +=
                        Double(studentRow[k]) * Double(a[(k * shape.batch + n) * shape.spatial + i])
                }
                smallestP = min(smallestP, abs(p))
                if qt[i] != 0 || qs[i] != 0 {
                    smallestDifference = min(smallestDifference, abs(qt[i] - qs[i]))
                }
            }
        }
        return (smallestP, smallestDifference, fewestPositive)
    }

    /// The first case from `seed` on whose margins are comfortable and whose maps each have at
    /// least two positive entries.
    static func wellSeparated(from seed: UInt64, classes: [Int]? = nil) -> AttentionCase {
        var seed = seed
        while true {
            let candidate = AttentionCase(seed: seed, classes: classes)
            let margins = candidate.margins
            if margins.preActivation > 0.05 && margins.difference > 0.02 && margins.positive >= 2 {
                return candidate
            }
            seed += 1
        }
    }

    /// Checks dL_AD/dA and dL_AD/dW against finite differences. The step of 1e-3 stays inside
    /// the margins; the loss, about 1 in float32, then carries rounding of about 5e-5 in each
    /// difference quotient against derivatives of a few 1e-2, hence the 0.3% tolerance.
    func checkGradients(
        _ attention: AttentionDistillation, dA: [Float], dW: [Float], _ name: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        checkGradient(
            "\(name) dA", values: studentFeatureMap.pointer, count: shape.count, analytic: dA,
            step: 1e-3, tolerance: 3e-3, coordinateStep: 1e-2, file: file, line: line
        ) { loss(attention) }
        checkGradient(
            "\(name) dW", values: studentHead.weight.value, count: studentHead.weight.count,
            analytic: dW, step: 1e-3, tolerance: 3e-3, coordinateStep: 1e-2, file: file, line: line
        ) { loss(attention) }
    }

    func loss(_ attention: AttentionDistillation, scale: Float = 1) -> Double {
        attention(
            teacherLogits: teacherLogits, baseClasses: base, teacherFeatureMap: teacherFeatureMap,
            teacherHead: teacherHead, studentFeatureMap: studentFeatureMap.pointer,
            studentHead: studentHead, shape: shape, normalizer: shape.batch, scale: scale)
    }
}

/// A teacher with warmed-up running statistics and a student grown from it and moved a
/// little, so that the two differ; resnet8, width 4, 8×8 images, batch 4.
///
/// Such a net is full of ReLU kinks: along a random direction in conv1.weight alone they lie
/// about 5e-5 apart, and each bends L_AD's slope by up to its own size. `smooth` sets every
/// BatchNorm bias of the student to 3, so that nearly every ReLU is active and the nearest kink
/// is some 1e-2 away: the loss is then smooth at the scale of a finite-difference step.
struct StepCase {
    let teacher: ResNet
    let student: ResNet
    let images: [Float]
    let labels: [Int]
    let batch = 4
    let size = 8

    init(seed: UInt64, base: Int = 3, classes: Int = 5, smooth: Bool = false) {
        teacher = makeNetwork(classes: base, seed: seed)
        warmUpRunningStatistics(teacher, batch: 4, height: 8, width: 8, seed: seed)
        student = teacher.growingHead(to: classes, seed: seed + 1)
        var generator = SeededGenerator(seed: seed, stream: [0x57E9])
        let noise = generator.normals(student.store.parameterCount, scale: 0.05)
        for i in 0..<noise.count { student.store.values[i] += noise[i] }
        if smooth {
            for norm in student.batchNorms { norm.bias.values.update(repeating: 3) }
        }
        images = generator.normals(batch * 3 * size * size)
        labels = generator.labels(batch, in: base..<classes)
    }

    func run(_ step: LwMStep) -> LossValues {
        step.run(
            student: student, teacher: teacher, images: images, labels: labels, batch: batch,
            height: size, width: size, normalizer: batch)
    }
}
