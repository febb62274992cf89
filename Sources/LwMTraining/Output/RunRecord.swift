import Foundation
import LwMCore

/// One epoch as metrics.json records it.
public struct EpochRecord: Codable, Sendable, Equatable {
    /// From 1.
    public var epoch: Int
    public var classificationLoss: Double
    public var distillationLoss: Double
    public var attentionDistillationLoss: Double
    public var totalLoss: Double
    public var learningRate: Double
    public var seconds: Double
    public var imagesPerSecond: Double

    enum CodingKeys: String, CodingKey {
        case epoch, seconds
        case classificationLoss = "l_c"
        case distillationLoss = "l_d"
        case attentionDistillationLoss = "l_ad"
        case totalLoss = "total"
        case learningRate = "learning_rate"
        case imagesPerSecond = "images_per_second"
    }
}

/// One task as metrics.json records it: its classes, its epochs and the accuracies after it.
public struct TaskRecord: Codable, Sendable, Equatable {
    /// From 1.
    public var task: Int
    /// The dataset's class ids and names that the task introduces.
    public var classes: [Int]
    public var classNames: [String]
    public var trainImages: Int
    public var epochs: [EpochRecord]
    public var trainSeconds: Double
    public var evaluationSeconds: Double
    /// Percent, over every class seen so far.
    public var taskAgnosticTop1: Double
    public var taskAgnosticTop5: Double
    public var taskAwareTop1: Double
    /// Row of the accuracy matrix: task-agnostic top-1 on each task's classes so far.
    public var accuracyPerTask: [Double]

    enum CodingKeys: String, CodingKey {
        case task, classes, epochs
        case classNames = "class_names"
        case trainImages = "train_images"
        case trainSeconds = "train_seconds"
        case evaluationSeconds = "evaluation_seconds"
        case taskAgnosticTop1 = "task_agnostic_top1"
        case taskAgnosticTop5 = "task_agnostic_top5"
        case taskAwareTop1 = "task_aware_top1"
        case accuracyPerTask = "accuracy_per_task"
    }
}

/// Everything a run has measured so far. It is written as metrics.json after every task and
/// carried inside each checkpoint, so a resumed run continues the same record.
public struct RunRecord: Sendable {
    public var configuration: TrainingConfiguration
    public var ranks: Int
    public var tasks: [TaskRecord] = []
    public var metrics = IncrementalMetrics()

    public init(configuration: TrainingConfiguration, ranks: Int) {
        self.configuration = configuration
        self.ranks = ranks
    }

    /// The part a checkpoint carries: task records and raw evaluation counts.
    struct State: Codable {
        var tasks: [TaskRecord]
        var evaluations: [TaskEvaluation]
    }

    func encodedState() throws -> String {
        let state = State(tasks: tasks, evaluations: metrics.evaluations)
        return String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
    }

    mutating func restoreState(from text: String) throws {
        let state = try JSONDecoder().decode(State.self, from: Data(text.utf8))
        tasks = state.tasks
        metrics = IncrementalMetrics(evaluations: state.evaluations)
    }

    /// The metrics.json document.
    public func metricsDocument() throws -> Data {
        let taskObjects = try tasks.map { task in
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(task))
        }
        let document: [String: Any] = [
            "format": "lwm-metrics/1",
            "config": configuration.jsonObject,
            "ranks": ranks,
            "tasks": taskObjects,
            "accuracy_matrix": metrics.accuracyMatrix,
            "task_agnostic_top1": metrics.taskAgnosticTop1,
            "task_agnostic_top5": metrics.taskAgnosticTop5,
            "task_aware_top1": metrics.taskAwareTop1,
            "average_incremental_accuracy": metrics.averageIncrementalAccuracy,
            "forgetting": metrics.forgetting,
            "average_forgetting": metrics.averageForgetting,
        ]
        return try JSONSerialization.data(
            withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
    }
}
