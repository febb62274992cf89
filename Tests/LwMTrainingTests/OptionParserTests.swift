import Foundation
import LwMCore
import XCTest

@testable import LwMTraining

final class OptionParserTests: XCTestCase {
    // MARK: - Helpers

    /// The configuration `arguments` parse to; fails the test on help or an error.
    private func configuration(
        _ arguments: [String], file: StaticString = #filePath, line: UInt = #line
    ) throws -> TrainingConfiguration {
        let command = try TrainingConfiguration.parseTrain(arguments: arguments)
        guard case .run(let configuration) = command else {
            XCTFail("expected a configuration, got help", file: file, line: line)
            throw ConfigurationError("help")
        }
        return configuration
    }

    /// Asserts that `arguments` fail with exactly `message`.
    private func assertError(
        _ arguments: [String], _ message: String, file: StaticString = #filePath,
        line: UInt = #line
    ) {
        XCTAssertThrowsError(
            try TrainingConfiguration.parseTrain(arguments: arguments), file: file, line: line
        ) { error in
            XCTAssertEqual(
                (error as? ConfigurationError)?.description, message, file: file, line: line)
        }
    }

    /// A JSON file in a fresh temporary directory, removed when the test ends.
    private func temporaryFile(_ contents: String, name: String = "run.json") throws -> String {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("lwm-options-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent(name)
        try contents.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    // MARK: - Values

    func testDefaults() throws {
        let defaults = try configuration([])
        XCTAssertEqual(defaults.dataDirectory, "/usr/share/datasets/fashion-mnist")
        XCTAssertEqual(defaults.dataset, .fashionMNIST)
        XCTAssertNil(defaults.maxTrainPerClass)
        XCTAssertNil(defaults.maxTestPerClass)
        XCTAssertEqual(defaults.tasks, 5)
        XCTAssertNil(defaults.baseClasses)
        XCTAssertNil(defaults.increment)
        XCTAssertNil(defaults.classOrder)
        XCTAssertNil(defaults.classOrderSeed)
        XCTAssertEqual(defaults.architecture, .cifar(depth: 20))
        XCTAssertEqual(defaults.width, 16)
        XCTAssertEqual(defaults.method, .lwm)
        XCTAssertEqual(defaults.beta, 1)
        XCTAssertEqual(defaults.gamma, 1)
        XCTAssertEqual(defaults.temperature, 2)
        XCTAssertEqual(defaults.classificationScope, .new)
        XCTAssertEqual(defaults.epochs, 3)
        XCTAssertEqual(defaults.batchSize, 128)
        XCTAssertEqual(defaults.learningRate, 0.1)
        XCTAssertEqual(defaults.momentum, 0.9)
        XCTAssertEqual(defaults.weightDecay, 5e-4)
        XCTAssertFalse(defaults.nesterov)
        XCTAssertEqual(defaults.schedule, .cosine)
        XCTAssertEqual(defaults.milestones, [])
        XCTAssertEqual(defaults.learningRateDecay, 0.1)
        XCTAssertEqual(defaults.seed, 1)
        XCTAssertEqual(defaults.evaluationBatchSize, 256)
        XCTAssertEqual(defaults.batchNorm, .sync)
        XCTAssertEqual(defaults.bucketMegabytes, 4)
        XCTAssertEqual(defaults.collectiveTimeout, 300)
        XCTAssertNil(defaults.threads)
        XCTAssertNil(defaults.outputDirectory)
        XCTAssertFalse(defaults.resume)
        XCTAssertEqual(defaults.attentionSamples, 0)
        XCTAssertEqual(defaults.progress, .auto)
        XCTAssertEqual(defaults, TrainingConfiguration().resolvingDefaults())
    }

    func testEveryValueKind() throws {
        let parsed = try configuration([
            "--nesterov",  // flag
            "--epochs", "3",  // int
            "--lr", "0.05",  // double
            "--weight-decay", "1e-4",  // double in exponent form
            "--data", "/tmp/idx",  // string
            "--class-order", "3,1,4,0,2,5,6,7,8,9",  // int list
            "--method", "c+ad",  // choice
            "--max-train-per-class", "100",  // optional int
            "--seed", "0",  // non-negative int at its bound
        ])
        XCTAssertTrue(parsed.nesterov)
        XCTAssertEqual(parsed.epochs, 3)
        XCTAssertEqual(parsed.learningRate, 0.05)
        XCTAssertEqual(parsed.weightDecay, 1e-4)
        XCTAssertEqual(parsed.dataDirectory, "/tmp/idx")
        XCTAssertEqual(parsed.classOrder, [3, 1, 4, 0, 2, 5, 6, 7, 8, 9])
        XCTAssertEqual(parsed.method, .classificationAndAttention)
        XCTAssertEqual(parsed.maxTrainPerClass, 100)
        XCTAssertEqual(parsed.seed, 0)
    }

    func testEqualsFormAndRepeatedOptions() throws {
        let parsed = try configuration([
            "--epochs=3", "--lr=0.2", "--method=lwf", "--epochs", "5", "--class-order=1,0",
            "--dataset=idx", "--out=runs/a=b",
        ])
        XCTAssertEqual(parsed.epochs, 5, "the last of repeated options wins")
        XCTAssertEqual(parsed.learningRate, 0.2)
        XCTAssertEqual(parsed.method, .lwf)
        XCTAssertEqual(parsed.classOrder, [1, 0])
        XCTAssertEqual(parsed.outputDirectory, "runs/a=b", "only the first '=' separates")
    }

    func testFlagsTurnOnAndOff() throws {
        XCTAssertTrue(try configuration(["--resume"]).resume)
        XCTAssertFalse(try configuration(["--resume", "--no-resume"]).resume)
        XCTAssertFalse(try configuration(["--resume=false"]).resume)
        XCTAssertTrue(try configuration(["--resume=yes"]).resume)
        assertError(["--resume=maybe"], "option '--resume' expects true or false, got 'maybe'")
    }

    func testNegativeNumbersAreValues() throws {
        assertError(
            ["--batch-size", "-3"], "option '--batch-size' expects a positive integer, got '-3'")
        XCTAssertEqual(try configuration(["--beta", "0"]).beta, 0)
    }

    func testResolvedDefaults() throws {
        XCTAssertEqual(try configuration(["--arch", "resnet18"]).width, 64)
        XCTAssertEqual(try configuration(["--arch", "resnet18", "--width", "8"]).width, 8)
        XCTAssertEqual(
            try configuration(["--epochs", "8", "--schedule", "multistep"]).milestones, [4, 6])
        XCTAssertEqual(
            try configuration(["--schedule", "multistep", "--epochs", "1"]).milestones, [1])
        XCTAssertEqual(
            try configuration(["--epochs", "8", "--schedule", "multistep", "--milestones", "2,5"])
                .milestones,
            [2, 5])
        let byIncrement = try configuration(["--base-classes", "4", "--increment", "2"])
        XCTAssertNil(byIncrement.tasks, "tasks follow from the base classes and increment")
        XCTAssertEqual(try configuration(["--tasks", "2"]).tasks, 2)
    }

    // MARK: - Errors

    func testUnknownOptionSuggestsTheClosest() {
        assertError(["--lr-rate", "0.1"], "unknown option '--lr-rate'; did you mean '--lr'?")
        assertError(["--epoch", "3"], "unknown option '--epoch'; did you mean '--epochs'?")
        assertError(
            ["--batchsize", "3"], "unknown option '--batchsize'; did you mean '--batch-size'?")
        assertError(["--temp", "3"], "unknown option '--temp'; did you mean '--temperature'?")
        assertError(["-lr", "0.1"], "unknown option '-lr'; did you mean '--lr'?")
        assertError(["--no-epochs"], "unknown option '--no-epochs'; did you mean '--epochs'?")
        assertError(
            ["--frobnicate"],
            "unknown option '--frobnicate'; run 'lwm train --help' to list the options")
    }

    func testBadValues() {
        assertError(
            ["--batch-size", "abc"], "option '--batch-size' expects a positive integer, got 'abc'")
        assertError(["--epochs", "2.5"], "option '--epochs' expects a positive integer, got '2.5'")
        assertError(["--lr", "0"], "option '--lr' expects a positive number, got '0'")
        assertError(["--lr", "nan"], "option '--lr' expects a positive number, got 'nan'")
        assertError(["--momentum", "1"], "option '--momentum' expects a number in [0, 1), got '1'")
        assertError(
            ["--weight-decay", "-1e-4"],
            "option '--weight-decay' expects a non-negative number, got '-1e-4'")
        assertError(
            ["--class-order", "3, 1,x"],
            "option '--class-order' expects a comma-separated list of non-negative integers "
                + "such as 3,1,4, got '3, 1,x'")
        assertError(
            ["--class-order", "3,-1"],
            "option '--class-order' expects a comma-separated list of non-negative integers "
                + "such as 3,1,4, got '3,-1'")
    }

    func testChoiceSuggestsTheClosest() {
        assertError(
            ["--method", "lwn"],
            "option '--method' must be one of lwm, lwf, c+ad, finetune; got 'lwn' "
                + "(did you mean 'lwm'?)")
        assertError(
            ["--schedule", "step"],
            "option '--schedule' must be one of cosine, multistep, constant; got 'step'")
        assertError(
            ["--dataset", "fashion_mnist"],
            "option '--dataset' must be one of fashion-mnist, mnist, idx, cifar10, cifar100, "
                + "caltech101, imagefolder; got 'fashion_mnist' (did you mean 'fashion-mnist'?)")
    }

    func testMissingValuesAndStrayArguments() {
        assertError(
            ["--epochs"],
            "option '--epochs' needs a value (a positive integer), such as '--epochs 3'")
        assertError(
            ["--out", "--resume"], "option '--out' needs a value (a text), such as '--out <dir>'")
        assertError(
            ["--method"],
            "option '--method' needs a value (one of lwm, lwf, c+ad, finetune), such as "
                + "'--method lwm'")
        assertError(
            ["--class-order", "3", "1"],
            "unexpected argument '1'; options are written '--name value' or '--name=value', "
                + "and lists without spaces, such as '--class-order 3,1,4'")
    }

    func testArchitectures() throws {
        XCTAssertEqual(try configuration(["--arch", "resnet8"]).architecture.depth, 8)
        let resnet32 = try configuration(["--arch", "resnet32"]).architecture
        XCTAssertEqual(resnet32, .cifar(depth: 32))
        XCTAssertEqual(resnet32.depth, 32)
        XCTAssertEqual(try configuration(["--arch", "resnet56"]).architecture.name, "resnet56")
        XCTAssertEqual(try configuration(["--arch", "resnet18"]).architecture, .resnet18)

        let expected =
            "option '--arch' expects resnet18 or resnet{6n+2} such as resnet8, "
            + "resnet20, resnet32, resnet56, got"
        assertError(["--arch", "resnet21"], expected + " 'resnet21' (did you mean 'resnet20'?)")
        assertError(["--arch", "resnet34"], expected + " 'resnet34' (did you mean 'resnet32'?)")
        assertError(["--arch", "resnet17"], expected + " 'resnet17' (did you mean 'resnet18'?)")
        assertError(["--arch", "resnet2"], expected + " 'resnet2' (did you mean 'resnet8'?)")
        assertError(["--arch", "ResNet-20"], expected + " 'ResNet-20' (did you mean 'resnet20'?)")
        assertError(["--arch", "resnt20"], expected + " 'resnt20' (did you mean 'resnet20'?)")
        assertError(["--arch", "vgg16"], expected + " 'vgg16'")
    }

    func testCrossOptionValidation() {
        assertError(
            ["--tasks", "12"],
            "option '--tasks' asks for 12 tasks but fashion-mnist has 10 classes; use at most "
                + "10 tasks")
        assertError(
            ["--class-order", "3,1,3"],
            "option '--class-order' lists class 3 twice; list each class once, such as 3,1,4,0,2")
        assertError(
            ["--class-order", "0,10"],
            "option '--class-order' lists class 10 but fashion-mnist has classes 0 to 9; list "
                + "only those")
        assertError(
            ["--epochs", "8", "--schedule", "multistep", "--milestones", "6,4"],
            "option '--milestones' must list increasing epochs from 1 to 8 (--epochs), got '6,4'")
        assertError(
            ["--epochs", "8", "--schedule", "multistep", "--milestones", "4,9"],
            "option '--milestones' must list increasing epochs from 1 to 8 (--epochs), got '4,9'")
        XCTAssertNoThrow(try configuration(["--dataset", "idx", "--tasks", "50"]))
    }

    func testValidateCatchesValuesSetInCode() {
        var configuration = TrainingConfiguration()
        configuration.learningRate = -0.1
        XCTAssertThrowsError(try configuration.validate()) { error in
            XCTAssertEqual(
                "\(error)", "option '--lr' expects a positive number, got '-0.1'")
        }
    }

    // MARK: - Configuration file

    func testConfigurationFileThenCommandLine() throws {
        let path = try temporaryFile(
            """
            {"epochs": 3, "--lr": 0.05, "method": "lwf", "class-order": [2, 0, 1],
             "nesterov": true, "momentum": "0.5", "max-test-per-class": null,
             "weight-decay": 0, "dataset": "idx"}
            """)
        let parsed = try configuration(["--epochs", "4", "--config", path, "--no-nesterov"])
        XCTAssertEqual(parsed.epochs, 4, "the command line overrides the file wherever it stands")
        XCTAssertFalse(parsed.nesterov)
        XCTAssertEqual(parsed.learningRate, 0.05, "keys may carry dashes")
        XCTAssertEqual(parsed.method, .lwf)
        XCTAssertEqual(parsed.classOrder, [2, 0, 1])
        XCTAssertEqual(parsed.momentum, 0.5, "strings are read as command-line text")
        XCTAssertNil(parsed.maxTestPerClass, "null leaves the default")
        XCTAssertEqual(parsed.weightDecay, 0, "an integer is a valid number")
        XCTAssertEqual(parsed.dataset, .idx)
    }

    func testConfigurationFileErrorsNameTheFile() throws {
        let unknown = try temporaryFile(#"{"epochs": 3, "lr-rate": 0.1}"#)
        assertError(
            ["--config", unknown],
            "unknown option 'lr-rate' in the configuration file '\(unknown)'; did you mean 'lr'?")

        let badValue = try temporaryFile(#"{"batch-size": "abc"}"#)
        assertError(
            ["--config", badValue],
            "option 'batch-size' in the configuration file '\(badValue)' expects a positive "
                + "integer, got \"abc\"")

        let badKind = try temporaryFile(#"{"epochs": 2.5, "nesterov": 1}"#)
        assertError(
            ["--config", badKind],
            "option 'epochs' in the configuration file '\(badKind)' expects a positive "
                + "integer, got 2.5")

        let badChoice = try temporaryFile(#"{"method": "lwn"}"#)
        assertError(
            ["--config", badChoice],
            "option 'method' in the configuration file '\(badChoice)' must be one of lwm, lwf, "
                + "c+ad, finetune; got \"lwn\" (did you mean 'lwm'?)")

        let invalid = try temporaryFile(#"{"epochs": 3,"#)
        assertError(
            ["--config", invalid],
            "the configuration file '\(invalid)' is not valid JSON; write one object of option "
                + "names and values, such as {\"epochs\": 8, \"lr\": 0.05}")

        let array = try temporaryFile("[1, 2]")
        assertError(
            ["--config", array],
            "the configuration file '\(array)' holds an array, not an object; write one object "
                + "of option names and values, such as {\"epochs\": 8, \"lr\": 0.05}")

        let nested = try temporaryFile(#"{"config": "other.json"}"#)
        assertError(
            ["--config", nested],
            "the configuration file '\(nested)' names another configuration file ('config'); "
                + "remove that key, files cannot include each other")

        assertError(
            ["--config", "/nonexistent/run.json"],
            "cannot read the configuration file '/nonexistent/run.json': no such file; check "
                + "the path given to --config")
    }

    // MARK: - Coding

    func testCodingRoundTripsThroughOptionNames() throws {
        let original = try configuration([
            "--arch", "resnet32", "--method", "c+ad", "--class-order", "1,0,2,3,4,5,6,7,8,9",
            "--schedule", "multistep", "--epochs", "8", "--lr", "0.05", "--resume", "--threads",
            "2",
        ])
        let data = try JSONEncoder().encode(original)
        let decoded = try JSONDecoder().decode(TrainingConfiguration.self, from: data)
        XCTAssertEqual(decoded, original)

        let object = original.jsonObject
        XCTAssertEqual(object["arch"] as? String, "resnet32")
        XCTAssertEqual(object["method"] as? String, "c+ad")
        XCTAssertEqual(object["lr"] as? Double, 0.05)
        XCTAssertEqual(object["milestones"] as? [Int], [4, 6])
        XCTAssertEqual(object["resume"] as? Bool, true)
        XCTAssertTrue(object["out"] is NSNull)
        XCTAssertEqual(
            Set(object.keys), Set(TrainingConfiguration.optionSpecs.map(\.name)),
            "every option and nothing else")

        // metrics.json's "config" passed back with --config repeats the run.
        let path = try temporaryFile(
            String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self))
        XCTAssertEqual(try configuration(["--config", path]), original)
    }

    func testDecodingValidates() {
        let data = Data(#"{"momentum": 1.5}"#.utf8)
        XCTAssertThrowsError(try JSONDecoder().decode(TrainingConfiguration.self, from: data)) {
            error in
            guard case DecodingError.dataCorrupted(let context) = error else {
                return XCTFail("expected dataCorrupted, got \(error)")
            }
            XCTAssertEqual(
                context.debugDescription,
                "option 'momentum' in the encoded configuration expects a number in [0, 1), "
                    + "got 1.5")
        }
    }

    // MARK: - Help

    func testHelpListsEveryOptionWithinOneHundredColumns() throws {
        guard case .help(let help) = try TrainingConfiguration.parseTrain(arguments: ["-h"]) else {
            return XCTFail("expected help")
        }
        XCTAssertEqual(help, TrainingConfiguration.trainHelp)
        XCTAssertEqual(
            try TrainingConfiguration.parseTrain(arguments: ["--lr", "x", "--help"]),
            .help(help), "help wins over other arguments")

        for spec in TrainingConfiguration.optionSpecs {
            XCTAssertTrue(help.contains("--\(spec.name)"), "help lacks --\(spec.name)")
            let defaultText = try XCTUnwrap(spec.defaultText, "--\(spec.name) shows no default")
            XCTAssertTrue(
                help.contains("(default: \(defaultText))"), "help lacks the default of \(spec.name)"
            )
        }
        for line in help.split(separator: "\n") {
            XCTAssertLessThanOrEqual(line.count, 100, "too wide: \(line)")
        }
        XCTAssertTrue(help.contains("--config <file>"))
    }

    func testHelpText() {
        XCTAssertEqual(TrainingConfiguration.trainHelp, expectedHelp)
    }

    // MARK: - Suggestions

    func testEditDistance() {
        XCTAssertEqual(Suggestion.editDistance("", "abc"), 3)
        XCTAssertEqual(Suggestion.editDistance("kitten", "sitting"), 3)
        XCTAssertEqual(Suggestion.editDistance("lr", "lr"), 0)
        XCTAssertEqual(Suggestion.editDistance("batchsize", "batch-size"), 1)
        XCTAssertNil(Suggestion.closest(to: "xyz", among: ["lr", "epochs"]))
        XCTAssertEqual(Suggestion.closest(to: "data-set", among: ["data", "dataset"]), "dataset")
    }
}

/// The exact help text: a change to any option shows up here for review. Its lines run to
/// column 100 unindented, which the formatter would indent past it.
// swift-format-ignore
private let expectedHelp = """
usage: lwm train [--option value ...] [--config <file>]

Trains a classifier class-incrementally with Learning without Memorizing (or an ablation) on every
MPI rank, and writes metrics.json and checkpoints to the run directory.
Flags such as --nesterov are turned off by --no-nesterov, which overrides a --config file.

Data:
  --data <dir>                    the dataset's folder: IDX files, CIFAR batches or class folders
                                  (default: /usr/share/datasets/fashion-mnist)
  --dataset <choice>              dataset format and preset in --data: fashion-mnist, mnist, idx,
                                  cifar10, cifar100, caltech101 or imagefolder
                                  (default: fashion-mnist)
  --image-size <int>              side of the square images after resizing (image folders)
                                  (default: the preset's)
  --augment <choice>              training augmentation; auto takes the preset's: auto, none,
                                  crop-flip or resized-crop-flip (default: auto)
  --train-list <file>             training images of an image folder, one path per line
                                  (default: none)
  --test-list <file>              test images of an image folder, one path per line (default: none)
  --test-fraction <number>        share of each class held out when an image folder has no split
                                  (default: 0.2)
  --on-bad-image <choice>         an unreadable image is skipped (and listed) or stops the run: skip
                                  or fail (default: skip)
  --cifar-labels <choice>         CIFAR-100 label set: fine or coarse (default: fine)
  --cache-dir <dir>               where decoded image folders are cached (default: ~/.cache/lwm)
  --max-train-per-class <int>     use at most this many training images per class (default: all)
  --max-test-per-class <int>      use at most this many test images per class (default: all)

Schedule:
  --tasks <int>                   number of incremental tasks
                                  (default: 5, or as --base-classes and --increment imply)
  --base-classes <int>            classes in the first task (default: an equal share)
  --increment <int>               classes added by each later task (default: an equal share)
  --class-order <class,...>       order in which classes are learned; icarl: iCaRL's CIFAR-100 order
                                  (default: 0,1,2,... or seeded)
  --class-order-seed <int>        shuffle the class order with this seed (default: none)

Model:
  --arch <name>                   network: resnet18, or resnet{6n+2} such as resnet8, resnet20,
                                  resnet32 (default: resnet20)
  --width <int>                   channels of the first stage (default: 16, or 64 for resnet18)

Method:
  --method <choice>               loss terms after the first task: lwm, lwf, c+ad or finetune
                                  (default: lwm)
  --beta <number>                 weight β of the distillation loss L_D (default: 1)
  --gamma <number>                weight γ of the attention distillation loss L_AD (default: 1)
  --temperature <number>          distillation temperature T (default: 2)
  --ce-scope <choice>             classes spanned by the classification loss: new or all
                                  (default: new)

Optimisation:
  --epochs <int>                  epochs per task (default: 3)
  --batch-size <int>              images per optimiser step over all ranks (default: 128)
  --lr <number>                   learning rate at the start of each task (default: 0.1)
  --momentum <number>             SGD momentum μ (default: 0.9)
  --weight-decay <number>         weight decay λ on every parameter (default: 0.0005)
  --nesterov                      use Nesterov momentum (default: off)
  --schedule <choice>             learning-rate schedule within a task: cosine, multistep or
                                  constant (default: cosine)
  --milestones <epoch,...>        epochs after which multistep multiplies the learning rate by
                                  --lr-decay (default: 50% and 75% of --epochs)
  --lr-decay <number>             factor of each multistep milestone (default: 0.1)
  --seed <int>                    seed of every random stream: initialisation, data order,
                                  augmentation (default: 1)
  --eval-batch-size <int>         images per evaluation step over all ranks (default: 256)

Distributed:
  --bn <choice>                   BatchNorm statistics across ranks: sync or local (default: sync)
  --bucket-mb <number>            size of a gradient all-reduce bucket in MiB (default: 4)
  --collective-timeout <seconds>  seconds a collective may wait before every rank stops
                                  (default: 300)
  --threads <int>                 OpenBLAS threads per rank (default: from the environment)

Output:
  --out <dir>                     run directory for metrics.json and checkpoints
                                  (default: runs/<timestamp>)
  --resume                        continue from the last checkpoint in --out (default: off)
  --attention-samples <int>       test images per task whose attention maps are saved (default: 0)
  --progress <choice>             progress display within an epoch: auto, bar or lines
                                  (default: auto)

General:
  --config <file>                 read option values from a JSON object; options on the command line
                                  override them
  -h, --help                      show this help

"""
