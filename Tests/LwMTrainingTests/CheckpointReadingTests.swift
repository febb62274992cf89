import Foundation
import LwMCore
import LwMData
import LwMVisualization
import XCTest

@testable import LwMTraining

/// Checkpoints read back for `lwm gradcam`, the teacher checks, and the trainer's picture
/// hooks.
final class CheckpointReadingTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("lwm-checkpoint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Eight 10×10 images of four classes, learned as tasks [2, 0] and [3, 1].
    private func data() throws -> IncrementalData {
        var generator = SeededGenerator(seed: 3)
        let pixels = (0..<8 * 100).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let dataset = ImageDataset(
            pixels: pixels, labels: [0, 1, 2, 3, 0, 1, 2, 3], channels: 1, height: 10, width: 10,
            classNames: ["zero", "one", "two", "three"])
        return try IncrementalData(
            train: dataset, test: dataset, schedule: ClassSchedule(tasks: [[2, 0], [3, 1]]))
    }

    private func network(_ architecture: String = "resnet8", classes: Int) -> ResNet {
        ResNet(
            NetworkConfiguration(
                architecture: Architecture(name: architecture)!, width: 4, inputChannels: 1,
                classes: classes),
            seed: UInt64(classes))
    }

    /// Writes the checkpoint of `task` (0-based) and returns its URL.
    private func write(
        _ network: ResNet, task: Int, data: IncrementalData, folder: String = ""
    )
        throws -> URL
    {
        let target = directory.appendingPathComponent(folder)
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        let record = RunRecord(configuration: TrainingConfiguration(), ranks: 1)
        try Checkpoint.write(network, task: task, data: data, record: record, to: target)
        return target.appendingPathComponent(Checkpoint.fileName(task: task))
    }

    func testCheckpointLoadsWithItsMetadataAndWeights() throws {
        let data = try data()
        let original = network(classes: 2)
        let model = try Checkpoint.load(contentsOf: write(original, task: 0, data: data))

        XCTAssertEqual(model.task, 1)
        XCTAssertEqual(model.network.configuration, original.configuration)
        XCTAssertEqual(model.classOrder, [2, 0, 3, 1])
        XCTAssertEqual(model.classNames, ["two", "zero", "three", "one"])
        XCTAssertEqual(model.className(column: 1), "zero")
        XCTAssertEqual(model.className(originalClass: 3), "three")
        XCTAssertEqual(model.statistics, data.statistics)
        XCTAssertEqual(model.inputHeight, 10)
        XCTAssertEqual(model.inputWidth, 10)
        XCTAssertEqual(model.configuration["method"] as? String, "lwm")
        for (loaded, saved) in zip(model.network.namedTensors, original.namedTensors) {
            XCTAssertEqual(loaded.name, saved.name)
            XCTAssertEqual(
                Array(UnsafeBufferPointer(start: loaded.value, count: loaded.count)),
                Array(UnsafeBufferPointer(start: saved.value, count: saved.count)), loaded.name)
        }
    }

    func testTeacherOfTheSameRunIsAccepted() throws {
        let data = try data()
        let teacher = network(classes: 2)
        let student = teacher.growingHead(to: 4, seed: 5)
        let teacherModel = try Checkpoint.load(contentsOf: write(teacher, task: 0, data: data))
        let studentModel = try Checkpoint.load(contentsOf: write(student, task: 1, data: data))
        XCTAssertNoThrow(try studentModel.checkTeacher(teacherModel))
    }

    func testMismatchedTeachersAreOneSentenceEach() throws {
        let data = try data()
        let student = try Checkpoint.load(
            contentsOf: write(network(classes: 4), task: 1, data: data))

        let other = try Checkpoint.load(
            contentsOf: write(network("resnet14", classes: 2), task: 0, data: data, folder: "a"))
        assertRejected(student, other, mentions: "are different networks")

        let larger = try Checkpoint.load(
            contentsOf: write(network(classes: 4), task: 0, data: data, folder: "b"))
        assertRejected(student, larger, mentions: "the teacher must have fewer")

        let reordered = try IncrementalData(
            train: data.train, test: data.test, schedule: ClassSchedule(tasks: [[0, 2], [3, 1]]))
        let shuffled = try Checkpoint.load(
            contentsOf: write(network(classes: 2), task: 0, data: reordered, folder: "c"))
        assertRejected(student, shuffled, mentions: "are not the first classes")

        var brighter = data.train
        brighter.pixels = brighter.pixels.map { $0 / 2 }
        let otherRun = try IncrementalData(
            train: brighter, test: brighter, schedule: data.schedule)
        let foreign = try Checkpoint.load(
            contentsOf: write(network(classes: 2), task: 0, data: otherRun, folder: "d"))
        assertRejected(student, foreign, mentions: "normalise their inputs differently")
    }

    func testGradCAMCommandWritesOnePicturePerImageAndAGrid() throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("lwm")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw XCTSkip("no lwm binary next to the tests; build it with 'swift build'")
        }
        let data = try data()
        let teacher = network(classes: 2)
        let teacherURL = try write(teacher, task: 0, data: data)
        let studentURL = try write(teacher.growingHead(to: 4, seed: 3), task: 1, data: data)
        // One image at the input size and one at twice it, which is resized.
        let small = directory.appendingPathComponent("small.png")
        try PNG.write(
            Raster(planar: data.test.pixels[0..<100], channels: 1, height: 10, width: 10),
            to: small)
        let large = directory.appendingPathComponent("large.png")
        try PNG.write(
            Raster(width: 20, height: 20, color: RGB(red: 200, green: 90, blue: 10)), to: large)

        func run(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
            let process = Process()
            process.executableURL = binary
            process.arguments = ["gradcam"] + arguments
            let (output, error) = (Pipe(), Pipe())
            process.standardOutput = output
            process.standardError = error
            try process.run()
            process.waitUntilExit()
            func text(_ pipe: Pipe) -> String {
                String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            }
            return (process.terminationStatus, text(output), text(error))
        }

        let out = directory.appendingPathComponent("pictures")
        let result = try run([
            "--model", studentURL.path, "--teacher", teacherURL.path, "--images", small.path,
            large.path, "--out", out.path,
        ])
        XCTAssertEqual(result.status, 0, result.error)
        let paths = result.output.split(separator: "\n").map(String.init)
        XCTAssertEqual(paths.count, 3)
        XCTAssertTrue(
            paths[0].hasPrefix(out.appendingPathComponent("attention-task2-img0000-").path))
        XCTAssertEqual(paths[2], out.appendingPathComponent("attention-task2.png").path)
        let grid = try PNG.read(contentsOf: URL(fileURLWithPath: paths[2]), channels: 3)
        XCTAssertEqual(
            grid.height, AttentionGrid().size(rows: 2, imageWidth: 10, imageHeight: 10).height)

        let swapped = try run([
            "--model", teacherURL.path, "--teacher", studentURL.path, "--images", small.path,
        ])
        XCTAssertEqual(swapped.status, 1)
        XCTAssertTrue(swapped.error.contains("the teacher must have fewer"), swapped.error)
        XCTAssertEqual(swapped.error.split(separator: "\n").count, 1, swapped.error)

        let neither = try run(["--model", studentURL.path, "--teacher", teacherURL.path])
        XCTAssertEqual(neither.status, 2)
    }

    private func assertRejected(
        _ student: CheckpointModel, _ teacher: CheckpointModel, mentions fragment: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try student.checkTeacher(teacher), file: file, line: line) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(fragment), message, file: file, line: line)
            XCTAssertTrue(message.contains("; pass"), message, file: file, line: line)
            XCTAssertFalse(message.contains("\n"), message, file: file, line: line)
        }
    }

    func testMissingAndForeignFilesAreErrorsNamingThem() throws {
        let missing = directory.appendingPathComponent("task-9.safetensors")
        XCTAssertThrowsError(try Checkpoint.load(contentsOf: missing)) { error in
            XCTAssertTrue("\(error)".contains(missing.path), "\(error)")
        }

        let foreign = directory.appendingPathComponent("model.safetensors")
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        writer.add("x", floats: [1], shape: [1])
        try writer.write(to: foreign)
        XCTAssertThrowsError(try Checkpoint.load(contentsOf: foreign)) { error in
            XCTAssertTrue("\(error)".contains("is not an lwm checkpoint"), "\(error)")
        }
    }

    func testTrainerHooksWriteThePlotAndTheAttentionGrid() throws {
        let data = try data()
        var record = RunRecord(configuration: TrainingConfiguration(), ranks: 1)
        for task in 0..<2 {
            record.tasks.append(
                TaskRecord(
                    task: task + 1, classes: data.schedule.tasks[task],
                    classNames: data.classNames(task: task), trainImages: 4, epochs: [],
                    trainSeconds: 1, evaluationSeconds: 1, taskAgnosticTop1: 80 - 20 * Double(task),
                    taskAgnosticTop5: 100, taskAwareTop1: 90, accuracyPerTask: []))
        }
        let plot = directory.appendingPathComponent("accuracy.svg")
        try AccuracyPlot.write(record, to: plot)
        let svg = try String(contentsOf: plot, encoding: .utf8)
        XCTAssertEqual(svg.components(separatedBy: "class=\"top1\"").count - 1, 1)

        let indices = AttentionSamples.sampleIndices(data: data, count: 3)
        XCTAssertEqual(indices, [2, 0, 6])
        let teacher = network(classes: 2)
        let url = try AttentionSamples.write(
            teacher: teacher, student: teacher.growingHead(to: 4, seed: 1), data: data,
            indices: indices, task: 1, to: directory)
        XCTAssertEqual(url.lastPathComponent, "attention-task2.png")
        let picture = try PNG.read(contentsOf: url, channels: 3)
        XCTAssertEqual(
            picture.height, AttentionGrid().size(rows: 3, imageWidth: 10, imageHeight: 10).height)
    }
}
