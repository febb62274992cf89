import Foundation
import LwMData

/// The data of a class-incremental run: both splits, the class schedule, the channel
/// statistics and every image's output column.
///
/// Labels are kept as the dataset's class ids; the model's output column of a class is its
/// position in the class order, so the head's rows for task t are contiguous.
public struct IncrementalData: Sendable {
    public let train: ImageDataset
    public let test: ImageDataset
    public let schedule: ClassSchedule
    /// Per-channel mean and standard deviation of the training images, in 0…1 units.
    public let statistics: ChannelStatistics
    /// The output column of every training and test image.
    public let trainLabels: [Int]
    public let testLabels: [Int]
    /// The task of every output column.
    public let taskOfOutput: [Int]

    /// The transformation of training images (none for evaluation).
    public var augmentation = Augmentation.none
    /// Images an image-folder load skipped under `--on-bad-image skip`.
    public var badImages: [BadImage] = []
    /// What the load did with its decode cache.
    public var cache = CacheUse.disabled

    /// Loads the configured dataset and builds the schedule.
    /// - Throws: `DataError` or a schedule error, each one sentence naming the problem.
    public init(configuration: TrainingConfiguration) throws {
        let directory = URL(fileURLWithPath: configuration.dataDirectory)
        let options = DatasetOptions(
            imageSize: configuration.imageSize, cifarLabels: configuration.cifarLabels,
            trainList: configuration.trainList.map { URL(fileURLWithPath: $0) },
            testList: configuration.testList.map { URL(fileURLWithPath: $0) },
            testFraction: configuration.testFraction, splitSeed: UInt64(configuration.seed),
            onBadImage: configuration.onBadImage,
            cacheDirectory: configuration.cacheDirectory.map { URL(fileURLWithPath: $0) }
                ?? DatasetOptions.userCacheDirectory)
        let loaded = try DatasetLoader.load(
            preset: configuration.dataset, directory: directory, options: options)
        var (train, test) = (loaded.train, loaded.test)
        if let k = configuration.maxTrainPerClass { train = train.firstPerClass(k) }
        if let k = configuration.maxTestPerClass { test = test.firstPerClass(k) }
        let schedule = try ClassSchedule(
            numberOfClasses: train.numberOfClasses, tasks: configuration.tasks,
            baseClasses: configuration.baseClasses, increment: configuration.increment,
            classOrder: configuration.classOrder,
            classOrderSeed: configuration.classOrderSeed.map { UInt64($0) })
        try self.init(train: train, test: test, schedule: schedule)
        badImages = loaded.badImages
        cache = loaded.cache
        switch configuration.augment {
        case .auto: augmentation = configuration.dataset.defaultAugmentation
        case .none: augmentation = .none
        case .cropFlip: augmentation = .paddedCropAndFlip(padding: 4)
        case .resizedCropFlip: augmentation = .randomResizedCropAndFlip(scale: 0.35...1)
        }
    }

    public init(train: ImageDataset, test: ImageDataset, schedule: ClassSchedule) throws {
        guard train.channels == test.channels, train.height == test.height,
            train.width == test.width
        else {
            throw DataError(
                "training images are \(train.channels)×\(train.height)×\(train.width) but test "
                    + "images are \(test.channels)×\(test.height)×\(test.width); both splits "
                    + "must share one size")
        }
        self.train = train
        self.test = test
        self.schedule = schedule
        statistics = train.channelStatistics()
        trainLabels = train.labels.map { schedule.position(ofOriginalClass: $0) }
        testLabels = test.labels.map { schedule.position(ofOriginalClass: $0) }
        var taskOfOutput = [Int](repeating: 0, count: schedule.numberOfClasses)
        for (task, classes) in schedule.tasks.enumerated() {
            for original in classes {
                taskOfOutput[schedule.position(ofOriginalClass: original)] = task
            }
        }
        self.taskOfOutput = taskOfOutput
    }

    public var numberOfTasks: Int { schedule.numberOfTasks }

    /// Training images of `task` (0-based), in file order.
    public func trainIndices(task: Int) -> [Int] {
        trainLabels.indices.filter { taskOfOutput[trainLabels[$0]] == task }
    }

    /// Test images of every task up to and including `task`, in file order.
    public func testIndices(throughTask task: Int) -> [Int] {
        testLabels.indices.filter { taskOfOutput[testLabels[$0]] <= task }
    }

    /// The dataset's names of the classes of `task`.
    public func classNames(task: Int) -> [String] {
        schedule.tasks[task].map { train.classNames[$0] }
    }
}
