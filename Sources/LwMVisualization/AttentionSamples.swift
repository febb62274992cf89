import Foundation
import LwMCore
import LwMData

/// Attention pictures of a fixed set of test images, one grid per task, for the trainer's
/// `--attention-samples K`: the same images every task show how the student's attention on
/// the base classes drifts, or does not, as classes are added.
public enum AttentionSamples {
    /// `count` images of `classes` (original class ids), taken in turn from each class in the
    /// order given (the first image of each class, then the second, …), in file order within
    /// a class. The choice depends only on the dataset, so it is the same at every task and
    /// on every rank. Fewer come back when the classes hold fewer images.
    public static func sampleIndices(
        in dataset: ImageDataset, classes: [Int], count: Int
    )
        -> [Int]
    {
        let perClass = classes.map { dataset.indices(ofClasses: [$0]) }
        var chosen: [Int] = []
        var depth = 0
        while chosen.count < count, perClass.contains(where: { $0.count > depth }) {
            for indices in perClass where indices.count > depth && chosen.count < count {
                chosen.append(indices[depth])
            }
            depth += 1
        }
        return chosen
    }

    /// Writes `attention-task<t>.png` into `directory` (created if missing), t = `task` + 1:
    /// one row per image of `indices`, columns image | teacher's map | student's map of the
    /// teacher's top base class b. Captions give the image's index and class, b, and the
    /// student's own top class.
    ///
    /// Call it on one rank only, after training `task` (0-based, as the trainer counts; from
    /// 1, since the first task has no teacher), with that task's teacher and student.
    ///
    /// - Parameters:
    ///   - teacher: the model after the previous task.
    ///   - student: the model after `task`.
    ///   - dataset: the images, normally the test split.
    ///   - indices: the images to show (see ``sampleIndices(in:classes:count:)``).
    ///   - statistics: the normalisation the models were trained with.
    ///   - classNames: the name of each output column, in class order.
    ///   - task: the task just trained, 0-based.
    /// - Returns: the file written.
    /// - Throws: ``VisualizationError`` when the models do not fit the images or each other,
    ///   or the file cannot be written.
    @discardableResult
    public static func write(
        teacher: ResNet, student: ResNet, dataset: ImageDataset, indices: [Int],
        statistics: ChannelStatistics, classNames: [String], task: Int, to directory: URL
    ) throws -> URL {
        guard !indices.isEmpty else {
            throw VisualizationError(
                "no images to draw attention maps of for task \(task + 1); pass at least one "
                    + "test image index.")
        }
        let images = dataset.makeBatch(indices: indices, statistics: statistics)
        let maps = try AttentionMaps(
            teacher: teacher, student: student, images: images, count: indices.count,
            height: dataset.height, width: dataset.width)
        func name(_ column: Int) -> String {
            classNames.indices.contains(column) ? classNames[column] : "class \(column)"
        }

        let rows = indices.enumerated().map { row, index in
            let start = index * dataset.imageSize
            return AttentionGrid.Row(
                image: Raster(
                    planar: dataset.pixels[start..<start + dataset.imageSize],
                    channels: dataset.channels, height: dataset.height, width: dataset.width),
                teacherMap: maps.teacher[row], studentMap: maps.student[row],
                captions: [
                    "#\(index) \(dataset.classNames[dataset.labels[index]])",
                    "b: \(name(maps.attentionClasses[row]))",
                    "top: \(name(maps.studentPredictions[row]))",
                ])
        }
        var grid = AttentionGrid()
        grid.columnTitles = ["image", "teacher t\(task)", "student t\(task + 1)"]

        let url = directory.appendingPathComponent(fileName(taskNumber: task + 1))
        do {
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: true)
        } catch {
            throw VisualizationError(
                "cannot create the folder \(directory.path) for attention pictures: "
                    + "\(error.localizedDescription); pass a writable output folder.")
        }
        try PNG.write(grid.render(rows), to: url)
        return url
    }

    /// `attention-task3.png`, or `attention-task3-img0007-Pullover.png` for one image and the
    /// name of its class b; `taskNumber` counts from 1.
    public static func fileName(
        taskNumber: Int, image: Int? = nil, className: String? = nil
    )
        -> String
    {
        var name = "attention-task\(taskNumber)"
        if let image { name += "-img" + String(format: "%04d", image) }
        if let className { name += "-" + fileNameComponent(className) }
        return name + ".png"
    }

    /// `text` with every character but ASCII letters, digits, '-' and '_' replaced by '-'
    /// ("T-shirt/top" → "T-shirt-top").
    public static func fileNameComponent(_ text: String) -> String {
        let kept = text.map { character -> Character in
            character.isASCII && (character.isLetter || character.isNumber || character == "_")
                ? character : "-"
        }
        return String(kept)
    }
}
