import Foundation
import XCTest

@testable import LwMTraining

/// Three tasks with 100, 50 and 50 test images, so that count-weighted accuracies differ from
/// the mean of a matrix row.
///
///     after task 0:  T0 90/100
///     after task 1:  T0 60/100  T1 45/50
///     after task 2:  T0 50/100  T1 40/50  T2 48/50
let threeTaskEvaluations = [
    TaskEvaluation(perTask: [TaskCounts(total: 100, top1: 90, top5: 100, taskAwareTop1: 90)]),
    TaskEvaluation(perTask: [
        TaskCounts(total: 100, top1: 60, top5: 95, taskAwareTop1: 85),
        TaskCounts(total: 50, top1: 45, top5: 50, taskAwareTop1: 48),
    ]),
    TaskEvaluation(perTask: [
        TaskCounts(total: 100, top1: 50, top5: 90, taskAwareTop1: 80),
        TaskCounts(total: 50, top1: 40, top5: 48, taskAwareTop1: 45),
        TaskCounts(total: 50, top1: 48, top5: 50, taskAwareTop1: 49),
    ]),
]

final class MetricsTests: XCTestCase {
    private func threeTasks() -> IncrementalMetrics {
        var metrics = IncrementalMetrics()
        for (task, evaluation) in threeTaskEvaluations.enumerated() {
            metrics.record(afterTask: task, evaluation)
        }
        return metrics
    }

    private func assertClose(
        _ actual: [Double], _ expected: [Double], file: StaticString = #filePath,
        line: UInt = #line
    ) {
        XCTAssertEqual(actual.count, expected.count, "counts differ", file: file, line: line)
        let largest = zip(actual, expected).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThan(
            largest, 1e-9, "largest difference \(largest): \(actual) vs \(expected)", file: file,
            line: line)
    }

    func testAccuracyMatrix() {
        let matrix = threeTasks().accuracyMatrix
        XCTAssertEqual(matrix.count, 3)
        assertClose(matrix[0], [90])
        assertClose(matrix[1], [60, 90])
        assertClose(matrix[2], [50, 80, 96])
    }

    func testAccuraciesAreWeightedByImageCount() {
        let metrics = threeTasks()
        // After task 1: (60 + 45) / 150 = 70, not the row mean 75.
        assertClose(metrics.taskAgnosticTop1, [90, 70, 69])
        assertClose(metrics.taskAgnosticTop5, [100, 145.0 / 1.5, 94])
        assertClose(metrics.taskAwareTop1, [90, 133.0 / 1.5, 87])
        assertClose([metrics.averageIncrementalAccuracy], [229.0 / 3])
    }

    func testForgetting() {
        let metrics = threeTasks()
        // Task 0: best 90 (after task 0), final 50. Task 1: best 90 (after task 1), final 80.
        assertClose(metrics.forgetting, [40, 10])
        assertClose([metrics.averageForgetting], [25])
        assertClose(metrics.forgetting(afterTask: 1), [30])
        assertClose(metrics.forgetting(afterTask: 0), [])
    }

    func testEmptyMetricsAndEmptyTasks() {
        let none = IncrementalMetrics()
        XCTAssertEqual(none.accuracyMatrix, [])
        XCTAssertEqual(none.forgetting, [])
        XCTAssertEqual(none.averageIncrementalAccuracy, 0)
        XCTAssertEqual(none.averageForgetting, 0)

        // Task 0 has no test images: its accuracy is 0 rather than a division by zero, and it
        // is left out of the average forgetting.
        let metrics = IncrementalMetrics(evaluations: [
            TaskEvaluation(tasks: 1),
            TaskEvaluation(perTask: [
                TaskCounts(), TaskCounts(total: 10, top1: 7, top5: 10, taskAwareTop1: 9),
            ]),
        ])
        assertClose(metrics.accuracyMatrix[1], [0, 70])
        assertClose(metrics.taskAgnosticTop1, [0, 70])
        assertClose(metrics.taskAwareTop1, [0, 90])
        assertClose(metrics.forgetting, [0])
        XCTAssertEqual(metrics.averageForgetting, 0)
        XCTAssertFalse(metrics.averageIncrementalAccuracy.isNaN)
    }

    func testRecordingATaskAgainReplacesItAndLaterOnes() {
        var metrics = threeTasks()
        metrics.record(afterTask: 1, threeTaskEvaluations[1])
        XCTAssertEqual(metrics.tasksEvaluated, 2)
        XCTAssertEqual(metrics.evaluations, Array(threeTaskEvaluations.prefix(2)))
    }

    func testPackedCountsRoundTripAndSum() {
        let evaluation = threeTaskEvaluations[2]
        XCTAssertEqual(
            evaluation.packedCounts, [100, 50, 90, 80, 50, 40, 48, 45, 50, 48, 50, 49])
        XCTAssertEqual(TaskEvaluation(packedCounts: evaluation.packedCounts), evaluation)
        XCTAssertEqual(
            evaluation.combined, TaskCounts(total: 200, top1: 138, top5: 188, taskAwareTop1: 174))

        // Two ranks' shards summed element-wise give the counts of the whole test set.
        let first = evaluation.packedCounts.map { $0 / 2 }
        let second = zip(evaluation.packedCounts, first).map { $0 - $1 }
        let summed = zip(first, second).map { $0 + $1 }
        XCTAssertEqual(TaskEvaluation(packedCounts: summed), evaluation)
    }

    func testCodingKeepsCountsAndWritesDerivedNumbers() throws {
        let metrics = threeTasks()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(metrics)
        XCTAssertEqual(try JSONDecoder().decode(IncrementalMetrics.self, from: data), metrics)

        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(
            Set(object.keys),
            [
                "evaluations", "accuracyMatrix", "taskAgnosticTop1", "taskAgnosticTop5",
                "taskAwareTop1", "averageIncrementalAccuracy", "forgetting", "averageForgetting",
            ])
        XCTAssertEqual(object["forgetting"] as? [Double], [40, 10])

        let ragged = Data(#"{"evaluations": [{"perTask": []}]}"#.utf8)
        XCTAssertThrowsError(try JSONDecoder().decode(IncrementalMetrics.self, from: ragged))
    }
}
