/// What `lwm train` was asked to do.
public enum ParsedCommand: Sendable, Equatable {
    /// Print this help text and exit successfully.
    case help(String)
    /// Train with this configuration, validated and with its defaults resolved.
    case run(TrainingConfiguration)
}

extension TrainingConfiguration {
    /// Reads the arguments of `lwm train` (those after the command name).
    ///
    /// - Returns: `.help` when `--help` or `-h` is among them, else `.run` with the
    ///   configuration: defaults, then the `--config` file's values, then the command line's,
    ///   resolved (`resolvingDefaults()`) and validated (`validate()`).
    /// - Throws: `ConfigurationError`, one sentence naming the option, the value and the fix.
    public static func parseTrain(arguments: [String]) throws -> ParsedCommand {
        let parsed = try trainParser.parse(arguments)
        if parsed.helpRequested { return .help(trainHelp) }
        return .run(try TrainingConfiguration(values: parsed.values))
    }

    /// The help text of `lwm train`, at most 100 columns wide.
    public static var trainHelp: String { trainParser.helpText }

    /// The option specifications of `lwm train`, in help order.
    public static var optionSpecs: [OptionSpec] { options.map(\.spec) }

    static var trainParser: OptionParser {
        OptionParser(
            commandName: "lwm train",
            summary: "Trains a classifier class-incrementally with Learning without Memorizing "
                + "(or an ablation) on every MPI rank, and writes metrics.json and checkpoints "
                + "to the run directory.",
            specs: optionSpecs)
    }

    /// The defaults with `values` (by option name) applied, resolved and validated.
    ///
    /// - Throws: `ConfigurationError` for a value its property cannot hold or that fails
    ///   `validate()`.
    init(values: [String: OptionValue]) throws {
        var configuration = TrainingConfiguration()
        for option in Self.options {
            if let value = values[option.spec.name] {
                try option.assign(&configuration, value)
            }
        }
        configuration = configuration.resolvingDefaults()
        try configuration.validate()
        self = configuration
    }

    // MARK: - The option table

    /// Every option of `lwm train`: one row per stored property.
    static var options: [TrainingOption] {
        dataOptions + scheduleOptions + modelOptions + methodOptions + optimisationOptions
            + distributedOptions + outputOptions
    }

    private static var dataOptions: [TrainingOption] {
        [
            TrainingOption(
                "data", \.dataDirectory, placeholder: "<dir>",
                help: "the dataset's folder: IDX files, CIFAR batches or class folders"),
            TrainingOption("dataset", \.dataset, help: "dataset format and preset in --data"),
            TrainingOption(
                "image-size", \.imageSize, .positive, defaultText: "the preset's",
                help: "side of the square images after resizing (image folders)"),
            TrainingOption(
                "augment", \.augment, help: "training augmentation; auto takes the preset's"),
            TrainingOption(
                "train-list", \.trainList, placeholder: "<file>", defaultText: "none",
                help: "training images of an image folder, one path per line"),
            TrainingOption(
                "test-list", \.testList, placeholder: "<file>", defaultText: "none",
                help: "test images of an image folder, one path per line"),
            TrainingOption(
                "test-fraction", \.testFraction, .unitInterval,
                help: "share of each class held out when an image folder has no split"),
            TrainingOption(
                "on-bad-image", \.onBadImage,
                help: "an unreadable image is skipped (and listed) or stops the run"),
            TrainingOption("cifar-labels", \.cifarLabels, help: "CIFAR-100 label set"),
            TrainingOption(
                "cache-dir", \.cacheDirectory, placeholder: "<dir>", defaultText: "~/.cache/lwm",
                help: "where decoded image folders are cached"),
            TrainingOption(
                "max-train-per-class", \.maxTrainPerClass, .positive, defaultText: "all",
                help: "use at most this many training images per class"),
            TrainingOption(
                "max-test-per-class", \.maxTestPerClass, .positive, defaultText: "all",
                help: "use at most this many test images per class"),
        ].grouped(.data)
    }

    private static var scheduleOptions: [TrainingOption] {
        [
            TrainingOption(
                "tasks", \.tasks, .positive,
                defaultText: "5, or as --base-classes and --increment imply",
                help: "number of incremental tasks"),
            TrainingOption(
                "base-classes", \.baseClasses, .positive, defaultText: "an equal share",
                help: "classes in the first task"),
            TrainingOption(
                "increment", \.increment, .positive, defaultText: "an equal share",
                help: "classes added by each later task"),
            TrainingOption(
                "class-order", \.classOrder, .nonNegative, placeholder: "<class,...>",
                defaultText: "0,1,2,... or seeded",
                help: "order in which classes are learned; icarl: iCaRL's CIFAR-100 order"),
            TrainingOption(
                "class-order-seed", \.classOrderSeed, .nonNegative, defaultText: "none",
                help: "shuffle the class order with this seed"),
        ].grouped(.schedule)
    }

    private static var modelOptions: [TrainingOption] {
        [
            TrainingOption(
                "arch", \.architecture, placeholder: "<name>",
                help: "network: resnet18, or resnet{6n+2} such as resnet8, resnet20, resnet32"),
            TrainingOption(
                "width", \.width, .positive, defaultText: "16, or 64 for resnet18",
                help: "channels of the first stage"),
        ].grouped(.model)
    }

    private static var methodOptions: [TrainingOption] {
        [
            TrainingOption("method", \.method, help: "loss terms after the first task"),
            TrainingOption(
                "beta", \.beta, .nonNegative, help: "weight β of the distillation loss L_D"),
            TrainingOption(
                "gamma", \.gamma, .nonNegative,
                help: "weight γ of the attention distillation loss L_AD"),
            TrainingOption(
                "temperature", \.temperature, .positive, help: "distillation temperature T"),
            TrainingOption(
                "ce-scope", \.classificationScope,
                help: "classes spanned by the classification loss"),
        ].grouped(.method)
    }

    private static var optimisationOptions: [TrainingOption] {
        [
            TrainingOption("epochs", \.epochs, .positive, help: "epochs per task"),
            TrainingOption(
                "batch-size", \.batchSize, .positive,
                help: "images per optimiser step over all ranks"),
            TrainingOption(
                "lr", \.learningRate, .positive, help: "learning rate at the start of each task"),
            TrainingOption("momentum", \.momentum, .unitInterval, help: "SGD momentum μ"),
            TrainingOption(
                "weight-decay", \.weightDecay, .nonNegative,
                help: "weight decay λ on every parameter"),
            TrainingOption("nesterov", \.nesterov, help: "use Nesterov momentum"),
            TrainingOption("schedule", \.schedule, help: "learning-rate schedule within a task"),
            TrainingOption(
                "milestones", \.milestones, .positive, placeholder: "<epoch,...>",
                defaultText: "50% and 75% of --epochs",
                help: "epochs after which multistep multiplies the learning rate by --lr-decay"),
            TrainingOption(
                "lr-decay", \.learningRateDecay, .positive,
                help: "factor of each multistep milestone"),
            TrainingOption(
                "seed", \.seed, .nonNegative,
                help: "seed of every random stream: initialisation, data order, augmentation"),
            TrainingOption(
                "eval-batch-size", \.evaluationBatchSize, .positive,
                help: "images per evaluation step over all ranks"),
        ].grouped(.optimisation)
    }

    private static var distributedOptions: [TrainingOption] {
        [
            TrainingOption("bn", \.batchNorm, help: "BatchNorm statistics across ranks"),
            TrainingOption(
                "bucket-mb", \.bucketMegabytes, .positive,
                help: "size of a gradient all-reduce bucket in MiB"),
            TrainingOption(
                "collective-timeout", \.collectiveTimeout, .positive, placeholder: "<seconds>",
                help: "seconds a collective may wait before every rank stops"),
            TrainingOption(
                "threads", \.threads, .positive, defaultText: "from the environment",
                help: "OpenBLAS threads per rank"),
        ].grouped(.distributed)
    }

    private static var outputOptions: [TrainingOption] {
        [
            TrainingOption(
                "out", \.outputDirectory, placeholder: "<dir>", defaultText: "runs/<timestamp>",
                help: "run directory for metrics.json and checkpoints"),
            TrainingOption(
                "resume", \.resume, help: "continue from the last checkpoint in --out"),
            TrainingOption(
                "attention-samples", \.attentionSamples, .nonNegative,
                help: "test images per task whose attention maps are saved"),
            TrainingOption(
                "progress", \.progress, help: "progress display within an epoch"),
        ].grouped(.output)
    }
}
