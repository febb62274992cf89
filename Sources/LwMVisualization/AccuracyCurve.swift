import Foundation

/// One run's task-agnostic accuracy after each task, as metrics.json records it.
public struct AccuracyCurve: Equatable, Sendable {
    /// `config.method` of the run (`lwm`, `lwf`, …), or the folder name when there is none.
    public var method: String
    /// The run's folder name, which tells runs of one method apart.
    public var runName: String
    /// The number of classes learned after each task.
    public var classesSeen: [Int]
    /// Percent, after each task.
    public var top1: [Double]
    public var top5: [Double]

    public init(
        method: String, runName: String, classesSeen: [Int], top1: [Double], top5: [Double]
    ) {
        self.method = method
        self.runName = runName
        self.classesSeen = classesSeen
        self.top1 = top1
        self.top5 = top5
    }

    /// Reads `RUN_DIR/metrics.json`, or the file itself when `url` names a file.
    /// - Throws: ``VisualizationError`` naming the file when it is missing or not an lwm
    ///   metrics document.
    public init(contentsOf url: URL) throws {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
        let file = isDirectory.boolValue ? url.appendingPathComponent("metrics.json") : url
        let folder = isDirectory.boolValue ? url : url.deletingLastPathComponent()
        guard exists, let data = FileManager.default.contents(atPath: file.path) else {
            throw VisualizationError(
                "\(file.path) does not exist; pass a run folder that holds metrics.json (the "
                    + "--out folder of lwm train) or the metrics.json file itself.")
        }
        try self.init(
            metricsDocument: data, runName: folder.standardizedFileURL.lastPathComponent,
            source: file.path)
    }

    /// Parses a metrics.json document: `tasks[].classes` gives the classes of each task,
    /// `task_agnostic_top1` and `task_agnostic_top5` the accuracies after each task (or each
    /// task record's fields of those names), `config.method` the method.
    /// - Throws: ``VisualizationError`` naming `source` when a field is missing or the
    ///   lengths disagree.
    public init(metricsDocument data: Data, runName: String, source: String) throws {
        guard let document = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        else {
            throw VisualizationError(
                "\(source) is not a JSON object; pass the metrics.json that lwm train writes.")
        }
        let tasks = document["tasks"] as? [[String: Any]] ?? []
        let classCounts = tasks.compactMap { ($0["classes"] as? [Any])?.count }
        guard !tasks.isEmpty, classCounts.count == tasks.count else {
            throw VisualizationError(
                "\(source) has no list 'tasks' with the 'classes' of each task; pass the "
                    + "metrics.json that lwm train writes.")
        }
        func series(_ key: String) -> [Double]? {
            if let values = document[key] as? [NSNumber], values.count == tasks.count {
                return values.map(\.doubleValue)
            }
            let perTask = tasks.map { ($0[key] as? NSNumber)?.doubleValue }
            return perTask.allSatisfy { $0 != nil } ? perTask.map { $0! } : nil
        }
        guard let top1 = series("task_agnostic_top1"), top1.count == tasks.count else {
            throw VisualizationError(
                "\(source) lacks 'task_agnostic_top1' with one value per task "
                    + "(\(tasks.count) tasks); pass the metrics.json that lwm train writes.")
        }
        let top5 = series("task_agnostic_top5") ?? []
        guard top5.isEmpty || top5.count == tasks.count else {
            throw VisualizationError(
                "\(source) has \(top5.count) 'task_agnostic_top5' values for \(tasks.count) "
                    + "tasks; the file is damaged, rerun or fix it.")
        }

        let configuration = document["config"] as? [String: Any]
        method = (configuration?["method"] as? String) ?? runName
        self.runName = runName
        var seen = 0
        classesSeen = classCounts.map { count in
            seen += count
            return seen
        }
        self.top1 = top1
        self.top5 = top5
    }

    /// Top-5 accuracy tells something only once more than five classes compete; the points
    /// (classes, percent) where it does.
    public var meaningfulTop5: [(classes: Int, accuracy: Double)] {
        zip(classesSeen, top5).filter { $0.0 > 5 }.map { ($0.0, $0.1) }
    }
}
