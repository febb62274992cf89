/// The forward and backward pass of one LwM training step over a shard of a batch.
///
/// The teacher runs an eval-mode forward that keeps nothing; the student runs one train-mode
/// forward whose logits feed L_C and L_D and whose feature map feeds L_AD, so the student's
/// attention map comes from the very forward that is differentiated. Gradients are
/// accumulated into the student's store; zeroing them and the optimizer step are separate.
public final class LwMStep {
    public let objective: Objective
    public let attention = AttentionDistillation()
    private let dLogits = FloatBuffer()
    /// The teacher's logits of the last call (N×base), or `nil` without a teacher.
    public private(set) var teacherLogits: UnsafeMutablePointer<Float>?

    public init(objective: Objective) {
        self.objective = objective
    }

    /// Runs the step on `batch` images (N×C×H×W) whose labels are output columns of the
    /// student. `normalizer` is the global batch size: each term is the sum over this shard
    /// divided by it, so the sum over ranks is the batch mean. `gradientsReady` is passed to
    /// `ResNet.backward` to overlap the gradient all-reduce with the backward pass.
    ///
    /// - Returns: this shard's share of each loss term.
    public func run(
        student: ResNet, teacher: ResNet?, images: UnsafePointer<Float>, labels: [Int],
        batch: Int, height: Int, width: Int, normalizer: Int,
        reducer: StatisticsReducer? = nil, gradientsReady: ((Int) -> Void)? = nil
    ) -> LossValues {
        let classes = student.classes
        let baseClasses = teacher?.classes ?? 0
        var losses = LossValues()

        // Teacher first: its activations are gone before the student's are made.
        var teacherOutput:
            (logits: UnsafeMutablePointer<Float>, featureMap: UnsafeMutablePointer<Float>)?
        if let teacher {
            let output = teacher.forwardInference(
                images: images, batch: batch, height: height, width: width)
            teacherOutput = (output.logits, output.featureMap)
        }
        teacherLogits = teacherOutput?.logits
        let logits = student.forwardTraining(
            images: images, batch: batch, height: height, width: width, reducer: reducer)

        let dLogits = self.dLogits.reserve(batch * classes)
        dLogits.zero(batch * classes)
        let lossClasses = objective.scope == .new ? baseClasses..<classes : 0..<classes
        losses.classification = labels.withUnsafeBufferPointer { labels in
            softmaxCrossEntropy(
                logits: logits, columns: classes, batch: batch, classes: lossClasses,
                labels: labels, normalizer: normalizer, scale: 1, dLogits: dLogits)
        }

        var dFeatureMap: UnsafePointer<Float>?
        if let teacher, let teacherOutput {
            if objective.method.usesDistillation {
                losses.distillation = distillation(
                    teacherLogits: teacherOutput.logits, teacherColumns: baseClasses,
                    studentLogits: logits, studentColumns: classes, batch: batch,
                    classes: baseClasses, temperature: objective.temperature,
                    normalizer: normalizer, scale: objective.distillationWeight, dLogits: dLogits)
            }
            if objective.method.usesAttentionDistillation {
                let featureMap = student.featureMap
                losses.attentionDistillation = attention(
                    teacherLogits: teacherOutput.logits, baseClasses: baseClasses,
                    teacherFeatureMap: teacherOutput.featureMap, teacherHead: teacher.head,
                    studentFeatureMap: featureMap.pointer, studentHead: student.head,
                    shape: featureMap.shape, normalizer: normalizer,
                    scale: objective.attentionWeight)
                dFeatureMap = UnsafePointer(attention.dFeatureMap.pointer)
            }
        }
        losses.total =
            losses.classification + Double(objective.distillationWeight) * losses.distillation
            + Double(objective.attentionWeight) * losses.attentionDistillation

        student.backward(
            dLogits: dLogits, dFeatureMap: dFeatureMap, reducer: reducer,
            gradientsReady: gradientsReady)
        return losses
    }
}
