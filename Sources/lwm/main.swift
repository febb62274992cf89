import Foundation

let usage = """
    usage: lwm <command> [options]

    commands:
      train      class-incremental training (see lwm train --help)
      gradcam    attention maps of a model and its teacher as PNGs (lwm gradcam --help)
      plot       accuracy of runs against classes learned as SVG (lwm plot --help)
      selftest   check the numeric core against PyTorch fixtures
      bench      benchmarks (lwm bench step --help)
      compare    compare the tensors of two checkpoints (lwm compare --help)
    """

var arguments = Array(CommandLine.arguments.dropFirst())
let command = arguments.isEmpty ? "--help" : arguments.removeFirst()
let status: Int32
switch command {
case "selftest": status = SelfTestCommand.run(arguments)
case "bench": status = BenchCommand.run(arguments)
case "train": status = TrainCommand.run(arguments)
case "compare": status = CompareCommand.run(arguments)
case "gradcam": status = GradCAMCommand.run(arguments)
case "plot": status = PlotCommand.run(arguments)
case "--help", "-h", "help":
    print(usage)
    status = 0
default:
    printError("unknown command '\(command)'\n\(usage)")
    status = 2
}
exit(status)
