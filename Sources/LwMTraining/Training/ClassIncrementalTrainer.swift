import Foundation
import LwMCore
import LwMData
import LwMVisualization

/// A stop that every rank agreed on, with the sentence rank 0 prints.
public struct TrainingError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The class-incremental loop: for each task, grow the head, freeze the teacher, train the
/// student on the task's images with the configured method, evaluate, checkpoint.
///
/// Every rank runs this loop on the same global batches; each computes the gradients of its
/// shard, and the all-reduced sum drives one identical SGD update on every rank. Rank 0 alone
/// prints, writes metrics.json and checkpoints, and owns the teacher it broadcasts.
public final class ClassIncrementalTrainer {
    public let configuration: TrainingConfiguration
    public let data: IncrementalData
    public let parallel: DataParallel
    public let console: RankConsole
    public let outputDirectory: URL
    public private(set) var record: RunRecord

    private let objective: Objective
    private let reducer: StatisticsReducer?
    private let images = FloatBuffer()
    private let fault: FaultInjection?
    /// Optimiser steps taken by this process, across tasks.
    private var stepsTaken = 0

    public init(
        configuration: TrainingConfiguration, data: IncrementalData, parallel: DataParallel,
        console: RankConsole, outputDirectory: URL
    ) {
        self.configuration = configuration
        self.data = data
        self.parallel = parallel
        self.console = console
        self.outputDirectory = outputDirectory
        record = RunRecord(configuration: configuration, ranks: parallel.size)
        objective = Objective(
            method: configuration.method, distillationWeight: Float(configuration.beta),
            attentionWeight: Float(configuration.gamma),
            temperature: Float(configuration.temperature), scope: configuration.classificationScope)
        fault = FaultInjection(rank: parallel.rank)
        reducer =
            configuration.batchNorm == .sync && parallel.size > 1
            ? CrossRankStatistics(parallel) : nil
    }

    /// A seed for one purpose of one task, derived from the run's seed, so that a resumed
    /// run draws exactly what an uninterrupted one draws.
    private func derivedSeed(_ purpose: UInt64, task: Int) -> UInt64 {
        var generator = SeededGenerator(
            seed: UInt64(configuration.seed), stream: [purpose, UInt64(task)])
        return generator.next()
    }

    private func networkConfiguration(classes: Int) -> NetworkConfiguration {
        NetworkConfiguration(
            architecture: configuration.architecture, width: configuration.width,
            inputChannels: data.train.channels, classes: classes)
    }

    // MARK: - The run

    /// Trains every remaining task and returns the record of the whole run.
    public func run() throws -> RunRecord {
        var (student, firstTask) = try startingPoint()
        if firstTask > 0 {
            console.line(
                "resuming after task \(firstTask) of \(data.numberOfTasks) from \(outputDirectory.path)"
            )
        }
        for task in firstTask..<data.numberOfTasks {
            var teacher: ResNet?
            if task > 0 {
                // The model at the end of the previous task, frozen; rank 0's copy is the one.
                let frozen = student.snapshot()
                parallel.broadcastModel(frozen, name: "teacher")
                teacher = frozen
                student = student.growingHead(
                    to: data.schedule.classesSeen(throughTask: task),
                    seed: derivedSeed(2, task: task))
            }
            try train(student, teacher: teacher, task: task)
        }
        if console.isRoot {
            console.line()
            console.line(ResultsTable.accuracySummary(record.metrics))
            console.line()
            console.line("metrics and checkpoints: \(outputDirectory.path)")
        }
        return record
    }

    /// The model to start from and its first task: a fresh network, or with `--resume` the
    /// newest checkpoint in the output directory, read by rank 0 and broadcast.
    private func startingPoint() throws -> (ResNet, Int) {
        var resumeTask = -1
        var stateText = ""
        var checkpoint: SafeTensorsFile?
        if configuration.resume && console.isRoot {
            if let newest = Checkpoint.newest(in: outputDirectory) {
                checkpoint = newest.file
                resumeTask = newest.task
                stateText = newest.file.metadata["run_state"] ?? ""
            }
        }
        parallel.collective {
            if parallel.size > 1 {
                try withUnsafeMutableBytes(of: &resumeTask) { bytes in
                    try parallel.communicator.broadcast(
                        bytes.baseAddress!, byteCount: bytes.count, root: 0, name: "resume point")
                }
            }
        }
        if configuration.resume && resumeTask < 0 {
            console.line(
                "--resume: no checkpoint in \(outputDirectory.path) yet; starting at task 1")
        }
        guard resumeTask >= 0 else {
            return (
                ResNet(
                    networkConfiguration(classes: data.schedule.classesSeen(throughTask: 0)),
                    seed: derivedSeed(1, task: 0)), 0
            )
        }

        let network = ResNet(
            networkConfiguration(classes: data.schedule.classesSeen(throughTask: resumeTask)),
            seed: 0)
        var failure = ""
        if let checkpoint {
            do {
                try network.load(from: checkpoint, source: Checkpoint.fileName(task: resumeTask))
                try record.restoreState(from: stateText)
            } catch {
                failure = "cannot resume from \(Checkpoint.fileName(task: resumeTask)): \(error)"
            }
        }
        try agree(failure)
        // Every rank evaluates into its own copy of the record, so every rank needs the tasks
        // and counts so far, not only rank 0, which read them.
        var stateBytes = Array(stateText.utf8)
        parallel.collective {
            if parallel.size > 1 {
                try parallel.communicator.broadcast(&stateBytes, root: 0, name: "resumed record")
            }
        }
        if !console.isRoot {
            try record.restoreState(from: String(decoding: stateBytes, as: UTF8.self))
        }
        parallel.broadcastModel(network, name: "resumed model")
        return (network, resumeTask + 1)
    }

    /// Throws on every rank when rank 0 reports `failure` (non-empty), so that all stop.
    private func agree(_ failure: String) throws {
        var bytes = Array(failure.utf8)
        parallel.collective {
            if parallel.size > 1 {
                try parallel.communicator.broadcast(&bytes, root: 0, name: "rank 0 status")
            }
        }
        if !bytes.isEmpty { throw TrainingError(String(decoding: bytes, as: UTF8.self)) }
    }

    // MARK: - One task

    private func train(_ student: ResNet, teacher: ResNet?, task: Int) throws {
        let indices = data.trainIndices(task: task)
        console.line()
        console.line(
            ResultsTable.taskBanner(
                task: task, of: data.numberOfTasks, classes: data.schedule.tasks[task],
                images: indices.count))
        console.line(ResultsTable.epochHeader)

        let optimizer = SGD(
            store: student.store,
            settings: SGDSettings(
                momentum: Float(configuration.momentum),
                weightDecay: Float(configuration.weightDecay), nesterov: configuration.nesterov))
        let step = LwMStep(objective: objective)
        let schedule = learningRateSchedule()
        var epochs: [EpochRecord] = []
        let taskStart = Date()

        for epoch in 0..<configuration.epochs {
            let learningRate = schedule.learningRate(base: configuration.learningRate, epoch: epoch)
            let epochRecord = try trainEpoch(
                student, teacher: teacher, step: step, optimizer: optimizer, indices: indices,
                task: task, epoch: epoch, learningRate: learningRate)
            epochs.append(epochRecord)
            console.line(
                ResultsTable.epochLine(
                    EpochSummary(
                        epoch: epoch, epochs: configuration.epochs,
                        classificationLoss: epochRecord.classificationLoss,
                        distillationLoss: teacher != nil && objective.method.usesDistillation
                            ? epochRecord.distillationLoss : nil,
                        attentionLoss: teacher != nil && objective.method.usesAttentionDistillation
                            ? epochRecord.attentionDistillationLoss : nil,
                        totalLoss: epochRecord.totalLoss, learningRate: learningRate,
                        imagesPerSecond: epochRecord.imagesPerSecond, seconds: epochRecord.seconds))
            )
        }
        let trainSeconds = Date().timeIntervalSince(taskStart)

        let evaluationStart = Date()
        let evaluation = Evaluator(data: data, batchSize: configuration.evaluationBatchSize)
            .evaluate(student, afterTask: task, parallel: parallel)
        record.metrics.record(afterTask: task, evaluation)
        let metrics = record.metrics
        record.tasks.append(
            TaskRecord(
                task: task + 1, classes: data.schedule.tasks[task],
                classNames: data.classNames(task: task), trainImages: indices.count,
                epochs: epochs, trainSeconds: trainSeconds,
                evaluationSeconds: Date().timeIntervalSince(evaluationStart),
                taskAgnosticTop1: metrics.taskAgnosticTop1[task],
                taskAgnosticTop5: metrics.taskAgnosticTop5[task],
                taskAwareTop1: metrics.taskAwareTop1[task],
                accuracyPerTask: metrics.accuracyMatrix[task]))
        console.line(ResultsTable.evaluationLine(metrics, tasks: data.numberOfTasks))

        var failure = ""
        if console.isRoot {
            do {
                try Checkpoint.write(
                    student, task: task, data: data, record: record, to: outputDirectory)
                try record.metricsDocument().write(
                    to: outputDirectory.appendingPathComponent("metrics.json"), options: .atomic)
                try AccuracyPlot.write(
                    record, to: outputDirectory.appendingPathComponent("accuracy.svg"))
                if let teacher, configuration.attentionSamples > 0 {
                    try AttentionSamples.write(
                        teacher: teacher, student: student, data: data,
                        indices: AttentionSamples.sampleIndices(
                            data: data, count: configuration.attentionSamples),
                        task: task, to: outputDirectory)
                }
            } catch {
                failure = "cannot write to \(outputDirectory.path): \(error)"
            }
        }
        try agree(failure)
    }

    private func learningRateSchedule() -> LearningRateSchedule {
        switch configuration.schedule {
        case .constant: .constant
        case .cosine: .cosine(epochs: configuration.epochs)
        case .multistep:
            .multiStep(
                milestones: configuration.resolvedMilestones, decay: configuration.learningRateDecay
            )
        }
    }

    // MARK: - One epoch

    private func trainEpoch(
        _ student: ResNet, teacher: ResNet?, step: LwMStep, optimizer: SGD, indices: [Int],
        task: Int, epoch: Int, learningRate: Double
    ) throws -> EpochRecord {
        let order = EpochOrder.shuffledIndices(
            indices, seed: UInt64(configuration.seed), task: task, epoch: epoch)
        let batchSize = configuration.batchSize
        let train = data.train
        let start = Date()
        var lastProgress = start
        var sums = LossValues()
        var seen = 0
        var stepIndex = 0
        let buckets = GradientBuckets(
            parallel: parallel, store: student.store, bucketMegabytes: configuration.bucketMegabytes
        )

        while seen < order.count {
            let batch = order[seen..<min(seen + batchSize, order.count)]
            let shard = parallel.shard(of: batch.count)
            let mine = batch[
                (batch.startIndex + shard.lowerBound)..<(batch.startIndex + shard.upperBound)]
            let pixels = images.reserve(max(mine.count, 1) * train.imageSize)
            // Augmentation draws are keyed by each image's place in the epoch order (the slice's
            // indices), so they do not depend on the rank count.
            train.makeAugmentedBatch(
                indices: mine, statistics: data.statistics, augmentation: data.augmentation,
                seed: UInt64(configuration.seed), task: task, epoch: epoch, into: pixels)
            let labels = mine.map { data.trainLabels[$0] }

            stepsTaken += 1
            fault?.beforeStep(stepsTaken)
            student.store.zeroGradients()
            let shareOfLosses = step.run(
                student: student, teacher: teacher, images: pixels, labels: labels,
                batch: mine.count, height: train.height, width: train.width,
                normalizer: batch.count, reducer: reducer,
                gradientsReady: { offset in
                    if offset == 0 {
                        self.fault?.afterBackward(self.stepsTaken, store: student.store)
                    }
                    buckets.gradientsReady(from: offset)
                })
            buckets.finish()
            let (losses, nonFinite) = parallel.reduceLosses(shareOfLosses, store: student.store)
            if nonFinite {
                throw TrainingError(
                    "a NaN or infinity appeared in the loss or gradients at task \(task + 1), "
                        + "epoch \(epoch + 1), step \(stepIndex + 1) (L_C \(losses.classification), "
                        + "L_D \(losses.distillation), L_AD \(losses.attentionDistillation)); "
                        + "stopped before applying it. Lower --lr or check the input data")
            }
            optimizer.step(learningRate: Float(learningRate))

            let weight = Double(batch.count)
            sums = sums + LossValues(array: losses.array.map { $0 * weight })
            seen += batch.count
            stepIndex += 1
            let now = Date()
            if now.timeIntervalSince(lastProgress) > 0.25 {
                lastProgress = now
                let elapsed = now.timeIntervalSince(start)
                console.progress(
                    ProgressBar().render(
                        label: "epoch \(epoch + 1)/\(configuration.epochs)", completed: seen,
                        total: order.count, imagesPerSecond: Double(seen) / elapsed,
                        elapsedSeconds: elapsed))
            }
        }

        if reducer == nil { parallel.broadcastStatistics(student) }
        guard parallel.weightsAgree(student) else {
            throw TrainingError(
                "the ranks hold different weights after task \(task + 1), epoch \(epoch + 1); "
                    + "every rank must run the same build on the same data")
        }
        let seconds = Date().timeIntervalSince(start)
        let count = Double(max(order.count, 1))
        return EpochRecord(
            epoch: epoch + 1, classificationLoss: sums.classification / count,
            distillationLoss: sums.distillation / count,
            attentionDistillationLoss: sums.attentionDistillation / count,
            totalLoss: sums.total / count, learningRate: learningRate, seconds: seconds,
            imagesPerSecond: Double(order.count) / seconds)
    }
}
