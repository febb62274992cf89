/// Hyperparameters of SGD with momentum.
public struct SGDSettings: Equatable, Sendable {
    public var momentum: Float
    public var weightDecay: Float
    public var nesterov: Bool

    public init(momentum: Float = 0.9, weightDecay: Float = 5e-4, nesterov: Bool = false) {
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.nesterov = nesterov
    }
}

/// SGD with momentum, Nesterov and weight decay, with `torch.optim.SGD`'s semantics
/// (dampening 0):
///
///     d = g + λ·w;  buf = d on the first step, else buf = μ·buf + d
///     w ← w − lr·buf,  or with Nesterov  w ← w − lr·(d + μ·buf)
///
/// The buffer starts at zero, so μ·buf + d is exactly d on the first step, and a buffer
/// restored from a checkpoint simply continues. Runs as one loop over the store's flat value
/// and gradient buffers.
public final class SGD {
    public let settings: SGDSettings
    private let store: ParameterStore
    private let momentumBuffer: UnsafeMutablePointer<Float>

    public init(store: ParameterStore, settings: SGDSettings) {
        self.store = store
        self.settings = settings
        momentumBuffer = .allocate(capacity: max(store.parameterCount, 1))
        momentumBuffer.initialize(repeating: 0, count: max(store.parameterCount, 1))
    }

    deinit { momentumBuffer.deallocate() }

    public func step(learningRate: Float) {
        let (w, g, buffer) = (store.values, store.gradients, momentumBuffer)
        let (mu, lambda, lr) = (settings.momentum, settings.weightDecay, learningRate)
        let count = store.parameterCount
        if mu == 0 {
            for i in 0..<count { w[i] -= lr * (g[i] + lambda * w[i]) }
        } else if settings.nesterov {
            for i in 0..<count {
                let d = g[i] + lambda * w[i]
                buffer[i] = mu * buffer[i] + d
                w[i] -= lr * (d + mu * buffer[i])
            }
        } else {
            for i in 0..<count {
                buffer[i] = mu * buffer[i] + g[i] + lambda * w[i]
                w[i] -= lr * buffer[i]
            }
        }
    }

    /// The momentum buffer, for checkpoints that resume mid-task.
    public var momentum: UnsafeMutableBufferPointer<Float> {
        .init(start: momentumBuffer, count: store.parameterCount)
    }
}
