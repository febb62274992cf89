/// L_AD, attention distillation through the closed-form Grad-CAM (method.md, "Closed form").
///
/// For image n, b is the base class the teacher scores highest. Because A feeds a global
/// average pool and a linear head, Grad-CAM of class b is the class activation map
/// Q = ReLU(Σ_k W[b,k]·A_k)/HW for each model with its own W and A. With q̂ = Q/max(‖Q‖₂, ε),
/// L_AD = ‖q̂_teacher − q̂_student‖₁, averaged over the batch. The gradient reaches both the
/// student's feature map A and its head row W[b]; the teacher is a constant.
public final class AttentionDistillation {
    /// The teacher's top base class of each image of the last call.
    public private(set) var attentionClass: [Int] = []
    /// The maps of the last call before normalisation, N×(H·W) each.
    public let teacherMap = FloatBuffer()
    public let studentMap = FloatBuffer()
    /// dL/dA for the student, C×N×H×W, written by ``callAsFunction``.
    public let dFeatureMap = FloatBuffer()

    /// ε of the normalisation: a map of smaller norm is divided by ε instead.
    static let epsilon: Float = 1e-12

    public init() {}

    /// Computes the maps and the loss; writes dL/dA into ``dFeatureMap`` and accumulates
    /// dL/dW[b] into the student head's gradient, both multiplied by `scale`/`normalizer`.
    /// Returns Σ_n L_AD(n) / `normalizer`.
    public func callAsFunction(
        teacherLogits: UnsafePointer<Float>, baseClasses: Int,
        teacherFeatureMap: UnsafePointer<Float>, teacherHead: Linear,
        studentFeatureMap: UnsafePointer<Float>, studentHead: Linear,
        shape: ActivationShape, normalizer: Int, scale: Float
    ) -> Double {
        let (channels, batch, spatial) = (shape.channels, shape.batch, shape.spatial)
        let teacherQ = teacherMap.reserve(batch * spatial)
        let studentQ = studentMap.reserve(batch * spatial)
        let dA = dFeatureMap.reserve(shape.count)
        var dQ = [Float](repeating: 0, count: spatial)
        attentionClass = (0..<batch).map { n in
            argmax(teacherLogits + n * teacherHead.outputFeatures, count: baseClasses)
        }

        var total: Double = 0
        for n in 0..<batch {
            let b = attentionClass[n]
            let qt = teacherQ + n * spatial
            let qs = studentQ + n * spatial
            classActivationMap(
                featureMap: teacherFeatureMap,
                classWeights: teacherHead.weight.value + b * channels,
                image: n, shape: shape, into: qt)
            classActivationMap(
                featureMap: studentFeatureMap,
                classWeights: studentHead.weight.value + b * channels,
                image: n, shape: shape, into: qs)

            let teacherNorm = max(norm(qt, count: spatial), Self.epsilon)
            let studentNorm = max(norm(qs, count: spatial), Self.epsilon)
            // g = ∂‖q̂t − q̂s‖₁/∂q̂s = sign(q̂s − q̂t), with sign(0) = 0 as autograd's |x|.
            var projection: Float = 0
            for i in 0..<spatial {
                let difference = qt[i] / teacherNorm - qs[i] / studentNorm
                total += Double(abs(difference))
                dQ[i] = difference > 0 ? -1 : difference < 0 ? 1 : 0
                projection += dQ[i] * qs[i] / studentNorm
            }
            // ∂q̂/∂Q = (I − q̂q̂ᵀ)/‖Q‖ while ‖Q‖ > ε; below ε the norm is the constant ε.
            let isClamped = studentNorm == Self.epsilon
            let gradientScale = scale / Float(normalizer) / studentNorm
            for i in 0..<spatial {
                let dNormalized = isClamped ? dQ[i] : dQ[i] - qs[i] / studentNorm * projection
                // Q = ReLU(P)/HW: the ReLU passes where Q > 0 (its derivative at 0 is 0).
                dQ[i] = qs[i] > 0 ? gradientScale * dNormalized / Float(spatial) : 0
            }

            // P = Σ_k W[b,k]·A_k  ⇒  dA_k = W[b,k]·dP,  dW[b,k] = Σ_hw dP·A_k.
            let weights = studentHead.weight.value + b * channels
            let dWeights = studentHead.weight.gradientSum + b * channels
            for k in 0..<channels {
                let plane = (k * batch + n) * spatial
                let a = studentFeatureMap + plane
                let dAPlane = dA + plane
                var dWeight: Float = 0
                for i in 0..<spatial {
                    dAPlane[i] = weights[k] * dQ[i]
                    dWeight += dQ[i] * a[i]
                }
                dWeights[k] += Double(dWeight)
            }
        }
        return total / Double(normalizer)
    }

    private func norm(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var sum: Float = 0
        for i in 0..<count { sum += x[i] * x[i] }
        return sum.squareRoot()
    }
}

/// Index of the first largest of `count` floats, as `torch.argmax`.
func argmax(_ row: UnsafePointer<Float>, count: Int) -> Int {
    var best = 0
    for j in 1..<max(count, 1) where row[j] > row[best] { best = j }
    return best
}

/// The class activation map of one image, Grad-CAM in closed form at the last stage:
/// Q[hw] = ReLU(Σ_k W[b,k]·A[k][image][hw]) / HW (docs/attention-gradient.md).
///
/// - Parameters:
///   - featureMap: A, C×N×H×W.
///   - classWeights: W[b], the C weights of the head row of class b.
///   - map: receives the H·W values.
public func classActivationMap(
    featureMap: UnsafePointer<Float>, classWeights: UnsafePointer<Float>, image: Int,
    shape: ActivationShape, into map: UnsafeMutablePointer<Float>
) {
    let spatial = shape.spatial
    map.zero(spatial)
    for k in 0..<shape.channels {
        let a = featureMap + (k * shape.batch + image) * spatial
        let w = classWeights[k]
        for i in 0..<spatial { map[i] += w * a[i] }
    }
    let scale = 1 / Float(spatial)
    for i in 0..<spatial { map[i] = max(map[i], 0) * scale }
}
