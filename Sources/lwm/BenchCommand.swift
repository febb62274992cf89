import Foundation
import LwMCore

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
        var baseClasses = 8
        var classes = 10
    }

    static let help = """
        usage: lwm bench step [options]

        Times one LwM training step (teacher forward, student forward and backward, SGD update)
        after warm-up, and the sgemm rate of the same threads.

          --arch NAME        resnet18 or resnet{6n+2} (default: resnet32)
          --width W          network width (default: 16, or 64 for resnet18)
          --batch N          images per step (default: 128)
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
        let configuration = NetworkConfiguration(
            architecture: options.architecture, width: options.width,
            inputChannels: options.channels, classes: options.classes)
        let student = ResNet(configuration, seed: 1)
        var teacherConfiguration = configuration
        teacherConfiguration.classes = options.baseClasses
        let teacher = ResNet(teacherConfiguration, seed: 2)
        let optimizer = SGD(store: student.store, settings: SGDSettings())
        let step = LwMStep(objective: Objective())

        var generator = SeededGenerator(seed: 7)
        let pixels = options.batch * options.channels * options.height * options.imageWidth
        let images = (0..<pixels).map { _ in Float(generator.nextNormal()) }
        let labels = (0..<options.batch).map {
            options.baseClasses + $0 % (options.classes - options.baseClasses)
        }

        func trainingStep() {
            student.store.zeroGradients()
            _ = images.withUnsafeBufferPointer { images in
                step.run(
                    student: student, teacher: teacher, images: images.baseAddress!, labels: labels,
                    batch: options.batch, height: options.height, width: options.imageWidth,
                    normalizer: options.batch)
            }
            optimizer.step(learningRate: 0.01)
        }
        for _ in 0..<options.warmup { trainingStep() }
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<options.steps { trainingStep() }
        let seconds =
            Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(options.steps)

        let forward = student.forwardFLOPs(
            batch: options.batch, height: options.height, width: options.imageWidth)
        let teacherForward = teacher.forwardFLOPs(
            batch: options.batch, height: options.height, width: options.imageWidth)
        // Backward costs two forwards (input and weight gradients); the first convolution's
        // input gradient is skipped, a small overcount kept for comparability.
        let stepFLOPs = 3 * forward + teacherForward
        let stepRate = stepFLOPs / seconds / 1e9
        let sgemmRate = measureSGEMM()

        let name = "\(options.architecture.name) w\(configuration.width)"
        print(
            "lwm bench step: \(name), batch \(options.batch), input \(options.channels)x\(options.height)x\(options.imageWidth), \(options.threads) thread(s)"
        )
        print(String(format: "  step time        %8.1f ms", seconds * 1000))
        print(String(format: "  images/s         %8.1f", Double(options.batch) / seconds))
        print(
            String(
                format:
                    "  step GFLOP/s     %8.1f   (%.2f GFLOP per step: 3 student + 1 teacher forward)",
                stepRate, stepFLOPs / 1e9))
        print(
            String(format: "  sgemm GFLOP/s    %8.1f   (1024x1024x1024, same threads)", sgemmRate))
        print(String(format: "  step / sgemm     %8.1f %%", 100 * stepRate / sgemmRate))
        print(String(format: "  peak resident    %8.1f MiB", peakResidentMiB()))
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
