import Foundation
import LwMCore
import LwMData
import LwMVisualization

// Hooks for the trainer: the accuracy plot after every task and, with
// `--attention-samples K`, a grid of attention maps of K fixed test images per task.

extension AccuracyPlot {
    /// Writes the accuracy plot of `record` (top-1, and top-5 where more than five classes
    /// have been learned) to `url`, normally `<out>/accuracy.svg`. Call it on rank 0 after
    /// metrics.json is written.
    public static func write(_ record: RunRecord, to url: URL) throws {
        try write(
            metricsDocument: record.metricsDocument(),
            runName: url.deletingLastPathComponent().lastPathComponent, to: url)
    }
}

extension AttentionSamples {
    /// `count` test images of the first task's classes, the same at every task: the images
    /// ``write(teacher:student:data:indices:task:to:)`` draws.
    public static func sampleIndices(data: IncrementalData, count: Int) -> [Int] {
        sampleIndices(in: data.test, classes: data.schedule.tasks[0], count: count)
    }

    /// Writes `<directory>/attention-task<t>.png`, t = `task` + 1, for the test images
    /// `indices`. Call it on rank 0 after training `task` (0-based, at least 1) with that
    /// task's teacher (the model of task − 1) and student.
    /// - Returns: the file written.
    @discardableResult
    public static func write(
        teacher: ResNet, student: ResNet, data: IncrementalData, indices: [Int], task: Int,
        to directory: URL
    ) throws -> URL {
        try write(
            teacher: teacher, student: student, dataset: data.test, indices: indices,
            statistics: data.statistics,
            classNames: data.schedule.classOrder.map { data.test.classNames[$0] }, task: task,
            to: directory)
    }
}
