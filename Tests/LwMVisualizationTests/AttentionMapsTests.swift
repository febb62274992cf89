import LwMCore
import XCTest

@testable import LwMVisualization

final class AttentionMapsTests: XCTestCase {
    /// A resnet8 of width 4 with random weights and running statistics, so BatchNorm in eval
    /// mode is not the identity.
    private func network(classes: Int, seed: UInt64) -> ResNet {
        let network = ResNet(
            NetworkConfiguration(
                architecture: Architecture(name: "resnet8")!, width: 4, inputChannels: 1,
                classes: classes),
            seed: seed)
        var generator = SeededGenerator(seed: seed &+ 100)
        for norm in network.batchNorms {
            for index in 0..<norm.runningMean.count {
                norm.runningMean.value[index] = Float.random(in: -0.2...0.2, using: &generator)
                norm.runningVariance.value[index] = Float.random(in: 0.5...1.5, using: &generator)
            }
        }
        return network
    }

    private func images(count: Int, side: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count * side * side).map { _ in Float.random(in: -1...1, using: &generator) }
    }

    /// Q[n] = ReLU(Σ_k W[b,k]·A[k,n]) / HW written out in Double over the C×N×H×W map.
    private func directMap(
        _ featureMap: [Float], shape: ActivationShape, image n: Int, row: [Float]
    ) -> [Float] {
        (0..<shape.spatial).map { i in
            var sum = 0.0
            for k in 0..<shape.channels {
                sum +=
                    Double(row[k]) * Double(featureMap[(k * shape.batch + n) * shape.spatial + i])
            }
            return Float(max(sum, 0) / Double(shape.spatial))
        }
    }

    private func headRow(_ network: ResNet, _ j: Int) -> [Float] {
        let channels = network.head.inputFeatures
        return Array(
            UnsafeBufferPointer(start: network.head.weight.value + j * channels, count: channels))
    }

    /// More images than one forward chunk, so the chunking is covered too.
    func testMapsEqualTheDirectFormula() throws {
        let (count, side) = (35, 12)
        let teacher = network(classes: 3, seed: 1)
        let student = network(classes: 5, seed: 2)
        let inputs = images(count: count, side: side, seed: 3)
        let maps = try AttentionMaps(
            teacher: teacher, student: student, images: inputs, count: count, height: side,
            width: side)
        XCTAssertEqual(maps.attentionClasses.count, count)

        // One forward of the whole batch per network, read back independently.
        let teacherOutput = teacher.forwardInference(
            images: inputs, batch: count, height: side, width: side)
        let shape = teacherOutput.shape
        XCTAssertEqual(shape, ActivationShape(channels: 16, batch: count, height: 3, width: 3))
        let teacherA = Array(
            UnsafeBufferPointer(start: teacherOutput.featureMap, count: shape.count))
        let teacherLogits = Array(
            UnsafeBufferPointer(start: teacherOutput.logits, count: count * teacher.classes))
        let studentOutput = student.forwardInference(
            images: inputs, batch: count, height: side, width: side)
        let studentA = Array(
            UnsafeBufferPointer(start: studentOutput.featureMap, count: shape.count))
        let studentLogits = Array(
            UnsafeBufferPointer(start: studentOutput.logits, count: count * student.classes))

        var studentOwnClassDiffers = false
        for n in 0..<count {
            let logits = teacherLogits[n * 3..<(n + 1) * 3]
            let b = logits.firstIndex(of: logits.max()!)! - n * 3
            XCTAssertEqual(maps.attentionClasses[n], b, "image \(n)")
            assertClose(
                maps.teacher[n].values,
                directMap(teacherA, shape: shape, image: n, row: headRow(teacher, b)),
                tolerance: 1e-5, "teacher map of image \(n)")
            assertClose(
                maps.student[n].values,
                directMap(studentA, shape: shape, image: n, row: headRow(student, b)),
                tolerance: 1e-5, "student map of image \(n)")
            XCTAssertEqual(maps.teacher[n].width, 3)

            let ownLogits = studentLogits[n * 5..<(n + 1) * 5]
            let own = ownLogits.firstIndex(of: ownLogits.max()!)! - n * 5
            XCTAssertEqual(maps.studentPredictions[n], own)
            if own != b { studentOwnClassDiffers = true }
        }
        // Otherwise the test could not tell the teacher's b from the student's own class.
        XCTAssertTrue(studentOwnClassDiffers)
    }

    /// The feature map is read channel-major: pooling it and applying the head gives the
    /// logits, which a batch-major reading would not.
    func testFeatureMapLayoutGivesTheLogits() {
        let teacher = network(classes: 3, seed: 4)
        let inputs = images(count: 4, side: 12, seed: 5)
        let output = teacher.forwardInference(images: inputs, batch: 4, height: 12, width: 12)
        let shape = output.shape
        for n in 0..<4 {
            for j in 0..<3 {
                let row = headRow(teacher, j)
                var logit = Double(teacher.head.bias.value[j])
                for k in 0..<shape.channels {
                    var mean = 0.0
                    for i in 0..<shape.spatial {
                        mean += Double(output.featureMap[(k * shape.batch + n) * shape.spatial + i])
                    }
                    logit += Double(row[k]) * mean / Double(shape.spatial)
                }
                XCTAssertEqual(Double(output.logits[n * 3 + j]), logit, accuracy: 1e-4)
            }
        }
    }

    /// The training loss computes the same unnormalised maps from the same feature maps.
    func testMapsEqualTheAttentionDistillationLossMaps() throws {
        let (count, side) = (6, 12)
        let teacher = network(classes: 3, seed: 6)
        let student = network(classes: 5, seed: 7)
        let inputs = images(count: count, side: side, seed: 8)
        let maps = try AttentionMaps(
            teacher: teacher, student: student, images: inputs, count: count, height: side,
            width: side)

        let teacherOutput = teacher.forwardInference(
            images: inputs, batch: count, height: side, width: side)
        let studentOutput = student.forwardInference(
            images: inputs, batch: count, height: side, width: side)
        let loss = AttentionDistillation()
        _ = loss(
            teacherLogits: teacherOutput.logits, baseClasses: 3,
            teacherFeatureMap: teacherOutput.featureMap, teacherHead: teacher.head,
            studentFeatureMap: studentOutput.featureMap, studentHead: student.head,
            shape: teacherOutput.shape, normalizer: count, scale: 1)

        XCTAssertEqual(loss.attentionClass, maps.attentionClasses)
        let spatial = teacherOutput.shape.spatial
        assertClose(
            maps.teacher.flatMap(\.values),
            Array(UnsafeBufferPointer(start: loss.teacherMap.pointer, count: count * spatial)),
            tolerance: 1e-5, "teacher maps")
        assertClose(
            maps.student.flatMap(\.values),
            Array(UnsafeBufferPointer(start: loss.studentMap.pointer, count: count * spatial)),
            tolerance: 1e-5, "student maps")
    }

    func testATeacherWithMoreClassesIsAnError() {
        let teacher = network(classes: 5, seed: 1)
        let student = network(classes: 3, seed: 2)
        XCTAssertThrowsError(
            try AttentionMaps(
                teacher: teacher, student: student, images: images(count: 1, side: 8, seed: 1),
                count: 1, height: 8, width: 8)
        ) { error in
            XCTAssertTrue("\(error)".contains("pass the model of the earlier task"), "\(error)")
        }
    }
}
