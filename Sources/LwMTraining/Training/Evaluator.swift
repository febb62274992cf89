import LwMCore
import LwMData

/// Evaluates a model on the test images of every class seen so far, sharded over the ranks.
///
/// Each rank counts its own share of the images; the counts (not averages) are summed, so
/// the result is exact whatever the rank count.
public struct Evaluator {
    public let data: IncrementalData
    /// Images per evaluation step over all ranks.
    public let batchSize: Int

    public init(data: IncrementalData, batchSize: Int) {
        self.data = data
        self.batchSize = batchSize
    }

    /// Counts per task of task-agnostic top-1 and top-5 and task-aware top-1 after `task`
    /// (0-based), summed over the ranks.
    public func evaluate(
        _ network: ResNet, afterTask task: Int, parallel: DataParallel
    ) -> TaskEvaluation {
        let indices = data.testIndices(throughTask: task)
        let mine = Array(indices[parallel.shard(of: indices.count)])
        let classes = network.classes
        let test = data.test
        var counts = [TaskCounts](repeating: TaskCounts(), count: task + 1)
        let images = FloatBuffer()
        let batchSize = max(1, (self.batchSize + parallel.size - 1) / parallel.size)

        var start = 0
        while start < mine.count {
            let batch = mine[start..<min(start + batchSize, mine.count)]
            let pixels = images.reserve(batch.count * test.imageSize)
            test.makeBatch(indices: batch, statistics: data.statistics, into: pixels)
            let logits = network.forwardInference(
                images: pixels, batch: batch.count, height: test.height, width: test.width
            ).logits
            for (row, index) in batch.enumerated() {
                let label = data.testLabels[index]
                let labelTask = data.taskOfOutput[label]
                let scores = UnsafeBufferPointer(start: logits + row * classes, count: classes)
                let target = scores[label]
                // Rank of the label: how many classes score strictly higher (ties count for
                // the label, as top-k with the label first among equals).
                var higher = 0
                for score in scores where score > target { higher += 1 }
                var taskAwareHigher = 0
                for j in data.schedule.outputRange(ofTask: labelTask) where scores[j] > target {
                    taskAwareHigher += 1
                }
                counts[labelTask].total += 1
                if higher == 0 { counts[labelTask].top1 += 1 }
                if higher < 5 { counts[labelTask].top5 += 1 }
                if taskAwareHigher == 0 { counts[labelTask].taskAwareTop1 += 1 }
            }
            start += batch.count
        }

        var packed = TaskEvaluation(perTask: counts).packedCounts
        parallel.collective {
            if parallel.size > 1 {
                try parallel.communicator.allReduceSum(&packed, name: "evaluation counts")
            }
        }
        return TaskEvaluation(packedCounts: packed)
    }
}
