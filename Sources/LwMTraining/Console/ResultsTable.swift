/// The console's results tables, as strings for the rank-0 printer: the configuration at the
/// start, a banner per task, a line per epoch, and the accuracy and forgetting matrix at the
/// end.
///
/// Multi-line results are joined by "\n" without a final newline. Tasks count from 1 on the
/// console, from 0 in the arguments.
public enum ResultsTable {
    /// The width of banners and rules.
    public static let width = 80

    // MARK: - Configuration

    /// Every option of `configuration` as `name  value` rows under a rule, followed by
    /// `extraRows` (ranks, threads, dataset sizes, …) in the caller's order.
    public static func configuration(
        _ configuration: TrainingConfiguration, extraRows: [(name: String, value: String)] = []
    ) -> String {
        let rows = configuration.optionRows + extraRows
        let nameWidth = rows.map(\.name.count).max() ?? 0
        let lines = rows.map { row in
            TextLayout.left(row.name, nameWidth + 2) + row.value
        }
        return ([TextLayout.rule("── configuration ", width: width)] + lines)
            .joined(separator: "\n")
    }

    // MARK: - Task banner

    /// "── task 2/5 · classes 2,3 · 12000 images ───…", `width` characters wide.
    ///
    /// - Parameters:
    ///   - task: the task, from 0.
    ///   - tasks: the number of tasks.
    ///   - classes: the original class ids the task introduces; more than eight are shortened
    ///     to the first six and a count.
    ///   - images: the task's training images.
    public static func taskBanner(
        task: Int, of tasks: Int, classes: [Int], images: Int
    ) -> String {
        let shown = classes.count > 8 ? Array(classes.prefix(6)) : classes
        var listed = shown.map(String.init).joined(separator: ",")
        if shown.count < classes.count { listed += ",… (\(classes.count))" }
        let title = "── task \(task + 1)/\(tasks) · classes \(listed) · \(images) images "
        return TextLayout.rule(title, width: width)
    }

    // MARK: - Epoch lines

    private static let epochColumns: [(title: String, width: Int)] = [
        ("epoch", 7), ("L_C", 8), ("L_D", 8), ("L_AD", 8), ("total", 8), ("lr", 9),
        ("img/s", 8), ("sec", 7),
    ]

    /// The titles above `epochLine(_:)`'s columns.
    public static var epochHeader: String {
        epochColumns.map { TextLayout.right($0.title, $0.width) }.joined(separator: " ")
    }

    /// One epoch's losses (4 decimals, "-" for a term the method or task lacks), learning
    /// rate (3 significant digits), throughput and duration, in `epochHeader`'s columns.
    public static func epochLine(_ summary: EpochSummary) -> String {
        func loss(_ value: Double?) -> String { value.map { TextLayout.fixed($0, 4) } ?? "-" }
        let cells = [
            "\(summary.epoch + 1)/\(summary.epochs)",
            loss(summary.classificationLoss), loss(summary.distillationLoss),
            loss(summary.attentionLoss), loss(summary.totalLoss),
            TextLayout.significant(summary.learningRate),
            TextLayout.fixed(summary.imagesPerSecond, 0), TextLayout.fixed(summary.seconds, 1),
        ]
        return zip(cells, epochColumns).map { TextLayout.right($0, $1.width) }
            .joined(separator: " ")
    }

    // MARK: - Accuracy

    /// One line after a task's evaluation: "after task 2/5 · top-1 87.5 · top-5 99.0 ·
    /// task-aware 97.0 (%)".
    public static func evaluationLine(_ metrics: IncrementalMetrics, tasks: Int) -> String {
        let last = metrics.tasksEvaluated - 1
        guard last >= 0 else { return "no task evaluated yet" }
        return "after task \(last + 1)/\(tasks)"
            + " · top-1 \(TextLayout.fixed(metrics.taskAgnosticTop1[last], 1))"
            + " · top-5 \(TextLayout.fixed(metrics.taskAgnosticTop5[last], 1))"
            + " · task-aware \(TextLayout.fixed(metrics.taskAwareTop1[last], 1)) (%)"
    }

    /// The accuracy matrix (a row after each task, a column per task's classes, task-agnostic
    /// top-1 in percent with one decimal, "-" for a task without test images), the
    /// task-agnostic top-1 and top-5 and task-aware top-1 over all classes seen, the
    /// forgetting row, and the average incremental accuracy and forgetting.
    public static func accuracySummary(_ metrics: IncrementalMetrics) -> String {
        let tasks = metrics.tasksEvaluated
        guard tasks > 0 else { return "no task evaluated yet" }
        let matrix = metrics.accuracyMatrix
        let labelWidth = max("accuracy (%)".count, "after task \(tasks)".count) + 1
        let cellWidth = max(7, "task \(tasks)".count + 2)
        let separator = " │"
        func cell(_ value: Double, present: Bool = true) -> String {
            TextLayout.right(present ? TextLayout.fixed(value, 1) : "-", cellWidth)
        }
        func summary(_ values: [Double]) -> String {
            values.map { TextLayout.right(TextLayout.fixed($0, 1), 7) }.joined()
        }

        var lines: [String] = []
        lines.append(
            TextLayout.left("accuracy (%)", labelWidth)
                + (1...tasks).map { TextLayout.right("task \($0)", cellWidth) }.joined()
                + separator + ["top-1", "top-5", "aware"].map { TextLayout.right($0, 7) }.joined())
        for i in 0..<tasks {
            let counts = metrics.evaluations[i].perTask
            let cells = (0..<tasks).map { j in
                j <= i
                    ? cell(matrix[i][j], present: counts[j].total > 0)
                    : String(repeating: " ", count: cellWidth)
            }
            lines.append(
                TextLayout.left("after task \(i + 1)", labelWidth) + cells.joined() + separator
                    + summary([
                        metrics.taskAgnosticTop1[i], metrics.taskAgnosticTop5[i],
                        metrics.taskAwareTop1[i],
                    ]))
        }

        let finalCounts = metrics.evaluations[tasks - 1].perTask
        let forgetting = metrics.forgetting.enumerated().map { j, value in
            cell(value, present: finalCounts[j].total > 0)
        }
        lines.append(
            TextLayout.left("forgetting", labelWidth) + forgetting.joined()
                + String(repeating: " ", count: cellWidth * (tasks - forgetting.count))
                + separator)
        lines.append(
            "average incremental accuracy "
                + TextLayout.fixed(metrics.averageIncrementalAccuracy, 1)
                + " · average forgetting " + TextLayout.fixed(metrics.averageForgetting, 1)
                + " (%)")
        return lines.joined(separator: "\n")
    }
}

/// One epoch of one task, as `ResultsTable.epochLine(_:)` shows it.
public struct EpochSummary: Sendable, Equatable {
    /// The epoch, from 0.
    public var epoch: Int
    /// Epochs in the task.
    public var epochs: Int
    /// Mean L_C over the epoch's images.
    public var classificationLoss: Double
    /// Mean L_D, or nil when the method or task has none.
    public var distillationLoss: Double?
    /// Mean L_AD, or nil when the method or task has none.
    public var attentionLoss: Double?
    /// Mean L = L_C + β·L_D + γ·L_AD.
    public var totalLoss: Double
    /// The learning rate of the epoch's last step.
    public var learningRate: Double
    public var imagesPerSecond: Double
    public var seconds: Double

    public init(
        epoch: Int, epochs: Int, classificationLoss: Double, distillationLoss: Double?,
        attentionLoss: Double?, totalLoss: Double, learningRate: Double,
        imagesPerSecond: Double, seconds: Double
    ) {
        self.epoch = epoch
        self.epochs = epochs
        self.classificationLoss = classificationLoss
        self.distillationLoss = distillationLoss
        self.attentionLoss = attentionLoss
        self.totalLoss = totalLoss
        self.learningRate = learningRate
        self.imagesPerSecond = imagesPerSecond
        self.seconds = seconds
    }
}
