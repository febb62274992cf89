import Foundation
import LwMCore
import XCTest

@testable import LwMTraining

/// The `lwm` executable as users meet it: exit codes, error sentences and help, for `train`,
/// `selftest`, `compare` and unknown commands.
///
/// Runs the debug binary that `swift build` and `swift test` leave in `.build/debug/lwm`; the
/// tests are skipped when it is missing.
final class CommandLineTests: XCTestCase {
    private static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    private static let binary = packageRoot.appendingPathComponent(".build/debug/lwm")

    private struct Outcome {
        let status: Int32
        let output: String
        let error: String

        var errorLines: [Substring] { error.split(separator: "\n") }
    }

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary.path) else {
            throw XCTSkip("\(Self.binary.path) is missing; run 'swift build' first")
        }
    }

    // MARK: - lwm train

    func testUnknownOptionSuggestsTheClosest() throws {
        let outcome = try lwm("train", "--lr-rate", "0.1")
        XCTAssertEqual(outcome.status, 2)
        XCTAssertEqual(outcome.error, "lwm: unknown option '--lr-rate'; did you mean '--lr'?\n")
    }

    func testBadValueNamesTheOptionAndTheValue() throws {
        let outcome = try lwm("train", "--batch-size", "abc")
        XCTAssertEqual(outcome.status, 2)
        XCTAssertEqual(outcome.errorLines.count, 1, outcome.error)
        XCTAssertTrue(outcome.error.contains("'--batch-size'"), outcome.error)
        XCTAssertTrue(outcome.error.contains("'abc'"), outcome.error)
    }

    func testResumeNeedsAnOutputFolder() throws {
        let outcome = try lwm("train", "--resume")
        XCTAssertEqual(outcome.status, 2)
        XCTAssertEqual(outcome.errorLines.count, 1, outcome.error)
        XCTAssertTrue(outcome.error.contains("--out"), outcome.error)
    }

    func testMissingDataFolderStopsWithOneSentence() throws {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("lwm-no-such-data-\(UUID().uuidString)").path
        let outcome = try lwm("train", "--data", folder, "--tasks", "2")
        XCTAssertEqual(outcome.status, 1)
        XCTAssertEqual(outcome.errorLines.count, 1, outcome.error)
        XCTAssertTrue(outcome.error.contains(folder), outcome.error)
        XCTAssertEqual(outcome.output, "", "nothing is printed before the data is read")
    }

    func testTrainHelpListsEveryOption() throws {
        let outcome = try lwm("train", "--help")
        XCTAssertEqual(outcome.status, 0)
        XCTAssertEqual(outcome.error, "")
        XCTAssertTrue(outcome.output.hasPrefix("usage: lwm train"), outcome.output)
        for spec in TrainingConfiguration.optionSpecs {
            XCTAssertTrue(outcome.output.contains("--\(spec.name)"), "help lacks --\(spec.name)")
        }
    }

    /// `lwm train` through the binary writes the very model the trainer writes in-process.
    func testTrainWritesTheInProcessModel() throws {
        let data = try makeTemporaryDirectory(self, name: "lwm-cli-data")
        try SyntheticDataset.write(to: data)
        let viaBinary = try makeTemporaryDirectory(self, name: "lwm-cli-binary")
        let inProcess = try makeTemporaryDirectory(self, name: "lwm-cli-process")
        let schedule = ["--tasks", "2"]

        let outcome = try lwm(["train"] + tinyRunArguments(data: data, out: viaBinary) + schedule)
        XCTAssertEqual(outcome.status, 0, outcome.error)
        XCTAssertTrue(outcome.output.contains("accuracy (%)"), outcome.output)
        _ = try trainInProcess(
            parseConfiguration(tinyRunArguments(data: data, out: inProcess) + schedule))

        let name = "task-2.safetensors"
        try assertIdenticalTensors(
            SafeTensorsFile(contentsOf: viaBinary.appendingPathComponent(name)),
            SafeTensorsFile(contentsOf: inProcess.appendingPathComponent(name)))
    }

    // MARK: - Other commands

    func testSelfTestPasses() throws {
        let fixtures = Self.packageRoot.deletingLastPathComponent()
            .appendingPathComponent("shared/fixtures")
        guard FileManager.default.fileExists(atPath: fixtures.path) else {
            throw XCTSkip("no fixtures at \(fixtures.path)")
        }
        let outcome = try lwm("selftest")
        XCTAssertEqual(outcome.status, 0, outcome.output + outcome.error)
        XCTAssertTrue(outcome.output.hasSuffix("selftest: PASS\n"), outcome.output)
    }

    func testUnknownCommand() throws {
        let outcome = try lwm("frobnicate")
        XCTAssertEqual(outcome.status, 2)
        XCTAssertTrue(
            outcome.error.hasPrefix("lwm: unknown command 'frobnicate'\n"), outcome.error)
        XCTAssertTrue(outcome.error.contains("usage: lwm <command>"), outcome.error)
    }

    // MARK: - lwm compare

    func testCompareOfAFileWithItselfPasses() throws {
        let file = try writeTensors(weights: [1, -2, 3], counter: 7, name: "a")
        let outcome = try lwm("compare", file.path, file.path, "--relative", "0")
        XCTAssertEqual(outcome.status, 0, outcome.output + outcome.error)
        XCTAssertTrue(outcome.output.contains("compare: PASS"), outcome.output)
    }

    func testCompareAppliesTheRelativeTolerance() throws {
        // max|a−b| = 2e-5 and max|b| = 4: relative 5e-6.
        let a = try writeTensors(weights: [1, -2, 4.00002], counter: 7, name: "a")
        let b = try writeTensors(weights: [1, -2, 4], counter: 7, name: "b")

        let loose = try lwm("compare", a.path, b.path)
        XCTAssertEqual(loose.status, 0, loose.output)
        XCTAssertTrue(line(of: "weight", in: loose.output).hasSuffix("PASS"), loose.output)

        let tight = try lwm("compare", a.path, b.path, "--relative=1e-6")
        XCTAssertEqual(tight.status, 1, tight.output)
        XCTAssertTrue(line(of: "weight", in: tight.output).hasSuffix("FAIL"), tight.output)
        XCTAssertTrue(tight.output.contains("compare: FAIL, 1 of 2 tensors differ"), tight.output)
    }

    func testCompareFailsOnIntegersAndMissingTensors() throws {
        let a = try writeTensors(weights: [1, 2, 3], counter: 7, name: "a")
        let b = try writeTensors(weights: [1, 2, 3], counter: 8, name: "b", extra: true)
        let outcome = try lwm("compare", a.path, b.path, "--relative", "1")
        XCTAssertEqual(outcome.status, 1, outcome.output)
        XCTAssertTrue(line(of: "counter", in: outcome.output).contains("FAIL"), outcome.output)
        XCTAssertTrue(
            line(of: "extra", in: outcome.output).contains("FAIL: missing in \(a.path)"),
            outcome.output)
        XCTAssertTrue(line(of: "weight", in: outcome.output).hasSuffix("PASS"), outcome.output)
    }

    func testCompareUsageAndUnreadableFiles() throws {
        let file = try writeTensors(weights: [1], counter: 1, name: "a")
        for arguments in [
            [file.path], [file.path, file.path, "--relative", "-1"],
            [file.path, file.path, "--relative"], [file.path, file.path, "--tolerance", "1"],
        ] {
            let outcome = try lwm(["compare"] + arguments)
            XCTAssertEqual(outcome.status, 2, "\(arguments): \(outcome.error)")
            XCTAssertEqual(outcome.errorLines.count, 1, "\(arguments): \(outcome.error)")
        }

        let missing = file.deletingLastPathComponent().appendingPathComponent("missing.safetensors")
        let outcome = try lwm("compare", file.path, missing.path)
        XCTAssertEqual(outcome.status, 1)
        XCTAssertTrue(outcome.error.contains(missing.path), outcome.error)
    }

    // MARK: - Helpers

    private func lwm(_ arguments: String...) throws -> Outcome {
        try lwm(arguments)
    }

    /// Runs the binary with `arguments`, outside any MPI launcher, and collects its output.
    private func lwm(_ arguments: [String]) throws -> Outcome {
        let folder = try makeTemporaryDirectory(self, name: "lwm-cli-output")
        let outputURL = folder.appendingPathComponent("stdout")
        let errorURL = folder.appendingPathComponent("stderr")
        try Data().write(to: outputURL)
        try Data().write(to: errorURL)

        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        // Files, not pipes: a full pipe would block the child before the test reads it.
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        process.standardError = try FileHandle(forWritingTo: errorURL)
        // The test's own environment, OpenBLAS threads included: a different thread count
        // rounds differently and would make testTrainWritesTheInProcessModel fail.
        process.environment = ProcessInfo.processInfo.environment.filter { key, _ in
            !key.hasPrefix("OMPI_") && !key.hasPrefix("PMI")
        }
        try process.run()
        process.waitUntilExit()

        return Outcome(
            status: process.terminationStatus,
            output: try String(contentsOf: outputURL, encoding: .utf8),
            error: try String(contentsOf: errorURL, encoding: .utf8))
    }

    /// A safetensors file with the F32 tensor "weight", the I64 scalar "counter" and, when
    /// `extra`, the F32 tensor "extra".
    private func writeTensors(
        weights: [Float], counter: Int64, name: String, extra: Bool = false
    ) throws -> URL {
        let folder = try makeTemporaryDirectory(self, name: "lwm-cli-tensors")
        var writer = SafeTensorsWriter()
        writer.add("weight", floats: weights, shape: [weights.count])
        writer.add("counter", int64s: [counter], shape: [])
        if extra { writer.add("extra", floats: [0], shape: [1]) }
        let url = folder.appendingPathComponent("\(name).safetensors")
        try writer.write(to: url)
        return url
    }

    /// The table line of tensor `name` in `lwm compare`'s output, without trailing spaces.
    private func line(of name: String, in output: String) -> String {
        let line = output.split(separator: "\n").first {
            $0.trimmingCharacters(in: .whitespaces).hasPrefix(name + " ")
        }
        return line.map(String.init) ?? ""
    }
}
