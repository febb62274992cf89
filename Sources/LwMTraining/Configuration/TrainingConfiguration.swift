import LwMCore
import LwMData

/// Everything `lwm train` needs to know, read from the command line and a configuration file.
///
/// Each stored property is one option of `TrainingConfiguration.options`; its initial value
/// here is the option's default. Adding an option takes one property here and one row there:
/// parsing, the help text, validation, coding and the configuration table follow from them.
///
/// Tasks and classes count from 0 in the API and from 1 on the console.
public struct TrainingConfiguration: Sendable, Equatable {
    // MARK: Data

    /// The directory holding the dataset (IDX files, CIFAR batches or class folders).
    public var dataDirectory = "/usr/share/datasets/fashion-mnist"
    public var dataset = DatasetPreset.fashionMNIST
    /// Image side after resizing for image folders; nil for the preset's size.
    public var imageSize: Int?
    /// Training augmentation; `auto` takes the preset's.
    public var augment = AugmentChoice.auto
    /// Split lists of an image folder, one path per line relative to `dataDirectory`.
    public var trainList: String?
    public var testList: String?
    /// Share of each class held out for testing when an image folder has no split.
    public var testFraction = 0.2
    public var onBadImage = BadImagePolicy.skip
    public var cifarLabels = CIFARLabels.fine
    /// Where decoded image folders are cached; nil for ~/.cache/lwm.
    public var cacheDirectory: String?
    /// At most this many training images per class; nil takes all.
    public var maxTrainPerClass: Int?
    /// At most this many test images per class; nil takes all.
    public var maxTestPerClass: Int?

    // MARK: Schedule

    /// The number of tasks; nil when `baseClasses` and `increment` determine it.
    /// `resolvingDefaults()` makes it 5 when none of the three is given.
    public var tasks: Int?
    /// Classes in the first task; nil for an equal share.
    public var baseClasses: Int?
    /// Classes in each later task; nil for an equal share of those left.
    public var increment: Int?
    /// Original class ids in the order they are learned; nil for the natural or seeded order.
    public var classOrder: [Int]?
    /// Shuffles the natural class order when `classOrder` is nil; nil keeps 0, 1, 2, ….
    public var classOrderSeed: Int?

    // MARK: Model

    public var architecture = Architecture.cifar(depth: 20)
    /// Channels of the first stage; nil for the architecture's default (`resolvedWidth`).
    public var width: Int?

    // MARK: Method

    public var method = Method.lwm
    /// β, the weight of the distillation loss L_D.
    public var beta = 1.0
    /// γ, the weight of the attention distillation loss L_AD.
    public var gamma = 1.0
    /// T, the distillation temperature.
    public var temperature = 2.0
    /// The classes whose logits the classification softmax spans.
    public var classificationScope = ClassificationScope.new

    // MARK: Optimisation

    /// Epochs per task.
    public var epochs = 3
    /// Images per optimiser step, over all ranks together.
    public var batchSize = 128
    /// The learning rate at the start of every task.
    public var learningRate = 0.1
    public var momentum = 0.9
    public var weightDecay = 5e-4
    public var nesterov = false
    public var schedule = LearningRateSchedule.cosine
    /// Epochs after which `multistep` multiplies the learning rate by `learningRateDecay`;
    /// empty for 50% and 75% of `epochs` (`resolvedMilestones`).
    public var milestones: [Int] = []
    public var learningRateDecay = 0.1
    /// The seed of every random stream of the run.
    public var seed = 1
    /// Images per evaluation step, over all ranks together.
    public var evaluationBatchSize = 256

    // MARK: Distributed

    public var batchNorm = BatchNormStatistics.sync
    /// The size of a gradient all-reduce bucket, in MiB.
    public var bucketMegabytes = 4.0
    /// Seconds a collective may wait before every rank stops.
    public var collectiveTimeout = 300.0
    /// OpenBLAS threads per rank; nil takes the environment's setting.
    public var threads: Int?

    // MARK: Output

    /// The run directory for metrics and checkpoints; nil for the caller's `runs/<timestamp>`.
    public var outputDirectory: String?
    /// Whether to continue from the last checkpoint in `outputDirectory`.
    public var resume = false
    /// Test images per task whose attention maps are saved.
    public var attentionSamples = 0
    public var progress = ProgressStyle.auto

    /// The defaults of every option.
    public init() {}
}

extension TrainingConfiguration {
    /// Training augmentation: the preset's, none, or one of the two standard recipes.
    public enum AugmentChoice: String, CaseIterable, Codable, Sendable {
        case auto
        case none
        /// Random crop after zero padding by 4, and horizontal flip (CIFAR).
        case cropFlip = "crop-flip"
        /// Random-resized crop (scale 0.35–1) and horizontal flip (ImageNet style).
        case resizedCropFlip = "resized-crop-flip"
    }

    /// How the learning rate moves within a task.
    public enum LearningRateSchedule: String, CaseIterable, Codable, Sendable {
        /// From `learningRate` to 0 over the task's epochs along half a cosine.
        case cosine
        /// Multiplied by `learningRateDecay` after each of `milestones`.
        case multistep
        case constant
    }

    /// Whether BatchNorm normalises with statistics over every rank's batch or its own.
    public enum BatchNormStatistics: String, CaseIterable, Codable, Sendable {
        case sync
        case local
    }

    /// How progress within an epoch is shown.
    public enum ProgressStyle: String, CaseIterable, Codable, Sendable {
        /// A bar on a terminal, lines otherwise.
        case auto
        case bar
        case lines
    }
}

extension TrainingConfiguration {
    /// `width`, or the architecture's default: 16 for CIFAR ResNets, 64 for resnet18.
    public var resolvedWidth: Int { width ?? architecture.defaultWidth }

    /// `milestones`, or 50% and 75% of `epochs` (at least epoch 1) when empty.
    public var resolvedMilestones: [Int] {
        guard milestones.isEmpty else { return milestones }
        let half = max(1, epochs / 2)
        let threeQuarters = max(1, epochs * 3 / 4)
        return half == threeQuarters ? [half] : [half, threeQuarters]
    }

    /// The configuration with the defaults that follow from other options written out: the
    /// width, multistep's milestones, and 5 tasks when neither tasks, base classes nor an
    /// increment is given.
    public func resolvingDefaults() -> TrainingConfiguration {
        var resolved = self
        resolved.width = resolvedWidth
        if schedule == .multistep { resolved.milestones = resolvedMilestones }
        if tasks == nil, baseClasses == nil, increment == nil { resolved.tasks = 5 }
        return resolved
    }
}
