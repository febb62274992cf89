import XCTest

@testable import LwMCore

/// SGD against trajectories worked out by hand with torch.optim.SGD's update (dampening 0),
/// and the learning-rate schedules against PyTorch's MultiStepLR and CosineAnnealingLR.
final class OptimizerTests: XCTestCase {
    // MARK: - SGD

    /// Gradients of the three steps, for w = [1, −2] split over two tensors (`a`, `b`).
    private let stepGradients: [[Float]] = [[0.5, 0.25], [-0.25, 1.0], [1.0, -0.5]]

    /// Runs three SGD steps at lr 0.1 and returns w after each.
    private func trajectory(_ settings: SGDSettings) -> [[Float]] {
        let store = ParameterStore()
        let a = store.registerParameter("a", shape: [1], initializer: .constant(1))
        let b = store.registerParameter("b", shape: [1], initializer: .constant(-2))
        store.allocate(seed: 0)
        let sgd = SGD(store: store, settings: settings)
        var result: [[Float]] = []
        for gradients in stepGradients {
            store.zeroGradients()
            a.gradient[0] = gradients[0]
            b.gradient[0] = gradients[1]
            sgd.step(learningRate: 0.1)
            result.append([a.value[0], b.value[0]])
            // The step reads the gradients and leaves them alone.
            XCTAssertEqual(array(store.gradients, 2), gradients)
        }
        return result
    }

    private func assertTrajectory(
        _ settings: SGDSettings, _ expected: [[Float]], file: StaticString = #filePath,
        line: UInt = #line
    ) {
        for (step, (actual, expected)) in zip(trajectory(settings), expected).enumerated() {
            assertClose(
                actual, expected, absolute: 2e-7, relative: 1e-6, "\(settings) step \(step + 1)",
                file: file, line: line)
        }
    }

    /// μ = 0.9, λ = 0.01. Step 1 for w = 1, g = 0.5: d = 0.5 + 0.01·1 = 0.51, buf = d,
    /// w = 1 − 0.1·0.51 = 0.949. Step 2, g = −0.25: d = −0.25 + 0.00949 = −0.24051,
    /// buf = 0.9·0.51 − 0.24051 = 0.21849, w = 0.949 − 0.021849 = 0.927151.
    func testMomentumWithWeightDecay() {
        assertTrajectory(
            SGDSettings(momentum: 0.9, weightDecay: 0.01),
            [[0.949, -2.023], [0.927151, -2.141677], [0.806559749, -2.196344623]])
    }

    /// Nesterov: w ← w − lr·(d + μ·buf). Step 1: d + 0.9·d = 0.969, w = 1 − 0.0969 = 0.9031.
    func testNesterovMomentumWithWeightDecay() {
        assertTrajectory(
            SGDSettings(momentum: 0.9, weightDecay: 0.01, nesterov: true),
            [[0.9031, -2.0437], [0.90757411, -2.24844697], [0.6981892082, -2.2452865238]])
    }

    /// μ = 0: plain w ← w − lr·(g + λ·w), no memory between steps.
    func testPlainSGDWithWeightDecay() {
        assertTrajectory(
            SGDSettings(momentum: 0, weightDecay: 0.01),
            [[0.949, -2.023], [0.973051, -2.120977], [0.872077949, -2.068856023]])
    }

    /// λ = 0: the momentum buffer sums the raw gradients, 0.5 then 0.9·0.5 − 0.25 = 0.2.
    func testMomentumWithoutWeightDecay() {
        assertTrajectory(
            SGDSettings(momentum: 0.9, weightDecay: 0),
            [[0.95, -2.025], [0.93, -2.1475], [0.812, -2.20775]])
    }

    /// The momentum buffer holds d after the first step and μ·buf + d afterwards.
    func testMomentumBufferContents() {
        let store = ParameterStore()
        let w = store.registerParameter("w", shape: [2], initializer: .constant(2))
        store.allocate(seed: 0)
        let sgd = SGD(store: store, settings: SGDSettings(momentum: 0.5, weightDecay: 0.25))
        XCTAssertEqual(Array(sgd.momentum), [0, 0])
        w.gradient[0] = 1
        w.gradient[1] = -1
        sgd.step(learningRate: 1)
        // d = g + 0.25·2 = [1.5, −0.5]; w = [0.5, 2.5].
        XCTAssertEqual(Array(sgd.momentum), [1.5, -0.5])
        XCTAssertEqual(Array(w.values), [0.5, 2.5])
        sgd.step(learningRate: 1)
        // d = g + 0.25·w = [1.125, −0.375]; buf = 0.5·buf + d = [1.875, −0.625].
        XCTAssertEqual(Array(sgd.momentum), [1.875, -0.625])
        XCTAssertEqual(Array(w.values), [-1.375, 3.125])
    }

    /// A run resumed mid-task from a checkpoint (weights and the momentum buffer, restored
    /// into a fresh optimizer) continues the uninterrupted trajectory, with and without Nesterov.
    func testResumingFromARestoredMomentumBufferContinuesTheTrajectory() {
        for nesterov in [false, true] {
            let settings = SGDSettings(momentum: 0.9, weightDecay: 0.01, nesterov: nesterov)
            let uninterrupted = trajectory(settings)

            let store = ParameterStore()
            let w = store.registerParameter("w", shape: [2], initializer: .constant(0))
            store.allocate(seed: 0)
            set(w, [1, -2])
            let first = SGD(store: store, settings: settings)
            w.gradient.update(from: stepGradients[0], count: 2)
            first.step(learningRate: 0.1)
            let checkpoint = (weights: Array(w.values), momentum: Array(first.momentum))

            let resumedStore = ParameterStore()
            let resumed = resumedStore.registerParameter(
                "w", shape: [2], initializer: .constant(0))
            resumedStore.allocate(seed: 0)
            set(resumed, checkpoint.weights)
            let sgd = SGD(store: resumedStore, settings: settings)
            sgd.momentum.baseAddress!.update(from: checkpoint.momentum, count: 2)
            for step in 1..<3 {
                resumed.gradient.update(from: stepGradients[step], count: 2)
                sgd.step(learningRate: 0.1)
                assertClose(
                    Array(resumed.values), uninterrupted[step], absolute: 2e-7, relative: 1e-6,
                    "nesterov \(nesterov): step \(step + 1) after resuming")
            }
        }
    }

    func testDefaultSettings() {
        let settings = SGDSettings()
        XCTAssertEqual(settings.momentum, 0.9)
        XCTAssertEqual(settings.weightDecay, 5e-4)
        XCTAssertFalse(settings.nesterov)
    }

    // MARK: - Learning-rate schedules

    func testConstantSchedule() {
        for epoch in [0, 1, 50, 1000] {
            XCTAssertEqual(LearningRateSchedule.constant.learningRate(base: 0.1, epoch: epoch), 0.1)
        }
    }

    /// MultiStepLR: the decay applies from the milestone epoch itself on.
    func testMultiStepSchedule() {
        let schedule = LearningRateSchedule.multiStep(milestones: [3, 6], decay: 0.1)
        let expected: [(Int, Double)] = [
            (0, 0.1), (2, 0.1), (3, 0.01), (5, 0.01), (6, 0.001), (9, 0.001),
        ]
        for (epoch, rate) in expected {
            XCTAssertEqual(
                schedule.learningRate(base: 0.1, epoch: epoch), rate, accuracy: 1e-12,
                "epoch \(epoch)")
        }
        let unsorted = LearningRateSchedule.multiStep(milestones: [6, 3], decay: 0.5)
        XCTAssertEqual(unsorted.learningRate(base: 1, epoch: 4), 0.5, accuracy: 1e-12)
    }

    /// CosineAnnealingLR with T_max = epochs, η_min = 0: base·(1 + cos(π·e/T))/2.
    func testCosineSchedule() {
        let schedule = LearningRateSchedule.cosine(epochs: 10)
        let expected: [(Int, Double)] = [
            (0, 0.1), (1, 0.09755282581475769), (2, 0.09045084971874738), (5, 0.05),
            (9, 0.0024471741852423235), (10, 0),
        ]
        for (epoch, rate) in expected {
            XCTAssertEqual(
                schedule.learningRate(base: 0.1, epoch: epoch), rate, accuracy: 1e-12,
                "epoch \(epoch)")
        }
        let short = LearningRateSchedule.cosine(epochs: 3)
        XCTAssertEqual(short.learningRate(base: 0.2, epoch: 1), 0.15, accuracy: 1e-12)
        XCTAssertEqual(short.learningRate(base: 0.2, epoch: 2), 0.05, accuracy: 1e-12)
    }
}
