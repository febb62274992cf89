import Foundation
import XCTest

@testable import LwMVisualization

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Collects what the tests check in an SVG document.
private final class SVGSummary: NSObject, XMLParserDelegate {
    var root: String?
    var polylines: [String: Int] = [:]
    var legend: [String] = []
    var titles: [String] = []
    private var textKind: String?
    private var text = ""

    func parser(
        _ parser: XMLParser, didStartElement element: String, namespaceURI: String?,
        qualifiedName: String?, attributes: [String: String]
    ) {
        if root == nil { root = element }
        if element == "polyline" { polylines[attributes["class"] ?? "", default: 0] += 1 }
        if element == "text" {
            textKind = attributes["class"]
            text = ""
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(
        _ parser: XMLParser, didEndElement element: String, namespaceURI: String?,
        qualifiedName: String?
    ) {
        guard element == "text" else { return }
        if textKind == "legend" { legend.append(text) }
        if textKind == "title" { titles.append(text) }
        textKind = nil
    }
}

/// Parses `svg` and fails the test when it is not well-formed XML.
private func summarize(
    _ svg: String, file: StaticString = #filePath, line: UInt = #line
)
    -> SVGSummary
{
    let parser = XMLParser(data: Data(svg.utf8))
    let summary = SVGSummary()
    parser.delegate = summary
    let parsed = parser.parse()
    XCTAssertTrue(
        parsed, "not well-formed: \(parser.parserError.map { "\($0)" } ?? "unknown")",
        file: file, line: line)
    XCTAssertEqual(summary.root, "svg", file: file, line: line)
    return summary
}

/// A metrics.json as lwm train writes it, for `tasks` tasks of `perTask` classes.
func metricsDocument(method: String?, perTask: Int, top1: [Double], top5: [Double]) -> Data {
    let tasks: [[String: Any]] = top1.indices.map { task in
        [
            "task": task + 1, "classes": Array(task * perTask..<(task + 1) * perTask),
            "task_agnostic_top1": top1[task], "task_agnostic_top5": top5[task],
        ]
    }
    var configuration: [String: Any] = ["tasks": top1.count]
    if let method { configuration["method"] = method }
    let document: [String: Any] = [
        "format": "lwm-metrics/1", "config": configuration, "tasks": tasks,
        "task_agnostic_top1": top1, "task_agnostic_top5": top5,
    ]
    return try! JSONSerialization.data(withJSONObject: document)
}

final class AccuracyPlotTests: XCTestCase {
    private func curve(_ method: String, run: String, top1: [Double]) -> AccuracyCurve {
        AccuracyCurve(
            method: method, runName: run, classesSeen: top1.indices.map { 2 * ($0 + 1) },
            top1: top1, top5: top1.map { min($0 + 20, 100) })
    }

    func testSVGIsWellFormedWithOnePolylinePerRunAndALegend() {
        let plot = AccuracyPlot(curves: [
            curve("lwm", run: "a", top1: [95, 80, 70, 61, 55]),
            curve("lwf", run: "b", top1: [95, 70, 52, 40, 33]),
            curve("finetune & <co>", run: "c", top1: [95, 49, 32, 24, 19]),
        ])
        let summary = summarize(plot.svg())
        XCTAssertEqual(summary.polylines, ["top1": 3])
        XCTAssertEqual(summary.legend, ["lwm", "lwf", "finetune & <co>"])
        XCTAssertEqual(summary.titles, ["Task-agnostic accuracy"])
    }

    func testTop5IsDashedWhereMoreThanFiveClassesCompete() {
        let plot = AccuracyPlot(
            curves: [curve("lwm", run: "a", top1: [95, 80, 70, 61, 55])], showsTop5: true)
        let svg = plot.svg()
        let summary = summarize(svg)
        XCTAssertEqual(summary.polylines, ["top1": 1, "top5": 1])
        XCTAssertEqual(summary.legend, ["lwm", "top-1", "top-5"])
        XCTAssertTrue(svg.contains("stroke-dasharray"))
        // Classes 2 and 4 have no top-5 point: 5 top-1 dots and 3 top-5 dots.
        XCTAssertEqual(plot.curves[0].meaningfulTop5.map(\.classes), [6, 8, 10])
        XCTAssertEqual(svg.components(separatedBy: "<circle").count - 1, 8)
    }

    func testRunsOfOneMethodAreToldApartByFolder() {
        let plot = AccuracyPlot(curves: [
            curve("lwm", run: "seed1", top1: [90, 70]),
            curve("lwm", run: "seed2", top1: [91, 72]),
            curve("lwf", run: "x", top1: [90, 60]),
        ])
        XCTAssertEqual(plot.labels, ["lwm (seed1)", "lwm (seed2)", "lwf"])
    }

    func testTicksAreEveryValueOrRoundSteps() {
        XCTAssertEqual(AccuracyPlot.ticks([10, 20, 30]), [10, 20, 30])
        XCTAssertEqual(
            AccuracyPlot.ticks(Set(stride(from: 2, through: 100, by: 2))),
            Array(stride(from: 10, through: 100, by: 10)))
    }

    func testCurveReadsMetricsDocument() throws {
        let data = metricsDocument(
            method: "lwm", perTask: 5, top1: [90, 60.5], top5: [100, 95])
        let curve = try AccuracyCurve(metricsDocument: data, runName: "run", source: "m.json")
        XCTAssertEqual(curve.method, "lwm")
        XCTAssertEqual(curve.classesSeen, [5, 10])
        XCTAssertEqual(curve.top1, [90, 60.5])
        XCTAssertEqual(curve.top5, [100, 95])

        let unnamed = try AccuracyCurve(
            metricsDocument: metricsDocument(method: nil, perTask: 2, top1: [1], top5: [2]),
            runName: "folder", source: "m.json")
        XCTAssertEqual(unnamed.method, "folder")
    }

    func testAFileWithoutTasksIsAnErrorNamingIt() {
        XCTAssertThrowsError(
            try AccuracyCurve(metricsDocument: Data("{}".utf8), runName: "r", source: "/x/m.json")
        ) { error in
            XCTAssertTrue("\(error)".contains("/x/m.json has no list 'tasks'"), "\(error)")
        }
    }

    func testSingleRunPlotFromMetricsDocument() throws {
        let directory = try makeTemporaryDirectory(self)
        let url = directory.appendingPathComponent("accuracy.svg")
        try AccuracyPlot.write(
            metricsDocument: metricsDocument(
                method: "lwm", perTask: 5, top1: [90, 60, 50], top5: [100, 90, 80]),
            to: url)
        let summary = summarize(try String(contentsOf: url, encoding: .utf8))
        XCTAssertEqual(summary.polylines, ["top1": 1, "top5": 1])
    }
}
