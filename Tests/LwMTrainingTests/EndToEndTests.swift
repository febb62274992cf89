import Foundation
import LwMCore
import XCTest

@testable import LwMTraining

/// Two tasks of every method on the synthetic dataset, in this process on one rank: the loss
/// terms each method adds, metrics.json and both checkpoints.
///
/// Each task has 5 classes × 20 images in batches of 25, so 4 optimiser steps.
final class EndToEndTests: XCTestCase {
    private let stepsPerTask = 4

    func testLwM() throws {
        try runTwoTasks(method: "lwm", distillation: true, attention: true)
    }

    func testLwF() throws {
        try runTwoTasks(method: "lwf", distillation: true, attention: false)
    }

    func testClassificationAndAttention() throws {
        try runTwoTasks(method: "c+ad", distillation: false, attention: true)
    }

    func testFinetune() throws {
        try runTwoTasks(method: "finetune", distillation: false, attention: false)
    }

    /// Five epochs take the first task far above chance (20%; 98% when written), so the
    /// pieces together do learn.
    func testFirstTaskIsLearned() throws {
        let data = try makeTemporaryDirectory(self, name: "lwm-e2e-data")
        try SyntheticDataset.write(to: data)
        let out = try makeTemporaryDirectory(self, name: "lwm-e2e-learn")
        let configuration = try parseConfiguration(
            tinyRunArguments(data: data, out: out)
                + ["--tasks", "2", "--epochs", "5", "--lr", "0.1"])

        let record = try trainInProcess(configuration)

        let accuracy = record.metrics.accuracyMatrix[0][0]
        XCTAssertGreaterThan(accuracy, 80, "task 1 accuracy after task 1, in percent")
    }

    // MARK: - One run

    /// Trains two tasks with `method` and checks everything the run leaves behind;
    /// `distillation` and `attention` say whether the method adds L_D and L_AD.
    private func runTwoTasks(
        method: String, distillation: Bool, attention: Bool, line: UInt = #line
    ) throws {
        let data = try makeTemporaryDirectory(self, name: "lwm-e2e-data")
        try SyntheticDataset.write(to: data)
        let out = try makeTemporaryDirectory(self, name: "lwm-e2e-\(method)")
        let configuration = try parseConfiguration(
            tinyRunArguments(data: data, out: out, method: method) + ["--tasks", "2"])

        let record = try trainInProcess(configuration)

        XCTAssertEqual(record.tasks.count, 2, "task records", line: line)
        checkLosses(record, distillation: distillation, attention: attention, line: line)
        try checkMetricsFile(out.appendingPathComponent("metrics.json"), line: line)
        for task in 1...2 {
            try checkCheckpoint(
                out.appendingPathComponent("task-\(task).safetensors"), task: task,
                configuration: configuration, line: line)
        }
    }

    /// Finite losses; L_D and L_AD zero in task 1, and in task 2 non-zero exactly when the
    /// method uses them; the total is L_C + β·L_D + γ·L_AD with β = γ = 1.
    private func checkLosses(
        _ record: RunRecord, distillation: Bool, attention: Bool, line: UInt
    ) {
        for task in record.tasks {
            for epoch in task.epochs {
                let losses = [
                    epoch.classificationLoss, epoch.distillationLoss,
                    epoch.attentionDistillationLoss, epoch.totalLoss,
                ]
                let place = "task \(task.task) epoch \(epoch.epoch)"
                XCTAssertTrue(losses.allSatisfy(\.isFinite), "\(place): \(losses)", line: line)
                XCTAssertGreaterThan(epoch.classificationLoss, 0, "\(place): L_C", line: line)
                let sum =
                    epoch.classificationLoss + epoch.distillationLoss
                    + epoch.attentionDistillationLoss
                XCTAssertEqual(epoch.totalLoss, sum, accuracy: 1e-9, "\(place): total", line: line)

                let usesDistillation = task.task > 1 && distillation
                let usesAttention = task.task > 1 && attention
                XCTAssertEqual(
                    epoch.distillationLoss != 0, usesDistillation,
                    "\(place): L_D = \(epoch.distillationLoss)", line: line)
                XCTAssertEqual(
                    epoch.attentionDistillationLoss != 0, usesAttention,
                    "\(place): L_AD = \(epoch.attentionDistillationLoss)", line: line)
            }
        }
    }

    // MARK: - metrics.json

    private func checkMetricsFile(_ url: URL, line: UInt) throws {
        let metrics = try readJSONObject(url)
        for key in [
            "config", "tasks", "accuracy_matrix", "task_agnostic_top1", "task_agnostic_top5",
            "task_aware_top1", "average_incremental_accuracy", "forgetting",
        ] {
            XCTAssertNotNil(metrics[key], "metrics.json lacks '\(key)'", line: line)
        }

        let tasks = metrics["tasks"] as? [[String: Any]] ?? []
        XCTAssertEqual(tasks.count, 2, "metrics.json tasks", line: line)
        for (index, task) in tasks.enumerated() {
            XCTAssertEqual(task["task"] as? Int, index + 1, line: line)
            XCTAssertEqual(
                task["classes"] as? [Int], Array(index * 5..<(index + 1) * 5), line: line)
            for key in ["train_seconds", "evaluation_seconds", "task_agnostic_top1"] {
                XCTAssertNotNil(
                    task[key] as? Double, "task \(index + 1) lacks '\(key)'", line: line)
            }
            let epochs = task["epochs"] as? [[String: Any]] ?? []
            XCTAssertEqual(epochs.count, 1, "task \(index + 1) epochs", line: line)
            for key in ["l_c", "l_d", "l_ad", "total", "seconds", "images_per_second"] {
                XCTAssertNotNil(
                    epochs.first?[key] as? Double, "task \(index + 1) epoch lacks '\(key)'",
                    line: line)
            }
        }

        let matrix = metrics["accuracy_matrix"] as? [[Double]] ?? []
        XCTAssertEqual(matrix.map(\.count), [1, 2], "accuracy matrix rows", line: line)
        XCTAssertTrue(
            matrix.joined().allSatisfy { (0...100).contains($0) }, "\(matrix)", line: line)
        for key in ["task_agnostic_top1", "task_agnostic_top5", "task_aware_top1"] {
            XCTAssertEqual((metrics[key] as? [Double])?.count, 2, key, line: line)
        }
        XCTAssertEqual((metrics["forgetting"] as? [Double])?.count, 1, "forgetting", line: line)
    }

    // MARK: - Checkpoints

    private func checkCheckpoint(
        _ url: URL, task: Int, configuration: TrainingConfiguration, line: UInt
    ) throws {
        let file = try SafeTensorsFile(contentsOf: url)
        let classes = 5 * task
        let metadata = file.metadata
        let expected = [
            "format": "lwm-checkpoint/1", "arch": "resnet8", "depth": "8", "width": "4",
            "in_channels": "1", "num_classes": String(classes), "task": String(task),
        ]
        for (key, value) in expected {
            XCTAssertEqual(metadata[key], value, "\(url.lastPathComponent): '\(key)'", line: line)
        }
        XCTAssertEqual(decode([Int].self, metadata["input_size"]), [16, 16], line: line)
        XCTAssertEqual(decode([Int].self, metadata["class_order"]), Array(0..<10), line: line)
        for key in ["mean", "std"] {
            let values = decode([Double].self, metadata[key]) ?? []
            XCTAssertEqual(values.count, 1, "\(key): \(values)", line: line)
            XCTAssertTrue(values.allSatisfy { $0 > 0 && $0 < 1 }, "\(key): \(values)", line: line)
        }
        XCTAssertEqual(
            decode(TrainingConfiguration.self, metadata["config"]), configuration,
            "the checkpoint's config decodes into the run's", line: line)

        XCTAssertEqual(file.info("conv1.weight")?.shape, [4, 1, 3, 3], line: line)
        XCTAssertEqual(file.info("fc.weight")?.shape, [classes, 16], line: line)
        XCTAssertEqual(file.info("fc.bias")?.shape, [classes], line: line)
        let counter = file.info("bn1.num_batches_tracked")
        XCTAssertEqual(counter?.dtype, .i64, line: line)
        XCTAssertEqual(counter?.shape, [], line: line)
        XCTAssertEqual(
            try file.int64s("bn1.num_batches_tracked"), [Int64(stepsPerTask * task)],
            "one BatchNorm update per optimiser step", line: line)
        for name in file.tensorNames where file.info(name)?.dtype == .f32 {
            XCTAssertTrue(try file.floats(name).allSatisfy(\.isFinite), name, line: line)
        }
    }

    private func decode<T: Decodable>(_ type: T.Type, _ text: String?) -> T? {
        guard let text else { return nil }
        return try? JSONDecoder().decode(type, from: Data(text.utf8))
    }
}
