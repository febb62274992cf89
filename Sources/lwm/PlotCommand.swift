import Foundation
import LwMVisualization

/// `lwm plot`: task-agnostic accuracy of one or more runs against the classes learned, as one
/// SVG. Exit codes: 0 written, 1 a run or the output cannot be read or written, 2 a bad
/// command line.
enum PlotCommand {
    static let help = """
        usage: lwm plot RUN_DIR... [--out FILE] [--top5] [--title TEXT]

        Plots task-agnostic top-1 accuracy against the number of classes learned, one line per
        run, read from each RUN_DIR/metrics.json (a metrics.json path works too). The legend
        names runs by their method, adding the folder name when methods repeat.

          --out FILE     the SVG to write (default: accuracy.svg)
          --top5         add top-5 accuracy as dashed lines, where more than 5 classes compete
          --title TEXT   the chart's title (default: Task-agnostic accuracy)
        """

    static func run(_ arguments: [String]) -> Int32 {
        var runs: [String] = []
        var output = "accuracy.svg"
        var showsTop5 = false
        var title: String?
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            switch argument {
            case "--help", "-h":
                print(help)
                return 0
            case "--top5": showsTop5 = true
            case "--out", "--title":
                guard let value = rest.popFirst() else {
                    printError("option '\(argument)' needs a value; see 'lwm plot --help'")
                    return 2
                }
                if argument == "--out" { output = value } else { title = value }
            default:
                guard !argument.hasPrefix("-") else {
                    printError("unknown option '\(argument)'; see 'lwm plot --help'")
                    return 2
                }
                runs.append(argument)
            }
        }
        guard !runs.isEmpty else {
            printError("lwm plot needs at least one run folder; see 'lwm plot --help'")
            return 2
        }

        do {
            let curves = try runs.map { try AccuracyCurve(contentsOf: URL(fileURLWithPath: $0)) }
            var plot = AccuracyPlot(curves: curves, showsTop5: showsTop5)
            if let title { plot.title = title }
            let url = URL(fileURLWithPath: output)
            try plot.write(to: url)
            print(url.path)
            return 0
        } catch {
            printError("\(error)")
            return 1
        }
    }
}
