import Foundation
import LwMCore
import LwMData
import LwMDistributed
import XCTest

@testable import LwMTraining

/// A fresh directory under the system's temporary directory, removed when the test ends.
func makeTemporaryDirectory(_ test: XCTestCase, name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// A tiny IDX dataset that a small network learns in a few steps: class c lights the c-th
/// 4×4 block of a 16×16 image (blocks in reading order) on a dim, noisy background.
enum SyntheticDataset {
    static let classes = 10
    static let side = 16
    static let block = 4

    /// Writes the four raw IDX files of `trainPerClass` and `testPerClass` images per class
    /// into `directory`; the classes are interleaved, as in the real datasets.
    static func write(to directory: URL, trainPerClass: Int = 20, testPerClass: Int = 10) throws {
        var generator = SeededGenerator(seed: 2019)
        for (split, perClass) in [("train", trainPerClass), ("t10k", testPerClass)] {
            let count = classes * perClass
            var pixels: [UInt8] = []
            pixels.reserveCapacity(count * side * side)
            for index in 0..<count {
                pixels += image(ofClass: index % classes, generator: &generator)
            }
            let labels = (0..<count).map { UInt8($0 % classes) }
            try Data(IDX.encode(dimensions: [count, side, side], elements: pixels))
                .write(to: directory.appendingPathComponent("\(split)-images-idx3-ubyte"))
            try Data(IDX.encode(dimensions: [count], elements: labels))
                .write(to: directory.appendingPathComponent("\(split)-labels-idx1-ubyte"))
        }
    }

    private static func image(ofClass label: Int, generator: inout SeededGenerator) -> [UInt8] {
        let blocksPerRow = side / block
        let (blockRow, blockColumn) = label.quotientAndRemainder(dividingBy: blocksPerRow)
        var pixels = [UInt8](repeating: 0, count: side * side)
        for row in 0..<side {
            for column in 0..<side {
                let lit = row / block == blockRow && column / block == blockColumn
                let noise = Int(generator.next() % 60)
                pixels[row * side + column] = UInt8(lit ? 190 + noise : noise)
            }
        }
        return pixels
    }
}

/// `lwm train` options for a run of seconds on the synthetic data in `data`, writing to `out`.
func tinyRunArguments(data: URL, out: URL, method: String = "lwm") -> [String] {
    [
        "--data", data.path, "--dataset", "idx", "--arch", "resnet8", "--width", "4",
        "--epochs", "1", "--batch-size", "25", "--eval-batch-size", "50", "--lr", "0.05",
        "--method", method, "--out", out.path, "--progress", "lines",
    ]
}

/// A test's precondition that did not hold, in one sentence.
struct TestSetupError: Error, CustomStringConvertible {
    let description: String
}

/// Parses `arguments` with the real `lwm train` parser and resolves the defaults.
///
/// - Throws: `ConfigurationError` as the parser does, or `TestSetupError` when the arguments
///   ask for help instead of a run.
func parseConfiguration(_ arguments: [String]) throws -> TrainingConfiguration {
    guard case .run(let configuration) = try TrainingConfiguration.parseTrain(arguments: arguments)
    else {
        throw TestSetupError(description: "\(arguments) asked for help instead of a run")
    }
    return configuration.resolvingDefaults()
}

/// Runs the class-incremental trainer in this process as the only rank.
func trainInProcess(_ configuration: TrainingConfiguration) throws -> RunRecord {
    let data = try IncrementalData(configuration: configuration)
    let trainer = ClassIncrementalTrainer(
        configuration: configuration, data: data,
        parallel: DataParallel(communicator: SingleProcessCommunicator()),
        console: RankConsole(isRoot: true, showsProgressBar: false),
        outputDirectory: URL(fileURLWithPath: configuration.outputDirectory!))
    return try trainer.run()
}

/// The JSON object in the file at `url`.
func readJSONObject(
    _ url: URL, file: StaticString = #filePath, line: UInt = #line
) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
    guard let dictionary = object as? [String: Any] else {
        XCTFail("\(url.path) does not hold a JSON object", file: file, line: line)
        return [:]
    }
    return dictionary
}

/// Asserts that two checkpoints hold the same tensor names, shapes and bit-identical
/// elements; a failure names the tensor and its largest difference.
func assertIdenticalTensors(
    _ a: SafeTensorsFile, _ b: SafeTensorsFile, file: StaticString = #filePath,
    line: UInt = #line
) throws {
    XCTAssertEqual(a.tensorNames, b.tensorNames, "tensor names differ", file: file, line: line)
    for name in a.tensorNames where b.info(name) != nil {
        XCTAssertEqual(
            a.info(name), b.info(name), "\(name): dtype or shape", file: file, line: line)
        if a.info(name)?.dtype == .i64 {
            XCTAssertEqual(try a.int64s(name), try b.int64s(name), name, file: file, line: line)
            continue
        }
        let x = try a.floats(name)
        let y = try b.floats(name)
        let differing = zip(x, y).filter { $0.bitPattern != $1.bitPattern }
        let largest = differing.map { abs($0 - $1) }.max() ?? 0
        XCTAssertTrue(
            differing.isEmpty && x.count == y.count,
            "\(name): \(differing.count) of \(x.count) elements differ, largest by \(largest)",
            file: file, line: line)
    }
}
