/// Which loss terms train the student (method.md, "Paper defaults" and ablations).
public enum Method: String, CaseIterable, Sendable, Codable {
    /// L_C + β·L_D + γ·L_AD.
    case lwm
    /// L_C + β·L_D (Learning without Forgetting).
    case lwf
    /// L_C + γ·L_AD.
    case classificationAndAttention = "c+ad"
    /// L_C only.
    case finetune

    public var usesDistillation: Bool { self == .lwm || self == .lwf }
    public var usesAttentionDistillation: Bool {
        self == .lwm || self == .classificationAndAttention
    }
}

/// Which classes the cross-entropy L_C normalises over.
public enum ClassificationScope: String, CaseIterable, Sendable, Codable {
    /// The new classes only, labels shifted to that range (the default).
    case new
    /// Every class seen so far.
    case all
}

/// The loss of a step, L = L_C + β·L_D + γ·L_AD, and its hyperparameters.
public struct Objective: Equatable, Sendable {
    public var method: Method
    /// β, the weight of L_D.
    public var distillationWeight: Float
    /// γ, the weight of L_AD.
    public var attentionWeight: Float
    /// T of L_D.
    public var temperature: Float
    public var scope: ClassificationScope

    public init(
        method: Method = .lwm, distillationWeight: Float = 1, attentionWeight: Float = 1,
        temperature: Float = 2, scope: ClassificationScope = .new
    ) {
        self.method = method
        self.distillationWeight = distillationWeight
        self.attentionWeight = attentionWeight
        self.temperature = temperature
        self.scope = scope
    }
}

/// The loss terms of one step, each a batch mean (or this rank's share of it).
public struct LossValues: Equatable, Sendable, Codable {
    public var classification: Double = 0
    public var distillation: Double = 0
    public var attentionDistillation: Double = 0
    public var total: Double = 0

    public init() {}

    public static func + (a: LossValues, b: LossValues) -> LossValues {
        var sum = LossValues()
        sum.classification = a.classification + b.classification
        sum.distillation = a.distillation + b.distillation
        sum.attentionDistillation = a.attentionDistillation + b.attentionDistillation
        sum.total = a.total + b.total
        return sum
    }

    public var array: [Double] { [classification, distillation, attentionDistillation, total] }

    public init(array: [Double]) {
        (classification, distillation, attentionDistillation, total) =
            (array[0], array[1], array[2], array[3])
    }
}
