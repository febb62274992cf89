/// The accuracy of a class-incremental run after each task, and its forgetting
/// (docs/method.md, "Evaluation protocol").
///
/// Tasks count from 0. After task i the test images of every class of tasks 0…i are
/// evaluated; `acc[i][j]` is the task-agnostic top-1 accuracy on the images of task j's
/// classes. Accuracies are percentages. An accuracy over no images is 0, and tasks without
/// test images are left out of `averageForgetting`.
public struct IncrementalMetrics: Sendable, Equatable {
    /// The evaluation after each task, indexed by task.
    public private(set) var evaluations: [TaskEvaluation] = []

    public init() {}

    /// Metrics from earlier evaluations, such as a checkpoint's; `evaluations[i]` must hold
    /// i + 1 tasks.
    public init(evaluations: [TaskEvaluation]) {
        for (task, evaluation) in evaluations.enumerated() {
            record(afterTask: task, evaluation)
        }
    }

    /// Records the evaluation after `task`, which holds the counts of tasks 0…`task`.
    ///
    /// Recording a task again (after a resume) replaces its evaluation and drops later ones.
    /// `task` may be at most the number of tasks recorded so far.
    public mutating func record(afterTask task: Int, _ evaluation: TaskEvaluation) {
        precondition(
            (0...evaluations.count).contains(task),
            "task \(task) recorded after \(evaluations.count) tasks; record them in order")
        precondition(
            evaluation.perTask.count == task + 1,
            "the evaluation after task \(task) must count tasks 0...\(task), "
                + "got \(evaluation.perTask.count)")
        evaluations = Array(evaluations.prefix(task)) + [evaluation]
    }

    /// The number of tasks evaluated so far.
    public var tasksEvaluated: Int { evaluations.count }

    // MARK: - Accuracies

    /// `acc[i][j]`: task-agnostic top-1 accuracy after task i on the classes of task j ≤ i.
    public var accuracyMatrix: [[Double]] {
        evaluations.map { evaluation in
            evaluation.perTask.map { percent($0.top1, of: $0.total) }
        }
    }

    /// Task-agnostic top-1 accuracy after each task over every test image seen so far,
    /// weighted by image count (not the mean of a row of `accuracyMatrix`).
    public var taskAgnosticTop1: [Double] {
        evaluations.map { percent($0.combined.top1, of: $0.combined.total) }
    }

    /// Task-agnostic top-5 accuracy after each task over every test image seen so far.
    public var taskAgnosticTop5: [Double] {
        evaluations.map { percent($0.combined.top5, of: $0.combined.total) }
    }

    /// Task-aware top-1 accuracy (argmax within the image's own task) after each task.
    public var taskAwareTop1: [Double] {
        evaluations.map { percent($0.combined.taskAwareTop1, of: $0.combined.total) }
    }

    /// The mean of `taskAgnosticTop1` over the tasks evaluated; 0 before any.
    public var averageIncrementalAccuracy: Double {
        mean(taskAgnosticTop1)
    }

    // MARK: - Forgetting

    /// The forgetting of each task before the last: `forgetting(afterTask:)` of the last task.
    public var forgetting: [Double] {
        tasksEvaluated == 0 ? [] : forgetting(afterTask: tasksEvaluated - 1)
    }

    /// The mean of `forgetting` over the tasks that have test images; 0 when there is none.
    public var averageForgetting: Double {
        let last = tasksEvaluated - 1
        let tasks = forgetting.indices.filter { evaluations[last].perTask[$0].total > 0 }
        return mean(tasks.map { forgetting[$0] })
    }

    /// For each task j < `task`: its best accuracy after tasks j…`task` − 1 minus its accuracy
    /// after `task`, `max_{j ≤ i < task} acc[i][j] − acc[task][j]`. Negative when a task
    /// improved.
    public func forgetting(afterTask task: Int) -> [Double] {
        precondition(evaluations.indices.contains(task), "task \(task) is not evaluated")
        let accuracy = accuracyMatrix
        return (0..<task).map { j in
            let best = (j..<task).map { accuracy[$0][j] }.max()!
            return best - accuracy[task][j]
        }
    }

    // MARK: - Arithmetic

    /// 100 · count / total, or 0 for no images.
    private func percent(_ count: Int64, of total: Int64) -> Double {
        total == 0 ? 0 : 100 * Double(count) / Double(total)
    }

    private func mean(_ values: [Double]) -> Double {
        values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }
}

/// metrics.json holds the raw counts and every derived number; decoding reads the counts and
/// derives the rest again.
extension IncrementalMetrics: Codable {
    private enum CodingKeys: String, CodingKey {
        case evaluations
        case accuracyMatrix
        case taskAgnosticTop1
        case taskAgnosticTop5
        case taskAwareTop1
        case averageIncrementalAccuracy
        case forgetting
        case averageForgetting
    }

    /// - Throws: `DecodingError.dataCorrupted` when evaluation i does not count i + 1 tasks.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let evaluations = try container.decode([TaskEvaluation].self, forKey: .evaluations)
        let misshapen = evaluations.indices.filter { evaluations[$0].perTask.count != $0 + 1 }
        if let task = misshapen.first {
            throw DecodingError.dataCorruptedError(
                forKey: .evaluations, in: container,
                debugDescription: "the evaluation after task \(task) counts "
                    + "\(evaluations[task].perTask.count) tasks instead of \(task + 1)")
        }
        self.init(evaluations: evaluations)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(evaluations, forKey: .evaluations)
        try container.encode(accuracyMatrix, forKey: .accuracyMatrix)
        try container.encode(taskAgnosticTop1, forKey: .taskAgnosticTop1)
        try container.encode(taskAgnosticTop5, forKey: .taskAgnosticTop5)
        try container.encode(taskAwareTop1, forKey: .taskAwareTop1)
        try container.encode(averageIncrementalAccuracy, forKey: .averageIncrementalAccuracy)
        try container.encode(forgetting, forKey: .forgetting)
        try container.encode(averageForgetting, forKey: .averageForgetting)
    }
}
