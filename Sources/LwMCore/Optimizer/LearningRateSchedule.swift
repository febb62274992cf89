import Foundation

/// The learning rate over the epochs of one task; it restarts with every task.
public enum LearningRateSchedule: Equatable, Sendable {
    case constant
    /// Multiplied by `decay` at each milestone epoch, as `MultiStepLR`.
    case multiStep(milestones: [Int], decay: Double)
    /// Half a cosine from the base rate to zero over `epochs`, as `CosineAnnealingLR`
    /// stepped once per epoch with T_max = epochs and η_min = 0.
    case cosine(epochs: Int)

    /// The rate during `epoch` (0-based).
    public func learningRate(base: Double, epoch: Int) -> Double {
        switch self {
        case .constant:
            return base
        case .multiStep(let milestones, let decay):
            return base * pow(decay, Double(milestones.filter { $0 <= epoch }.count))
        case .cosine(let epochs):
            return base * (1 + cos(Double.pi * Double(epoch) / Double(max(epochs, 1)))) / 2
        }
    }
}
