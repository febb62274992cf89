import Foundation
import XCTest

@testable import LwMVisualization

/// `lwm plot` on two fake runs: through the library, and through the built binary when the
/// test run has one next to it.
final class PlotCommandTests: XCTestCase {
    private func fakeRuns() throws -> [URL] {
        let directory = try makeTemporaryDirectory(self)
        let runs = [
            (
                "run-lwm",
                metricsDocument(
                    method: "lwm", perTask: 2, top1: [98, 80, 71], top5: [100, 100, 97])
            ),
            (
                "run-lwf",
                metricsDocument(
                    method: "lwf", perTask: 2, top1: [98, 66, 50], top5: [100, 99, 90])
            ),
        ]
        return try runs.map { name, data in
            let folder = directory.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try data.write(to: folder.appendingPathComponent("metrics.json"))
            return folder
        }
    }

    func testTwoRunsGiveTwoCurves() throws {
        let runs = try fakeRuns()
        let curves = try runs.map { try AccuracyCurve(contentsOf: $0) }
        XCTAssertEqual(curves.map(\.method), ["lwm", "lwf"])
        XCTAssertEqual(curves.map(\.runName), ["run-lwm", "run-lwf"])
        XCTAssertEqual(curves[0].classesSeen, [2, 4, 6])
        // A metrics.json path works as well as its folder.
        let direct = try AccuracyCurve(contentsOf: runs[1].appendingPathComponent("metrics.json"))
        XCTAssertEqual(direct, curves[1])
    }

    func testAMissingRunIsAnErrorNamingIt() {
        XCTAssertThrowsError(
            try AccuracyCurve(contentsOf: URL(fileURLWithPath: "/nonexistent/run"))
        ) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/run"), "\(error)")
            XCTAssertTrue("\(error)".contains("pass a run folder"), "\(error)")
        }
    }

    func testBinaryWritesTheSVG() throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("lwm")
        let fallback = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/lwm")
        guard
            let executable = [binary, fallback].first(where: {
                FileManager.default.isExecutableFile(atPath: $0.path)
            })
        else {
            throw XCTSkip("no lwm binary next to the tests; build it with 'swift build'")
        }
        let runs = try fakeRuns()
        let output = runs[0].deletingLastPathComponent().appendingPathComponent("both.svg")

        let process = Process()
        process.executableURL = executable
        process.arguments = ["plot"] + runs.map(\.path) + ["--out", output.path, "--top5"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let printed = String(
            decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(printed.trimmingCharacters(in: .whitespacesAndNewlines), output.path)

        let svg = try String(contentsOf: output, encoding: .utf8)
        XCTAssertEqual(svg.components(separatedBy: "class=\"top1\"").count - 1, 2)
        XCTAssertTrue(svg.contains(">lwm</text>") && svg.contains(">lwf</text>"))

        // No runs at all is a bad command line.
        let bad = Process()
        bad.executableURL = executable
        bad.arguments = ["plot"]
        bad.standardError = Pipe()
        try bad.run()
        bad.waitUntilExit()
        XCTAssertEqual(bad.terminationStatus, 2)
    }
}
