import Foundation
import LwMCore
import LwMData
import LwMTraining
import LwMVisualization

/// `lwm gradcam`: attention maps of a model and its teacher over chosen images, as PNGs.
/// Exit codes: 0 written, 1 a file cannot be read, does not fit or cannot be written, 2 a bad
/// command line.
enum GradCAMCommand {
    static let help = """
        usage: lwm gradcam --model FILE --teacher FILE (--images FILE... | --indices LIST)
                           [--data DIR] [--split test|train] [--out DIR]

        Draws, for each image, the Grad-CAM of the teacher's top base class b in the teacher
        and in the model (Q = ReLU(sum_k W[b,k] A_k) / HW, both in eval mode), each scaled to
        its own maximum and laid over the image. Writes one PNG per image,
        attention-task<t>-img<k>-<class of b>.png, and with several images also
        attention-task<t>.png with all of them, then prints the paths.

          --model FILE     the model, task-<t>.safetensors
          --teacher FILE   a checkpoint of an earlier task of the same run, task-<t-1>.safetensors
          --images FILE... JPEG or PNG images, resized to the checkpoint's input size
          --indices LIST   comma-separated indices of dataset images, such as 0,5,9
          --data DIR       the IDX dataset folder (default: the run's data folder)
          --split NAME     test or train (default: test)
          --out DIR        the output folder (default: the current folder)
        """

    /// Images at the model's input size, a caption for each, and the number in its file name.
    typealias Images = (images: [Raster], captions: [String], numbers: [Int])

    struct Options {
        var model: String?
        var teacher: String?
        var images: [String] = []
        var indices: [Int]?
        var data: String?
        var split = Split.test
        var output = "."
    }

    static func run(_ arguments: [String]) -> Int32 {
        let options: Options
        switch parse(arguments) {
        case .success(nil):
            print(help)
            return 0
        case .success(let parsed?):
            options = parsed
        case .failure(let error):
            printError("\(error)")
            return 2
        }
        do {
            for path in try draw(options) { print(path) }
            return 0
        } catch {
            printError("\(error)")
            return 1
        }
    }

    /// The options, nil for --help.
    static func parse(_ arguments: [String]) -> Result<Options?, ConfigurationError> {
        var options = Options()
        var rest = arguments[...]
        func fail(_ message: String) -> Result<Options?, ConfigurationError> {
            .failure(ConfigurationError(message + "; see 'lwm gradcam --help'"))
        }
        while let flag = rest.popFirst() {
            if flag == "--help" || flag == "-h" { return .success(nil) }
            if flag == "--images" {
                while let next = rest.first, !next.hasPrefix("--") {
                    options.images.append(next)
                    rest.removeFirst()
                }
                if options.images.isEmpty { return fail("option '--images' needs file names") }
                continue
            }
            guard
                ["--model", "--teacher", "--indices", "--data", "--split", "--out"].contains(flag)
            else { return fail("unknown option '\(flag)'") }
            guard let value = rest.popFirst() else { return fail("option '\(flag)' needs a value") }
            switch flag {
            case "--model": options.model = value
            case "--teacher": options.teacher = value
            case "--data": options.data = value
            case "--out": options.output = value
            case "--split":
                guard let split = Split(rawValue: value) else {
                    return fail("option '--split' must be test or train, got '\(value)'")
                }
                options.split = split
            default:
                let parts = value.split(separator: ",", omittingEmptySubsequences: false)
                let indices = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard !parts.isEmpty, indices.count == parts.count, indices.allSatisfy({ $0 >= 0 })
                else {
                    return fail(
                        "option '--indices' expects comma-separated image indices such as 0,5,9, "
                            + "got '\(value)'")
                }
                options.indices = indices
            }
        }
        guard options.model != nil else { return fail("option '--model' is required") }
        guard options.teacher != nil else { return fail("option '--teacher' is required") }
        guard options.images.isEmpty != (options.indices == nil) else {
            return fail("pass either '--images FILE...' or '--indices LIST', not both or neither")
        }
        return .success(options)
    }

    /// Loads the checkpoints and images, draws and writes the pictures; returns their paths.
    static func draw(_ options: Options) throws -> [String] {
        let student = try Checkpoint.load(contentsOf: URL(fileURLWithPath: options.model!))
        let teacher = try Checkpoint.load(contentsOf: URL(fileURLWithPath: options.teacher!))
        try student.checkTeacher(teacher)

        let (images, captions, numbers) =
            options.images.isEmpty
            ? try datasetImages(options, model: student)
            : try fileImages(options.images, model: student)
        let inputs = images.flatMap { $0.normalized(student.statistics) }
        let maps = try AttentionMaps(
            teacher: teacher.network, student: student.network, images: inputs,
            count: images.count, height: student.inputHeight, width: student.inputWidth)

        let rows = images.indices.map { row in
            AttentionGrid.Row(
                image: images[row], teacherMap: maps.teacher[row], studentMap: maps.student[row],
                captions: [
                    captions[row],
                    "b: \(student.className(column: maps.attentionClasses[row]))",
                    "top: \(student.className(column: maps.studentPredictions[row]))",
                ])
        }
        var grid = AttentionGrid()
        grid.columnTitles = ["image", "teacher t\(teacher.task)", "student t\(student.task)"]

        let directory = URL(fileURLWithPath: options.output)
        do {
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: true)
        } catch {
            throw VisualizationError(
                "cannot create the output folder \(directory.path): "
                    + "\(error.localizedDescription); pass a writable folder with --out.")
        }
        var written: [String] = []
        for (row, number) in numbers.enumerated() {
            let name = AttentionSamples.fileName(
                taskNumber: student.task, image: number,
                className: student.className(column: maps.attentionClasses[row]))
            let url = directory.appendingPathComponent(name)
            try PNG.write(grid.render([rows[row]]), to: url)
            written.append(url.path)
        }
        if rows.count > 1 {
            let url = directory.appendingPathComponent(
                AttentionSamples.fileName(taskNumber: student.task))
            try PNG.write(grid.render(rows), to: url)
            written.append(url.path)
        }
        return written
    }

    /// The images `--indices` of the dataset, with captions "#index class" and the indices.
    static func datasetImages(_ options: Options, model: CheckpointModel) throws -> Images {
        let folder =
            options.data ?? (model.configuration["data"] as? String)
            ?? TrainingConfiguration().dataDirectory
        let dataset = try IDXDataset.load(
            directory: URL(fileURLWithPath: folder), split: options.split)
        let channels = model.network.configuration.inputChannels
        guard dataset.channels == channels, dataset.height == model.inputHeight,
            dataset.width == model.inputWidth
        else {
            throw DataError(
                "\(folder) holds \(dataset.channels)×\(dataset.height)×\(dataset.width) images "
                    + "but \(model.url.lastPathComponent) takes \(channels)×\(model.inputHeight)×"
                    + "\(model.inputWidth); pass the dataset the run was trained on with --data.")
        }
        let indices = options.indices ?? []
        if let bad = indices.first(where: { $0 >= dataset.count }) {
            throw DataError(
                "index \(bad) is out of range for the \(dataset.count) \(options.split.rawValue) "
                    + "images in \(folder); pass indices from 0 to \(dataset.count - 1).")
        }
        let images = indices.map { index in
            let start = index * dataset.imageSize
            return Raster(
                planar: dataset.pixels[start..<start + dataset.imageSize],
                channels: dataset.channels, height: dataset.height, width: dataset.width)
        }
        let captions = indices.map {
            "#\($0) \(model.className(originalClass: dataset.labels[$0]))"
        }
        return (images, captions, indices)
    }

    /// The JPEG or PNG files, resized to the model's input, captioned with their file names and
    /// numbered by their position.
    static func fileImages(_ paths: [String], model: CheckpointModel) throws -> Images {
        let channels = model.network.configuration.inputChannels
        let images = try paths.map { path -> Raster in
            // JPEG or PNG, told apart by their bytes; RGB, made grey for a one-channel model.
            let decoded = try ImageCodec.decode(file: URL(fileURLWithPath: path))
            var image = Raster(
                width: decoded.width, height: decoded.height, channels: 3, pixels: decoded.pixels)
            if channels == 1 {
                image = Raster(
                    width: decoded.width, height: decoded.height, channels: 1,
                    pixels: (0..<(decoded.width * decoded.height)).map { i in
                        let (r, g, b) = (
                            Int(decoded.pixels[3 * i]), Int(decoded.pixels[3 * i + 1]),
                            Int(decoded.pixels[3 * i + 2])
                        )
                        return UInt8((299 * r + 587 * g + 114 * b + 500) / 1000)
                    })
            }
            guard image.width != model.inputWidth || image.height != model.inputHeight else {
                return image
            }
            return image.resized(
                width: model.inputWidth, height: model.inputHeight, interpolation: .bilinear)
        }
        let captions = paths.map { URL(fileURLWithPath: $0).lastPathComponent }
        return (images, captions, Array(paths.indices))
    }
}
