import Foundation
import LwMCore
import LwMDistributed
import LwMTraining

/// `lwm bench step`: times the LwM training step and sets it against sgemm on the same threads.
enum BenchCommand {
    struct Options {
        var architecture = Architecture.cifar(depth: 32)
        var width: Int?
        var batch = 128
        var channels = 1
        var height = 28
        var imageWidth = 28
        var threads = 1
        var warmup = 2
        var steps = 5
        var perRankBatch: Int?
        var noAllReduce = false
        var bucketMegabytes = 4.0
    }

    static let help = """
        usage: lwm bench step [options]

        Times one LwM training step (teacher forward, student forward and backward, SGD update)
        after warm-up, and the sgemm rate of the same threads.

          --arch NAME        resnet18 or resnet{6n+2} (default: resnet32)
          --width W          network width (default: 16, or 64 for resnet18)
          --batch N          images per step over all ranks (default: 128)
          --per-rank-batch N images per step on each rank (weak scaling; overrides --batch)
          --no-allreduce     every rank runs the same step alone, without communicating
          --bucket-mb MB     gradient all-reduce bucket size (default: 4)
          --input CxHxW      input shape (default: 1x28x28)
          --threads T        OpenBLAS threads (default: 1)
          --warmup K         untimed steps first (default: 2)
          --steps K          timed steps (default: 5)
        """

    static func run(_ arguments: [String]) -> Int32 {
        guard arguments.first == "step" else {
            printError("usage: lwm bench step [options]; see 'lwm bench step --help'")
            return 2
        }
        var options = Options()
        var rest = arguments.dropFirst()
        while let flag = rest.popFirst() {
            if flag == "--help" || flag == "-h" {
                print(help)
                return 0
            }
            if flag == "--no-allreduce" {
                options.noAllReduce = true
                continue
            }
            guard let value = rest.popFirst() else {
                printError("option '\(flag)' needs a value; see 'lwm bench step --help'")
                return 2
            }
            let number = Int(value)
            switch (flag, number) {
            case ("--arch", _):
                guard let architecture = Architecture(name: value) else {
                    printError("unknown architecture '\(value)'; use resnet18 or resnet{6n+2}")
                    return 2
                }
                options.architecture = architecture
            case ("--width", let n?) where n > 0: options.width = n
            case ("--batch", let n?) where n > 0: options.batch = n
            case ("--per-rank-batch", let n?) where n > 0: options.perRankBatch = n
            case ("--bucket-mb", _) where (Double(value) ?? 0) > 0:
                options.bucketMegabytes = Double(value)!
            case ("--threads", let n?) where n > 0: options.threads = n
            case ("--warmup", let n?) where n >= 0: options.warmup = n
            case ("--steps", let n?) where n > 0: options.steps = n
            case ("--input", _):
                let parts = value.split(separator: "x").compactMap { Int($0) }
                guard parts.count == 3, parts.allSatisfy({ $0 > 0 }) else {
                    printError("option '--input' expects CxHxW such as 3x32x32, got '\(value)'")
                    return 2
                }
                (options.channels, options.height, options.imageWidth) = (
                    parts[0], parts[1], parts[2]
                )
            default:
                printError("bad option or value '\(flag) \(value)'; see 'lwm bench step --help'")
                return 2
            }
        }
        measure(options)
        return 0
    }

    static func measure(_ options: Options) {
        BLASThreads.set(options.threads)
        let communicator = Distributed.start(collectiveTimeout: 600)
        defer { communicator.finalize() }
        let parallel = DataParallel(communicator: communicator)
        let globalBatch = options.perRankBatch.map { $0 * communicator.size } ?? options.batch
        let benchmark = StepBenchmark(
            architecture: options.architecture, width: options.width, globalBatch: globalBatch,
            channels: options.channels, height: options.height, imageWidth: options.imageWidth,
            warmupSteps: options.warmup, timedSteps: options.steps,
            communicates: !options.noAllReduce, bucketMegabytes: options.bucketMegabytes)
        let result = benchmark.run(parallel: parallel)
        let sgemmRate = measureSGEMM()
        guard communicator.isRoot else { return }

        let stepRate = result.stepFLOPs / result.stepSeconds / 1e9
        let perRankRate = stepRate / Double(result.ranks)
        let mode = options.noAllReduce ? "no all-reduce" : "all-reduce"
        print(
            "lwm bench step: \(options.architecture.name) w\(result.width), "
                + "\(result.imagesPerStep) images per step over \(result.ranks) rank(s) (\(mode)), "
                + "input \(options.channels)x\(options.height)x\(options.imageWidth), "
                + "\(options.threads) thread(s) per rank")
        func row(_ name: String, _ value: String) {
            print("  " + name.padding(toLength: 22, withPad: " ", startingAt: 0) + value)
        }
        row("images/s", String(format: "%.1f", result.imagesPerSecond))
        row("step time", String(format: "%.1f ms", result.stepSeconds * 1000))
        row("  compute", String(format: "%.1f ms", result.computeSeconds * 1000))
        row("  communication wait", String(format: "%.1f ms", result.communicationSeconds * 1000))
        row(
            "step GFLOP/s",
            String(
                format: "%.1f (%.1f per rank; %.2f GFLOP per step: 3 student + 1 teacher forward)",
                stepRate, perRankRate, result.stepFLOPs / 1e9))
        row("sgemm GFLOP/s", String(format: "%.1f per rank (1024³, same threads)", sgemmRate))
        row("step / sgemm", String(format: "%.1f %%", 100 * perRankRate / sgemmRate))
        row("peak resident", String(format: "%.1f MiB (rank 0)", peakResidentMiB()))
    }

    /// sgemm rate on square 1024 matrices, best of a half-second run.
    static func measureSGEMM() -> Double {
        let n = 1024
        var generator = SeededGenerator(seed: 3)
        let a = (0..<(n * n)).map { _ in generator.nextUnitFloat() }
        let b = (0..<(n * n)).map { _ in generator.nextUnitFloat() }
        var c = [Float](repeating: 0, count: n * n)
        var repetitions = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        repeat {
            c.withUnsafeMutableBufferPointer { c in
                sgemm(m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, c: c.baseAddress!, ldc: n)
            }
            repetitions += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < 0.5
        return 2 * Double(n * n * n) * Double(repetitions) / elapsed / 1e9
    }

    static func peakResidentMiB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024  // kilobytes on Linux
    }
}
