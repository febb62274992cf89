import Foundation
import XCTest

@testable import LwMTraining

final class ConsoleTests: XCTestCase {
    // MARK: - Accuracy

    func testAccuracySummary() {
        let metrics = IncrementalMetrics(evaluations: threeTaskEvaluations)
        let expected = """
            accuracy (%)   task 1  task 2  task 3 │  top-1  top-5  aware
            after task 1     90.0                 │   90.0  100.0   90.0
            after task 2     60.0    90.0         │   70.0   96.7   88.7
            after task 3     50.0    80.0    96.0 │   69.0   94.0   87.0
            forgetting       40.0    10.0         │
            average incremental accuracy 76.3 · average forgetting 25.0 (%)
            """
        XCTAssertEqual(ResultsTable.accuracySummary(metrics), expected)
    }

    func testAccuracySummaryMarksTasksWithoutImages() {
        let metrics = IncrementalMetrics(evaluations: [
            TaskEvaluation(tasks: 1),
            TaskEvaluation(perTask: [
                TaskCounts(), TaskCounts(total: 10, top1: 7, top5: 10, taskAwareTop1: 9),
            ]),
        ])
        let expected = """
            accuracy (%)   task 1  task 2 │  top-1  top-5  aware
            after task 1        -         │    0.0    0.0    0.0
            after task 2        -    70.0 │   70.0  100.0   90.0
            forgetting          -         │
            average incremental accuracy 35.0 · average forgetting 0.0 (%)
            """
        XCTAssertEqual(ResultsTable.accuracySummary(metrics), expected)
        XCTAssertEqual(ResultsTable.accuracySummary(IncrementalMetrics()), "no task evaluated yet")
    }

    func testEvaluationLine() {
        let metrics = IncrementalMetrics(evaluations: Array(threeTaskEvaluations.prefix(2)))
        XCTAssertEqual(
            ResultsTable.evaluationLine(metrics, tasks: 5),
            "after task 2/5 · top-1 70.0 · top-5 96.7 · task-aware 88.7 (%)")
    }

    // MARK: - Banner and epochs

    func testTaskBanner() {
        let banner = ResultsTable.taskBanner(task: 1, of: 5, classes: [2, 3], images: 12000)
        XCTAssertEqual(
            banner,
            "── task 2/5 · classes 2,3 · 12000 images "
                + String(repeating: "─", count: 39))
        XCTAssertEqual(banner.count, ResultsTable.width)

        let many = ResultsTable.taskBanner(task: 0, of: 5, classes: Array(0..<20), images: 10)
        XCTAssertTrue(many.hasPrefix("── task 1/5 · classes 0,1,2,3,4,5,… (20) · 10 images ──"))
        XCTAssertEqual(many.count, ResultsTable.width)
    }

    func testEpochLines() {
        let first = EpochSummary(
            epoch: 0, epochs: 8, classificationLoss: 2.302585, distillationLoss: nil,
            attentionLoss: nil, totalLoss: 2.302585, learningRate: 0.1, imagesPerSecond: 1234.56,
            seconds: 9.04)
        let later = EpochSummary(
            epoch: 2, epochs: 8, classificationLoss: 0.43121, distillationLoss: 0.1021,
            attentionLoss: 0.04433, totalLoss: 0.57764, learningRate: 0.0975528,
            imagesPerSecond: 812.4, seconds: 14.77)
        XCTAssertEqual(
            ResultsTable.epochHeader,
            "  epoch      L_C      L_D     L_AD    total        lr    img/s     sec")
        XCTAssertEqual(
            ResultsTable.epochLine(first),
            "    1/8   2.3026        -        -   2.3026       0.1     1235     9.0")
        XCTAssertEqual(
            ResultsTable.epochLine(later),
            "    3/8   0.4312   0.1021   0.0443   0.5776    0.0976      812    14.8")
    }

    // MARK: - Configuration

    func testConfigurationTable() throws {
        var configuration = TrainingConfiguration().resolvingDefaults()
        configuration.learningRate = 0.05
        configuration.classOrder = [3, 1, 4, 0, 2, 5, 6, 7, 8, 9]
        let table = ResultsTable.configuration(
            configuration, extraRows: [("ranks", "4"), ("train images", "60000")])
        let lines = table.split(separator: "\n").map(String.init)

        XCTAssertEqual(lines.first, "── configuration " + String(repeating: "─", count: 63))
        XCTAssertEqual(lines.count, 1 + TrainingConfiguration.optionSpecs.count + 2)
        XCTAssertEqual(lines[1], "data                 /usr/share/datasets/fashion-mnist")
        XCTAssertTrue(lines.contains("lr                   0.05"))
        XCTAssertTrue(lines.contains("class-order          3,1,4,0,2,5,6,7,8,9"))
        XCTAssertTrue(lines.contains("max-train-per-class  all"))
        XCTAssertTrue(lines.contains("milestones           none"))
        XCTAssertTrue(lines.contains("nesterov             off"))
        XCTAssertEqual(lines.suffix(2), ["ranks                4", "train images         60000"])
    }

    // MARK: - Progress

    func testProgressBar() {
        let bar = ProgressBar()
        XCTAssertEqual(
            bar.render(
                label: "epoch 3/8", completed: 54, total: 100, imagesPerSecond: 812.3,
                elapsedSeconds: 14),
            "epoch 3/8 [#####.....] 54% 812 img/s ETA 12s")
        XCTAssertEqual(
            bar.render(
                label: "epoch 1/8", completed: 0, total: 100, imagesPerSecond: 0,
                elapsedSeconds: 0),
            "epoch 1/8 [..........] 0% 0 img/s ETA --")
        XCTAssertEqual(
            bar.render(
                label: "epoch 8/8", completed: 120, total: 100, imagesPerSecond: 900,
                elapsedSeconds: 60),
            "epoch 8/8 [##########] 100% 900 img/s ETA 0s")
        XCTAssertEqual(
            ProgressBar(cells: 4).render(
                label: "eval", completed: 1, total: 4, imagesPerSecond: 5000, elapsedSeconds: 100),
            "eval [#...] 25% 5000 img/s ETA 5m00s")
    }

    func testDurationsAndTerminalHelpers() {
        XCTAssertEqual(ProgressBar.duration(12.4), "12s")
        XCTAssertEqual(ProgressBar.duration(185), "3m05s")
        XCTAssertEqual(ProgressBar.duration(3720), "1h02m")
        XCTAssertEqual(ProgressBar.overwriting("x"), "\rx\u{1B}[K")

        let pipe = Pipe()
        let descriptor = pipe.fileHandleForWriting.fileDescriptor
        XCTAssertFalse(ProgressBar.isTerminal(fileDescriptor: descriptor))
        XCTAssertFalse(ProgressBar.showsBar(.auto, fileDescriptor: descriptor))
        XCTAssertTrue(ProgressBar.showsBar(.bar, fileDescriptor: descriptor))
        XCTAssertFalse(ProgressBar.showsBar(.lines, fileDescriptor: descriptor))
    }
}
