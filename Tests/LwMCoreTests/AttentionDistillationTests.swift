import XCTest

@testable import LwMCore

/// One test per "known way to get it wrong" in method.md; each fails when its bug is planted
/// in the core. Feature maps are C×N×H×W, maps N×(H·W).
final class AttentionDistillationTests: XCTestCase {
    /// The maps of the last step, image by image.
    private func maps(_ buffer: FloatBuffer, batch: Int, spatial: Int) -> [[Float]] {
        (0..<batch).map { array(buffer.pointer + $0 * spatial, spatial) }
    }

    // MARK: - Detached maps

    /// L_AD must reach the first convolution: with β = 0, γ = 1 the part of conv1.weight's
    /// gradient that L_AD contributes is non-zero and matches finite differences of L_AD.
    /// The student is in its smooth regime (see ``StepCase``), where a step of 1e-3 crosses no
    /// ReLU kink.
    func testAttentionLossKeepsItsGradientDownToTheFirstConvolution() {
        for method in [Method.classificationAndAttention, .lwm] {
            let test = StepCase(seed: 111, smooth: true)
            let store = test.student.store
            let conv1 = store.parameter(named: "conv1.weight")!
            func conv1Gradient(attentionWeight: Float) -> [Float] {
                let step = LwMStep(
                    objective: Objective(
                        method: method, distillationWeight: 0, attentionWeight: attentionWeight))
                store.zeroGradients()
                _ = test.run(step)
                return gradient(of: conv1)
            }
            let withAttention = conv1Gradient(attentionWeight: 1)
            let without = conv1Gradient(attentionWeight: 0)
            let attentionPart = zip(withAttention, without).map { $0 - $1 }
            XCTAssertGreaterThan(
                maxAbs(attentionPart), 0.05 * maxAbs(without),
                "\(method): L_AD adds nothing to conv1.weight's gradient: the maps are detached")

            // The same part through the network's own backward with zero dLogits.
            let attention = AttentionDistillation()
            let teacher = test.teacher.forwardInference(
                images: test.images, batch: 4, height: 8, width: 8)
            test.student.forwardTraining(images: test.images, batch: 4, height: 8, width: 8)
            store.zeroGradients()
            let featureMap = test.student.featureMap
            _ = attention(
                teacherLogits: teacher.logits, baseClasses: 3,
                teacherFeatureMap: teacher.featureMap,
                teacherHead: test.teacher.head, studentFeatureMap: featureMap.pointer,
                studentHead: test.student.head, shape: featureMap.shape, normalizer: 4, scale: 1)
            let zeros = [Float](repeating: 0, count: 4 * test.student.classes)
            test.student.backward(dLogits: zeros, dFeatureMap: attention.dFeatureMap.pointer)
            assertClose(
                gradient(of: conv1), attentionPart, absolute: 1e-6, relative: 1e-4,
                "\(method): conv1.weight gradient of L_AD alone")

            let step = LwMStep(objective: Objective(method: method, distillationWeight: 0))
            checkGradient(
                of: conv1, analytic: attentionPart, step: 1e-3, directions: 4, tolerance: 1e-2,
                coordinateStep: 1e-2
            ) { test.run(step).attentionDistillation }
        }
    }

    // MARK: - α times activations

    /// The map is Grad-CAM with α_k = mean over H×W of ∂s_b/∂A_k — obtained here from the head's
    /// own backward with a one-hot dLogits — multiplied by the activations A_k, not by the
    /// gradients; the closed form Q = ReLU(Σ_k W[b,k]·A_k)/HW gives the same.
    func testMapMultipliesAlphaWithActivations() {
        let test = StepCase(seed: 121)
        let step = LwMStep(objective: Objective(method: .lwm))
        _ = test.run(step)
        let featureMap = test.student.featureMap
        let shape = featureMap.shape
        let a = array(featureMap.pointer, shape.count)
        let studentMaps = maps(
            step.attention.studentMap, batch: shape.batch, spatial: shape.spatial)
        let classes = test.student.classes

        // ∂s_b/∂A for every image at once: one-hot dLogits through the head and the pool.
        let dLogits = (0..<(shape.batch * classes)).map { index -> Float in
            index % classes == step.attention.attentionClass[index / classes] ? 1 : 0
        }
        let dFeatures = FloatBuffer(capacity: shape.channels * shape.batch)
        let features = FloatBuffer(capacity: shape.channels * shape.batch)
        GlobalAveragePool.forward(
            input: featureMap.pointer, shape: shape, features: features.pointer)
        test.student.head.backward(
            features: features.pointer, batch: shape.batch, dLogits: dLogits,
            dFeatures: dFeatures.pointer)
        let dScore = FloatBuffer(capacity: shape.count)
        GlobalAveragePool.backward(
            dFeatures: dFeatures.pointer, shape: shape, dInput: dScore.pointer)

        for n in 0..<shape.batch {
            var gradCAM = [Double](repeating: 0, count: shape.spatial)
            for k in 0..<shape.channels {
                let plane = (k * shape.batch + n) * shape.spatial
                let alpha =
                    (0..<shape.spatial).reduce(0.0) { $0 + Double(dScore.pointer[plane + $1]) }
                    / Double(shape.spatial)
                for i in 0..<shape.spatial { gradCAM[i] += alpha * Double(a[plane + i]) }
            }
            assertClose(
                studentMaps[n], gradCAM.map { Float(max($0, 0)) }, absolute: 1e-7, relative: 1e-5,
                "Grad-CAM of image \(n)")
            let b = step.attention.attentionClass[n]
            assertClose(
                studentMaps[n],
                referenceCAM(
                    featureMap: a, shape: shape, image: n, row: headRow(test.student.head, b)),
                absolute: 1e-7, relative: 1e-5, "closed-form CAM of image \(n)")
        }
        // α times the gradients would give a map that is the same at every position.
        let varies = studentMaps.contains { map in map.contains { $0 != map[0] } }
        XCTAssertTrue(varies, "the maps should vary over H×W")

        let teacherOutput = test.teacher.forwardInference(
            images: test.images, batch: 4, height: 8, width: 8)
        let teacherA = array(teacherOutput.featureMap, shape.count)
        let teacherMaps = maps(
            step.attention.teacherMap, batch: shape.batch, spatial: shape.spatial)
        for n in 0..<shape.batch {
            let b = step.attention.attentionClass[n]
            assertClose(
                teacherMaps[n],
                referenceCAM(
                    featureMap: teacherA, shape: shape, image: n, row: headRow(test.teacher.head, b)
                ),
                absolute: 1e-7, relative: 1e-5, "teacher CAM of image \(n)")
        }
    }

    // MARK: - No B×B mixing

    /// Each image's map depends on that image's A alone and on its own class b.
    func testMapsDoNotMixImages() {
        let classes = [2, 0, 1]
        let test = AttentionCase.wellSeparated(from: 131, classes: classes)
        let attention = AttentionDistillation()
        let (batch, spatial) = (test.shape.batch, test.shape.spatial)
        _ = test.loss(attention)
        XCTAssertEqual(attention.attentionClass, classes)
        let studentBefore = maps(attention.studentMap, batch: batch, spatial: spatial)
        let teacherBefore = maps(attention.teacherMap, batch: batch, spatial: spatial)
        let gradientBefore = (0..<batch).map {
            image($0, of: array(attention.dFeatureMap.pointer, test.shape.count), shape: test.shape)
        }

        let a = array(test.studentFeatureMap.pointer, test.shape.count)
        for n in 0..<batch {
            let own = referenceCAM(
                featureMap: a, shape: test.shape, image: n,
                row: headRow(test.studentHead, classes[n]))
            assertClose(
                studentBefore[n], own, absolute: 1e-7, relative: 1e-5,
                "map of image \(n) with its own b")
            let other = referenceCAM(
                featureMap: a, shape: test.shape, image: n,
                row: headRow(test.studentHead, classes[(n + 1) % batch]))
            XCTAssertGreaterThan(
                zip(studentBefore[n], other).map { abs($0 - $1) }.max()!, 1e-3,
                "image \(n)'s map must not be built from another image's class")
        }

        // Perturb image 1's planes of both feature maps: only image 1's maps and gradient move.
        // The student's planes move along W[b] so that its map (possibly all zero) grows.
        var perturbed = test
        let row = headRow(test.studentHead, classes[1])
        for k in 0..<test.shape.channels {
            let plane = (k * batch + 1) * spatial
            for i in 0..<spatial {
                perturbed.studentFeatureMap.pointer[plane + i] += row[k] * (1 + 0.2 * Float(i))
                perturbed.teacherFeatureMap[plane + i] *= 1.5 - 0.1 * Float(i)
            }
        }
        _ = perturbed.loss(attention)
        let studentAfter = maps(attention.studentMap, batch: batch, spatial: spatial)
        let teacherAfter = maps(attention.teacherMap, batch: batch, spatial: spatial)
        let gradientAfter = (0..<batch).map {
            image($0, of: array(attention.dFeatureMap.pointer, test.shape.count), shape: test.shape)
        }
        for n in [0, 2] {
            XCTAssertEqual(studentAfter[n], studentBefore[n], "student map of image \(n)")
            XCTAssertEqual(teacherAfter[n], teacherBefore[n], "teacher map of image \(n)")
            XCTAssertEqual(gradientAfter[n], gradientBefore[n], "dA of image \(n)")
        }
        XCTAssertNotEqual(studentAfter[1], studentBefore[1])
        XCTAssertNotEqual(teacherAfter[1], teacherBefore[1])
    }

    // MARK: - The teacher's b

    /// The student's own top class differs from the teacher's for every image; both maps use
    /// the teacher's b.
    func testBothMapsUseTheTeachersClass() {
        let test = StepCase(seed: 141)
        // Teacher: class 0 on top for every image; student: class 1.
        test.teacher.head.bias.value[0] += 50
        test.student.head.bias.value[1] += 100
        let step = LwMStep(objective: Objective(method: .lwm))
        _ = test.run(step)

        let base = test.teacher.classes
        let classes = test.student.classes
        let teacherLogits = array(step.teacherLogits!, test.batch * base)
        let studentLogits = array(test.student.logits.pointer, test.batch * classes)
        for n in 0..<test.batch {
            let teacherRow = Array(teacherLogits[(n * base)..<((n + 1) * base)])
            let studentRow = Array(studentLogits[(n * classes)..<(n * classes + base)])
            XCTAssertEqual(teacherRow.firstIndex(of: teacherRow.max()!), 0)
            XCTAssertEqual(studentRow.firstIndex(of: studentRow.max()!), 1)
        }
        XCTAssertEqual(step.attention.attentionClass, [0, 0, 0, 0])

        let featureMap = test.student.featureMap
        let a = array(featureMap.pointer, featureMap.shape.count)
        let studentMaps = maps(
            step.attention.studentMap, batch: test.batch, spatial: featureMap.shape.spatial)
        for n in 0..<test.batch {
            let withTeachers = referenceCAM(
                featureMap: a, shape: featureMap.shape, image: n, row: headRow(test.student.head, 0)
            )
            let withOwn = referenceCAM(
                featureMap: a, shape: featureMap.shape, image: n, row: headRow(test.student.head, 1)
            )
            assertClose(
                studentMaps[n], withTeachers, absolute: 1e-7, relative: 1e-5,
                "student map of image \(n)")
            XCTAssertGreaterThan(
                zip(studentMaps[n], withOwn).map { abs($0 - $1) }.max()!, 1e-4,
                "image \(n): the student map must not use the student's top class")
        }
    }

    // MARK: - L2 normalisation

    /// A positive scale of either feature map leaves L_AD unchanged and divides dA by it.
    func testLossIsInvariantToTheScaleOfTheMaps() {
        let test = AttentionCase.wellSeparated(from: 151)
        let attention = AttentionDistillation()
        let count = test.shape.count
        let value = test.loss(attention)
        let dA = array(attention.dFeatureMap.pointer, count)

        var scaled = test
        for i in 0..<count { scaled.studentFeatureMap.pointer[i] *= 8 }
        for i in 0..<count { scaled.teacherFeatureMap[i] *= 0.125 }
        XCTAssertEqual(scaled.loss(attention), value, accuracy: 1e-6, "L_AD after scaling A")
        assertClose(
            array(attention.dFeatureMap.pointer, count), dA.map { $0 / 8 }, absolute: 1e-7,
            relative: 1e-5, "dA after scaling the student's A by 8")
    }

    /// A student map that is zero everywhere (row b negative, A ≥ 0): L_AD = ‖q̂_teacher‖₁ and
    /// zero gradients, no NaN from dividing by a zero norm.
    func testZeroStudentMapGivesFiniteLossAndZeroGradient() {
        let test = AttentionCase(seed: 161, classes: [2, 2, 2])
        let count = test.shape.count
        for i in 0..<count {
            test.studentFeatureMap.pointer[i] = abs(test.studentFeatureMap.pointer[i])
        }
        for k in 0..<test.shape.channels {
            let w = test.studentHead.weight.value + 2 * test.shape.channels + k
            w.pointee = -abs(w.pointee) - 0.01
        }
        let attention = AttentionDistillation()
        test.studentStore.zeroGradients()
        let value = test.loss(attention)

        let studentMaps = array(attention.studentMap.pointer, test.shape.batch * test.shape.spatial)
        XCTAssertEqual(studentMaps, [Float](repeating: 0, count: studentMaps.count))
        var expected: Double = 0
        for n in 0..<test.shape.batch {
            let qt = normalized(
                referenceCAM(
                    featureMap: test.teacherFeatureMap, shape: test.shape, image: n,
                    row: headRow(test.teacherHead, 2)))
            expected += qt.reduce(0) { $0 + abs($1) }
        }
        XCTAssertTrue(value.isFinite)
        XCTAssertEqual(value, expected / Double(test.shape.batch), accuracy: 1e-6)
        XCTAssertEqual(
            array(attention.dFeatureMap.pointer, count), [Float](repeating: 0, count: count))
        XCTAssertEqual(
            gradient(of: test.studentHead.weight),
            [Float](repeating: 0, count: test.studentHead.weight.count))
    }

    /// A teacher map that is zero everywhere: L_AD = ‖q̂_student‖₁, with finite gradients that
    /// match finite differences.
    func testZeroTeacherMapGivesFiniteLossAndGradient() {
        var test = AttentionCase.wellSeparated(from: 171, classes: [0, 0, 0])
        test.teacherFeatureMap = test.teacherFeatureMap.map(abs)
        for k in 0..<test.shape.channels {
            test.teacherHead.weight.value[k] = -abs(test.teacherHead.weight.value[k]) - 0.01
        }
        let attention = AttentionDistillation()
        test.studentStore.zeroGradients()
        let value = test.loss(attention)
        let dA = array(attention.dFeatureMap.pointer, test.shape.count)
        let dW = gradient(of: test.studentHead.weight)

        let a = array(test.studentFeatureMap.pointer, test.shape.count)
        var expected: Double = 0
        for n in 0..<test.shape.batch {
            let qs = normalized(
                referenceCAM(
                    featureMap: a, shape: test.shape, image: n, row: headRow(test.studentHead, 0)))
            expected += qs.reduce(0) { $0 + abs($1) }
        }
        XCTAssertEqual(value, expected / Double(test.shape.batch), accuracy: 1e-6)
        assertFinite(dA, "dA")
        XCTAssertGreaterThan(maxAbs(dA), 0)
        test.checkGradients(attention, dA: dA, dW: dW, "L_AD with a zero teacher map")
    }

    // MARK: - The training forward's map

    /// The student's map is the CAM of the train-mode forward's A — the forward that is
    /// differentiated — not of an eval-mode pass, which differs while BatchNorm's running
    /// statistics differ from the batch's.
    func testStudentMapComesFromTheTrainingForward() {
        let test = StepCase(seed: 181)
        let step = LwMStep(objective: Objective(method: .classificationAndAttention))
        _ = test.run(step)
        let featureMap = test.student.featureMap
        let shape = featureMap.shape
        let trainA = array(featureMap.pointer, shape.count)
        let studentMaps = maps(
            step.attention.studentMap, batch: shape.batch, spatial: shape.spatial)

        let eval = test.student.forwardInference(images: test.images, batch: 4, height: 8, width: 8)
        let evalA = array(eval.featureMap, shape.count)
        var largestDifference: Float = 0
        for n in 0..<shape.batch {
            let row = headRow(test.student.head, step.attention.attentionClass[n])
            let train = referenceCAM(featureMap: trainA, shape: shape, image: n, row: row)
            let evalMap = referenceCAM(featureMap: evalA, shape: shape, image: n, row: row)
            assertClose(
                studentMaps[n], train, absolute: 1e-7, relative: 1e-5,
                "train-mode CAM of image \(n)")
            largestDifference = max(
                largestDifference, zip(studentMaps[n], evalMap).map { abs($0 - $1) }.max()!)
        }
        let scale = maxAbs(studentMaps.flatMap { $0 })
        XCTAssertGreaterThan(
            largestDifference, 0.01 * scale,
            "the eval-mode map should differ here; otherwise this test proves nothing")
    }
}
