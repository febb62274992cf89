import LwMCore

/// The attention LwM distils, for pictures: for each image the teacher's top base class b and
/// the Grad-CAM of b in the teacher and in the student (method.md, "Closed form"):
///
///     Q = ReLU(Σ_k W[b,k]·A_k) / HW
///
/// with each network's own head row W[b] and final feature map A. Both networks run in eval
/// mode (BatchNorm on running statistics), unlike the loss, which takes the student's map
/// from its training forward; a picture should not depend on the other images of a batch.
public struct AttentionMaps: Sendable {
    /// Per image, the output column the teacher scores highest among its classes.
    public let attentionClasses: [Int]
    /// Per image, the teacher's Q for its b at feature resolution, before any normalisation.
    public let teacher: [ScalarMap]
    /// Per image, the student's Q for the same b.
    public let student: [ScalarMap]
    /// Per image, the output column the student scores highest among all its classes.
    public let studentPredictions: [Int]

    /// Images per forward pass, which bounds the activation memory.
    static let chunk = 32

    /// Runs both networks on `images` and computes the maps.
    ///
    /// - Parameters:
    ///   - teacher: the model of the previous task; every one of its outputs is a base class.
    ///   - student: the model of the current task, whose first outputs are the teacher's.
    ///   - images: N×C×H×W normalised floats, `count` images.
    /// - Throws: ``VisualizationError`` when the two networks take different inputs, the
    ///   teacher has more classes than the student, or the images do not fit them.
    public init(
        teacher: ResNet, student: ResNet, images: [Float], count: Int, height: Int, width: Int
    ) throws {
        let channels = teacher.configuration.inputChannels
        guard student.configuration.inputChannels == channels else {
            throw VisualizationError(
                "the teacher takes \(channels)-channel images but the student takes "
                    + "\(student.configuration.inputChannels); pass two models of the same run.")
        }
        guard teacher.classes <= student.classes else {
            throw VisualizationError(
                "the teacher has \(teacher.classes) classes, more than the student's "
                    + "\(student.classes); pass the model of the earlier task as the teacher.")
        }
        guard count >= 0, images.count == count * channels * height * width else {
            throw VisualizationError(
                "\(images.count) floats do not make \(count) images of "
                    + "\(channels)×\(height)×\(width); pass N×C×H×W images of the models' "
                    + "channel count.")
        }

        var classes: [Int] = []
        var teacherMaps: [ScalarMap] = []
        var studentMaps: [ScalarMap] = []
        var predictions: [Int] = []
        let imageSize = channels * height * width
        images.withUnsafeBufferPointer { images in
            for first in stride(from: 0, to: count, by: Self.chunk) {
                let batch = min(Self.chunk, count - first)
                let input = images.baseAddress! + first * imageSize

                // The teacher's pass first: its buffers stay valid until its next pass.
                let teacherOutput = teacher.forwardInference(
                    images: input, batch: batch, height: height, width: width)
                let chosen = (0..<batch).map { n in
                    Self.argmax(teacherOutput.logits + n * teacher.classes, count: teacher.classes)
                }
                for n in 0..<batch {
                    teacherMaps.append(
                        ClassActivation.map(
                            featureMap: teacherOutput.featureMap, shape: teacherOutput.shape,
                            image: n,
                            classWeights: teacher.head.weight.value + chosen[n]
                                * teacher.head.inputFeatures))
                }

                let studentOutput = student.forwardInference(
                    images: input, batch: batch, height: height, width: width)
                for n in 0..<batch {
                    predictions.append(
                        Self.argmax(
                            studentOutput.logits + n * student.classes, count: student.classes))
                    studentMaps.append(
                        ClassActivation.map(
                            featureMap: studentOutput.featureMap, shape: studentOutput.shape,
                            image: n,
                            classWeights: student.head.weight.value + chosen[n]
                                * student.head.inputFeatures))
                }
                classes += chosen
            }
        }
        attentionClasses = classes
        self.teacher = teacherMaps
        self.student = studentMaps
        studentPredictions = predictions
    }

    /// Index of the first largest of `count` floats, as `torch.argmax`.
    static func argmax(_ row: UnsafePointer<Float>, count: Int) -> Int {
        var best = 0
        for j in 1..<max(count, 1) where row[j] > row[best] { best = j }
        return best
    }
}

/// Class activation maps from a network's final feature map.
public enum ClassActivation {
    /// Q[h][w] = ReLU(Σ_k weights[k]·A[k][image][h][w]) / HW for one image.
    ///
    /// - Parameters:
    ///   - featureMap: A, C×N×H×W (channel-major, as ``ResNet`` keeps activations).
    ///   - shape: the shape of A.
    ///   - image: n, the image within the batch.
    ///   - classWeights: W[b], the C weights of the head row of class b.
    public static func map(
        featureMap: UnsafePointer<Float>, shape: ActivationShape, image: Int,
        classWeights: UnsafePointer<Float>
    ) -> ScalarMap {
        var values = [Float](repeating: 0, count: shape.spatial)
        values.withUnsafeMutableBufferPointer { values in
            classActivationMap(
                featureMap: featureMap, classWeights: classWeights, image: image, shape: shape,
                into: values.baseAddress!)
        }
        return ScalarMap(width: shape.width, height: shape.height, values: values)
    }
}
