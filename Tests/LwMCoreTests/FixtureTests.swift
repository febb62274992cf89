import Foundation
import XCTest

@testable import LwMCore

/// Parity with PyTorch: every LwM step fixture in `../shared/fixtures`, and a synthetic step
/// for the case no fixture covers, a student map that is zero everywhere.
final class FixtureTests: XCTestCase {
    /// `../shared/fixtures` beside the package root, found from this file's path.
    private static let fixtureDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // LwMCoreTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .deletingLastPathComponent()
        .appendingPathComponent("shared/fixtures")

    private func fixtureFiles() throws -> [URL] {
        let directory = Self.fixtureDirectory
        guard FileManager.default.fileExists(atPath: directory.path) else {
            throw XCTSkip("no fixture folder at \(directory.path)")
        }
        let files = try FileManager.default.contentsOfDirectory(
            at: directory, includingPropertiesForKeys: nil
        ).filter { $0.pathExtension == "safetensors" }.sorted { $0.path < $1.path }
        guard !files.isEmpty else {
            throw XCTSkip("no *.safetensors fixtures in \(directory.path)")
        }
        return files
    }

    /// Every tensor of every fixture within 1e-4 + 1e-3·max|expected| of PyTorch's; on failure
    /// the whole per-tensor table is printed.
    func testEveryFixtureMatchesPyTorch() throws {
        for url in try fixtureFiles() {
            let comparisons = try FixtureCheck(url: url).run()
            XCTAssertGreaterThan(
                comparisons.count, 20, "\(url.lastPathComponent) compared too little")
            let failures = comparisons.filter { !$0.passed }
            guard !failures.isEmpty else { continue }
            let table = comparisons.map { comparison in
                let name = comparison.name.padding(toLength: 52, withPad: " ", startingAt: 0)
                let verdict = comparison.passed ? "PASS" : "FAIL"
                return
                    "  \(name) max|Δ| \(String(format: "%.3e", comparison.maxAbsoluteDifference))"
                    + "  tol \(String(format: "%.1e", comparison.tolerance))  \(verdict)"
            }
            XCTFail(
                "\(url.lastPathComponent): \(failures.count) of \(comparisons.count) tensors differ "
                    + "from PyTorch:\n" + table.joined(separator: "\n"))
        }
    }

    /// The checks every fixture must contain, so a fixture that silently lost a section fails.
    func testFixturesCoverEveryResult() throws {
        for url in try fixtureFiles() {
            let names = try FixtureCheck(url: url).run().map(\.name)
            for required in [
                "expected.teacher_logits", "expected.student_logits", "expected.attention_class",
                "expected.teacher_cam", "expected.student_cam", "expected.loss.l_ad",
                "expected.grad.conv1.weight", "expected.grad.fc.weight",
                "expected.state.bn1.running_var", "expected.sgd.conv1.weight",
            ] {
                XCTAssertTrue(
                    names.contains(required), "\(url.lastPathComponent) lacks \(required)")
            }
        }
    }

    /// The full step with a student head row b that is negative everywhere: A ≥ 0 after the
    /// last ReLU, so the student map is zero, its norm is clamped, and the step must stay finite
    /// with L_AD = mean ‖q̂_teacher‖₁ and no gradient from L_AD.
    func testFullStepWithAZeroStudentMapStaysFinite() {
        let test = StepCase(seed: 191)
        // The teacher prefers class 0 for every image, and its row 0 is all positive so that
        // its maps are not zero too; the student's row 0 is all negative.
        test.teacher.head.bias.value[0] += 50
        let channels = test.student.head.inputFeatures
        for k in 0..<channels {
            test.teacher.head.weight.value[k] = abs(test.teacher.head.weight.value[k]) + 0.01
            test.student.head.weight.value[k] = -abs(test.student.head.weight.value[k]) - 0.01
        }
        let store = test.student.store

        let step = LwMStep(objective: Objective(method: .lwm))
        store.zeroGradients()
        let losses = test.run(step)
        let withAttention = array(store.gradients, store.parameterCount)
        XCTAssertEqual(step.attention.attentionClass, [0, 0, 0, 0])

        for value in losses.array { XCTAssertTrue(value.isFinite, "losses \(losses)") }
        assertFinite(withAttention, "gradients")
        let spatial = test.student.featureMap.shape.spatial
        let studentMaps = array(step.attention.studentMap.pointer, test.batch * spatial)
        XCTAssertEqual(studentMaps, [Float](repeating: 0, count: studentMaps.count))
        let teacherMaps = array(step.attention.teacherMap.pointer, test.batch * spatial)
        var expected: Double = 0
        for n in 0..<test.batch {
            let map = Array(teacherMaps[(n * spatial)..<((n + 1) * spatial)])
            XCTAssertGreaterThan(maxAbs(map), 0, "teacher map of image \(n)")
            expected += normalized(map).reduce(0) { $0 + abs($1) }
        }
        XCTAssertEqual(losses.attentionDistillation, expected / Double(test.batch), accuracy: 1e-5)

        // L_AD adds nothing to any gradient: the same step without it gives the same numbers.
        store.zeroGradients()
        _ = test.run(LwMStep(objective: Objective(method: .lwm, attentionWeight: 0)))
        assertClose(
            withAttention, array(store.gradients, store.parameterCount), absolute: 1e-6,
            relative: 1e-5, "gradients with and without the zero-map L_AD")
    }
}
