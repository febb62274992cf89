import Foundation
import LwMCore
import XCTest

@testable import LwMTraining

/// `--resume`, in this process on one rank: a run continued from a checkpoint must end
/// exactly where the uninterrupted run ends, bit for bit.
///
/// Three tasks of 4, 3 and 3 classes on the synthetic dataset. A run stopped after task k is
/// simulated by a folder that holds only the uninterrupted run's first k checkpoints.
final class ResumeTests: XCTestCase {
    private let schedule = ["--base-classes", "4", "--increment", "3"]
    private var data: URL!
    private var uninterrupted: URL!
    private var uninterruptedRecord: RunRecord!

    override func setUpWithError() throws {
        data = try makeTemporaryDirectory(self, name: "lwm-resume-data")
        try SyntheticDataset.write(to: data)
        uninterrupted = try makeTemporaryDirectory(self, name: "lwm-resume-full")
        uninterruptedRecord = try trainInProcess(
            parseConfiguration(tinyRunArguments(data: data, out: uninterrupted) + schedule))
    }

    func testResumeAfterTaskOne() throws {
        try checkResume(keepingCheckpoints: 1)
    }

    func testResumeAfterTaskTwo() throws {
        try checkResume(keepingCheckpoints: 2)
    }

    /// With no checkpoint in the folder, `--resume` starts at task 1.
    func testResumeWithoutCheckpointStartsAtTaskOne() throws {
        try checkResume(keepingCheckpoints: 0)
    }

    // MARK: - Helpers

    /// Resumes in a folder holding the uninterrupted run's first `kept` checkpoints and
    /// compares what the resumed run records and writes with the uninterrupted run's.
    private func checkResume(keepingCheckpoints kept: Int, line: UInt = #line) throws {
        let resumed = try makeTemporaryDirectory(self, name: "lwm-resume-\(kept)")
        for task in stride(from: 1, through: kept, by: 1) {
            let name = "task-\(task).safetensors"
            try FileManager.default.copyItem(
                at: uninterrupted.appendingPathComponent(name),
                to: resumed.appendingPathComponent(name))
        }

        let record = try trainInProcess(
            parseConfiguration(
                tinyRunArguments(data: data, out: resumed) + schedule + ["--resume"]))

        XCTAssertEqual(record.metrics, uninterruptedRecord.metrics, "evaluation counts", line: line)
        XCTAssertEqual(
            record.tasks.map(withoutTimings), uninterruptedRecord.tasks.map(withoutTimings),
            "task records", line: line)
        for task in stride(from: kept + 1, through: 3, by: 1) {
            let name = "task-\(task).safetensors"
            try assertIdenticalTensors(
                SafeTensorsFile(contentsOf: resumed.appendingPathComponent(name)),
                SafeTensorsFile(contentsOf: uninterrupted.appendingPathComponent(name)),
                line: line)
        }

        let resumedMetrics = try readJSONObject(resumed.appendingPathComponent("metrics.json"))
        let fullMetrics = try readJSONObject(uninterrupted.appendingPathComponent("metrics.json"))
        for key in ["accuracy_matrix", "task_agnostic_top1", "forgetting"] {
            XCTAssertEqual(
                resumedMetrics[key] as? NSArray, fullMetrics[key] as? NSArray, key, line: line)
        }
        let tasks = { (metrics: [String: Any]) in
            (metrics["tasks"] as? [[String: Any]] ?? []).map(self.withoutTimings)
        }
        XCTAssertEqual(
            tasks(resumedMetrics) as NSArray, tasks(fullMetrics) as NSArray,
            "metrics.json tasks", line: line)
    }

    /// A task record with its wall-clock measurements zeroed, which no two runs share.
    private func withoutTimings(_ task: TaskRecord) -> TaskRecord {
        var task = task
        task.trainSeconds = 0
        task.evaluationSeconds = 0
        for index in task.epochs.indices {
            task.epochs[index].seconds = 0
            task.epochs[index].imagesPerSecond = 0
        }
        return task
    }

    /// A metrics.json task object without its wall-clock measurements.
    private func withoutTimings(_ task: [String: Any]) -> [String: Any] {
        var task = task
        task["train_seconds"] = nil
        task["evaluation_seconds"] = nil
        task["epochs"] = (task["epochs"] as? [[String: Any]] ?? []).map { epoch in
            epoch.filter { $0.key != "seconds" && $0.key != "images_per_second" }
        }
        return task
    }
}
