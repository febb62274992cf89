import Foundation
import LwMCore
import LwMData
import LwMDistributed
import LwMTraining

/// `lwm train`: parses the options, starts the ranks, loads the data and runs the
/// class-incremental trainer. Exit codes: 0 done, 1 a stop during the run, 2 a bad command line.
enum TrainCommand {
    static func run(_ arguments: [String]) -> Int32 {
        let parsed = Result { try TrainingConfiguration.parseTrain(arguments: arguments) }
        var timeout = TrainingConfiguration().collectiveTimeout
        if case .success(.run(let configuration)) = parsed {
            timeout = configuration.collectiveTimeout
        }
        let communicator = Distributed.start(collectiveTimeout: timeout)
        defer { communicator.finalize() }
        let isRoot = communicator.isRoot

        let configuration: TrainingConfiguration
        switch parsed {
        case .failure(let error):
            if isRoot { printError("\(error)") }
            return 2
        case .success(.help(let text)):
            if isRoot { print(text) }
            return 0
        case .success(.run(let parsedConfiguration)):
            configuration = parsedConfiguration.resolvingDefaults()
        }
        if configuration.resume && configuration.outputDirectory == nil {
            if isRoot { printError("--resume needs --out DIR, the folder of the run to continue") }
            return 2
        }
        if let threads = configuration.threads { BLASThreads.set(threads) }

        let console = RankConsole(
            isRoot: isRoot,
            showsProgressBar: ProgressBar.showsBar(configuration.progress, fileDescriptor: 1))
        let parallel = DataParallel(communicator: communicator)
        let outputDirectory = URL(
            fileURLWithPath: configuration.outputDirectory ?? "runs/\(timestamp())")

        // Every rank reads the data itself; a rank that cannot stops all of them. The flags say
        // whether rank 0 failed and whether any rank did: rank 0 speaks for the job when it
        // failed (the ranks read the same files, so the others would repeat its sentence);
        // another rank speaks only when rank 0 did not.
        // Image folders are decoded once into a cache: rank 0 loads first and writes it, and
        // the other ranks, waiting at a barrier meanwhile, read it instead of decoding again.
        let decodesImages = configuration.dataset.format == .imageFolder
        if decodesImages && !isRoot {
            parallel.collective { try communicator.barrier(name: "rank 0 decoded the images") }
        }
        let loaded = Result { try IncrementalData(configuration: configuration) }
        if decodesImages && isRoot && communicator.size > 1 {
            parallel.collective { try communicator.barrier(name: "rank 0 decoded the images") }
        }
        let failed = if case .failure = loaded { 1.0 } else { 0.0 }
        var flags = [isRoot ? failed : 0, failed]
        parallel.collective {
            try flags.withUnsafeMutableBufferPointer { flags in
                try communicator.allReduceMax(flags.baseAddress!, count: 2, name: "data loaded")
            }
        }
        if case .failure(let error) = loaded {
            if isRoot {
                printError("\(error)")
            } else if flags[0] == 0 {
                printError("rank \(communicator.rank): \(error)")
            }
        }
        guard case .success(let data) = loaded, flags[1] == 0 else { return 1 }

        if isRoot {
            do {
                try FileManager.default.createDirectory(
                    at: outputDirectory, withIntermediateDirectories: true)
            } catch {
                printError(
                    "cannot create the output folder \(outputDirectory.path): \(error.localizedDescription)"
                )
                communicator.abort(message: "rank 0 cannot write its output; stopping")
            }
        }
        console.line(
            ResultsTable.configuration(
                configuration,
                extraRows: [
                    ("ranks", String(communicator.size)),
                    ("threads per rank", String(BLASThreads.current)),
                    ("train images", String(data.train.count)),
                    ("test images", String(data.test.count)),
                    ("augmentation", data.augmentation.summary),
                    ("skipped images", String(data.badImages.count)),
                    (
                        "image size",
                        "\(data.train.channels)×\(data.train.height)×\(data.train.width)"
                    ),
                    (
                        "class order",
                        data.schedule.classOrder.map(String.init).joined(separator: ",")
                    ),
                    ("output", outputDirectory.path),
                ]))

        let trainer = ClassIncrementalTrainer(
            configuration: configuration, data: data, parallel: parallel, console: console,
            outputDirectory: outputDirectory)
        do {
            _ = try trainer.run()
            if !data.badImages.isEmpty {
                console.line()
                console.line(
                    "skipped \(data.badImages.count) unreadable image(s) (--on-bad-image skip):")
                for image in data.badImages { console.line("  \(image)") }
            }
        } catch {
            console.error("\(error)")
            return 1
        }
        return 0
    }

    private static func timestamp() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return formatter.string(from: Date())
    }
}
