import Foundation
import LwMCore

/// Times the LwM training step on synthetic data, on one rank or data-parallel on many.
///
/// Each rank runs the step on its shard of the global batch exactly as training does (sync
/// BatchNorm, overlapped gradient buckets, SGD), and measures the time it spends blocked in
/// communication: BatchNorm's statistics all-reduces and the wait for the gradient buckets.
/// With `communicates` off every rank runs the same step alone, which measures what the
/// machine itself allows P processes to compute.
public struct StepBenchmark {
    public var architecture: Architecture
    public var width: Int?
    public var globalBatch: Int
    public var channels: Int
    public var height: Int
    public var imageWidth: Int
    public var warmupSteps: Int
    public var timedSteps: Int
    public var communicates: Bool
    public var bucketMegabytes: Double
    public var baseClasses = 8
    public var classes = 10

    public init(
        architecture: Architecture, width: Int?, globalBatch: Int, channels: Int, height: Int,
        imageWidth: Int, warmupSteps: Int, timedSteps: Int, communicates: Bool,
        bucketMegabytes: Double
    ) {
        self.architecture = architecture
        self.width = width
        self.globalBatch = globalBatch
        self.channels = channels
        self.height = height
        self.imageWidth = imageWidth
        self.warmupSteps = warmupSteps
        self.timedSteps = timedSteps
        self.communicates = communicates
        self.bucketMegabytes = bucketMegabytes
    }

    /// Per-step times in seconds, the largest over the ranks, and the FLOPs of a step.
    public struct Result {
        public var ranks: Int
        public var imagesPerStep: Int
        public var stepSeconds: Double
        public var computeSeconds: Double
        public var communicationSeconds: Double
        /// FLOPs of one step of the whole global batch: 3 student + 1 teacher forward.
        public var stepFLOPs: Double
        public var width: Int
        public var imagesPerSecond: Double { Double(imagesPerStep) / stepSeconds }
    }

    public func run(parallel: DataParallel) -> Result {
        let configuration = NetworkConfiguration(
            architecture: architecture, width: width, inputChannels: channels, classes: classes)
        let student = ResNet(configuration, seed: 1)
        var teacherConfiguration = configuration
        teacherConfiguration.classes = baseClasses
        let teacher = ResNet(teacherConfiguration, seed: 2)
        let optimizer = SGD(store: student.store, settings: SGDSettings())
        let step = LwMStep(objective: Objective())

        let shard =
            communicates ? parallel.shard(of: globalBatch) : 0..<(globalBatch / parallel.size)
        let images = shard.count
        var generator = SeededGenerator(seed: 7, stream: [UInt64(parallel.rank)])
        let pixels = (0..<(max(images, 1) * channels * height * imageWidth)).map { _ in
            Float(generator.nextNormal())
        }
        let labels = (0..<images).map { baseClasses + $0 % (classes - baseClasses) }
        let statistics = TimedStatistics(parallel, enabled: communicates && parallel.size > 1)
        let buckets = GradientBuckets(
            parallel: parallel, store: student.store, bucketMegabytes: bucketMegabytes)
        var waiting = 0.0

        func trainingStep() {
            student.store.zeroGradients()
            _ = pixels.withUnsafeBufferPointer { pixels in
                step.run(
                    student: student, teacher: teacher, images: pixels.baseAddress!,
                    labels: labels, batch: images, height: height, width: imageWidth,
                    normalizer: communicates ? globalBatch : images,
                    reducer: statistics.enabled ? statistics : nil,
                    gradientsReady: communicates ? buckets.gradientsReady(from:) : nil)
            }
            if communicates {
                let start = DispatchTime.now().uptimeNanoseconds
                buckets.finish()
                waiting += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            }
            optimizer.step(learningRate: 0.01)
        }

        for _ in 0..<warmupSteps { trainingStep() }
        if parallel.size > 1 {
            parallel.collective { try parallel.communicator.barrier(name: "benchmark start") }
        }
        waiting = 0
        statistics.seconds = 0
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<timedSteps { trainingStep() }
        let total = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let steps = Double(timedSteps)
        var times = [total / steps, (waiting + statistics.seconds) / steps]
        if parallel.size > 1 {
            parallel.collective {
                try times.withUnsafeMutableBufferPointer { buffer in
                    try parallel.communicator.allReduceMax(
                        buffer.baseAddress!, count: 2, name: "benchmark times")
                }
            }
        }

        let totalImages = communicates ? globalBatch : images * parallel.size
        let forward = student.forwardFLOPs(batch: totalImages, height: height, width: imageWidth)
        let teacherForward = teacher.forwardFLOPs(
            batch: totalImages, height: height, width: imageWidth)
        return Result(
            ranks: parallel.size, imagesPerStep: totalImages, stepSeconds: times[0],
            computeSeconds: times[0] - times[1], communicationSeconds: times[1],
            stepFLOPs: 3 * forward + teacherForward, width: configuration.width)
    }
}

/// Synchronised BatchNorm statistics that also count the time spent in the all-reduces.
private final class TimedStatistics: StatisticsReducer {
    let inner: CrossRankStatistics
    let enabled: Bool
    var seconds = 0.0

    init(_ parallel: DataParallel, enabled: Bool) {
        inner = CrossRankStatistics(parallel)
        self.enabled = enabled
    }

    var addsParameterGradients: Bool { inner.addsParameterGradients }

    func sumInPlace(_ values: UnsafeMutablePointer<Double>, count: Int) {
        let start = DispatchTime.now().uptimeNanoseconds
        inner.sumInPlace(values, count: count)
        seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
