/// Test counts over the images of one task's classes, at one evaluation.
///
/// Counts, not accuracies, so that ranks holding shards of the test set can sum them before
/// any division.
public struct TaskCounts: Codable, Sendable, Equatable {
    /// Test images of the task's classes.
    public var total: Int64
    /// Of those, images whose label is the argmax over every class seen so far.
    public var top1: Int64
    /// Images whose label is among the five highest scores over every class seen so far.
    public var top5: Int64
    /// Images whose label is the argmax over the classes of their own task only.
    public var taskAwareTop1: Int64

    public init(total: Int64 = 0, top1: Int64 = 0, top5: Int64 = 0, taskAwareTop1: Int64 = 0) {
        self.total = total
        self.top1 = top1
        self.top5 = top5
        self.taskAwareTop1 = taskAwareTop1
    }

    /// Counts of two disjoint sets of images together.
    public static func + (lhs: TaskCounts, rhs: TaskCounts) -> TaskCounts {
        TaskCounts(
            total: lhs.total + rhs.total, top1: lhs.top1 + rhs.top1, top5: lhs.top5 + rhs.top5,
            taskAwareTop1: lhs.taskAwareTop1 + rhs.taskAwareTop1)
    }
}

/// One evaluation after task i: the counts of each task j ≤ i, indexed by j.
public struct TaskEvaluation: Codable, Sendable, Equatable {
    public var perTask: [TaskCounts]

    public init(perTask: [TaskCounts]) {
        self.perTask = perTask
    }

    /// Zero counts for `tasks` tasks, to accumulate a rank's shard into.
    public init(tasks: Int) {
        perTask = Array(repeating: TaskCounts(), count: tasks)
    }

    /// Every task's counts together: all test images seen so far.
    public var combined: TaskCounts {
        perTask.reduce(TaskCounts(), +)
    }

    // MARK: - Packing for a sum over ranks

    /// The counts as one flat array, `total, top1, top5, taskAwareTop1` per task, for a sum
    /// all-reduce over ranks.
    public var packedCounts: [Int64] {
        perTask.flatMap { [$0.total, $0.top1, $0.top5, $0.taskAwareTop1] }
    }

    /// The evaluation whose `packedCounts` are `packed`, whose count must be a multiple of 4.
    public init(packedCounts packed: [Int64]) {
        precondition(packed.count % 4 == 0, "packed counts come in fours, got \(packed.count)")
        perTask = stride(from: 0, to: packed.count, by: 4).map { start in
            TaskCounts(
                total: packed[start], top1: packed[start + 1], top5: packed[start + 2],
                taskAwareTop1: packed[start + 3])
        }
    }
}
