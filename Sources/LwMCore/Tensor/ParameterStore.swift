/// How a parameter is initialised, following PyTorch's defaults for each module type.
public enum ParameterInitializer: Sendable {
    /// Kaiming-normal, fan-out, ReLU gain: N(0, 2 / (outChannels·kh·kw)).
    case kaimingNormalFanOut(fanOut: Int)
    /// U(−1/√fanIn, 1/√fanIn): nn.Linear's weight (kaiming-uniform, a = √5) and its bias.
    case uniformFanIn(fanIn: Int)
    case constant(Float)
}

/// One named tensor inside a ``ParameterStore``: a learnable parameter or a BatchNorm buffer.
public final class NamedTensor {
    /// PyTorch `state_dict` name, such as `layer2.0.downsample.0.weight`.
    public let name: String
    public let shape: [Int]
    public let count: Int
    public let initializer: ParameterInitializer
    /// Position of the first element in the store's flat value (and gradient) buffer.
    public fileprivate(set) var offset = 0
    /// Points into the store once it is allocated.
    public fileprivate(set) var value: UnsafeMutablePointer<Float>
    /// The gradient of a parameter, rounded from `gradientSum` (see
    /// ``ParameterStore/roundGradients()``); for a buffer it points at the value.
    public fileprivate(set) var gradient: UnsafeMutablePointer<Float>
    /// Where backward passes accumulate the gradient, in Double (see ``ImageGroups``).
    public fileprivate(set) var gradientSum: UnsafeMutablePointer<Double>

    init(name: String, shape: [Int], initializer: ParameterInitializer) {
        self.name = name
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.initializer = initializer
        // Placeholder until the store allocates; never dereferenced before that.
        value = UnsafeMutablePointer(bitPattern: 0x10)!
        gradient = value
        gradientSum = UnsafeMutablePointer(bitPattern: 0x10)!
    }

    public var values: UnsafeMutableBufferPointer<Float> { .init(start: value, count: count) }
}

/// Flat storage for a network's tensors: parameters in one value buffer with a matching
/// gradient buffer, buffers (running statistics) in another.
///
/// One flat buffer makes the optimizer a single loop, the gradient all-reduce a handful of
/// large messages and a model broadcast one message. Layers register their tensors while the
/// network is built, then ``allocate(seed:)`` lays them out in registration order (the order of
/// the forward pass) and initialises them.
public final class ParameterStore {
    public private(set) var parameters: [NamedTensor] = []
    public private(set) var buffers: [NamedTensor] = []
    public private(set) var parameterCount = 0
    public private(set) var bufferCount = 0
    public private(set) var values = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    public private(set) var gradients = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    /// The Double accumulators behind `gradients`.
    public private(set) var gradientSums = UnsafeMutablePointer<Double>.allocate(capacity: 1)
    public private(set) var bufferValues = UnsafeMutablePointer<Float>.allocate(capacity: 1)

    public init() {}

    deinit {
        values.deallocate()
        gradients.deallocate()
        gradientSums.deallocate()
        bufferValues.deallocate()
    }

    func registerParameter(
        _ name: String, shape: [Int], initializer: ParameterInitializer
    ) -> NamedTensor {
        let tensor = NamedTensor(name: name, shape: shape, initializer: initializer)
        parameters.append(tensor)
        return tensor
    }

    func registerBuffer(_ name: String, shape: [Int], initialValue: Float) -> NamedTensor {
        let tensor = NamedTensor(name: name, shape: shape, initializer: .constant(initialValue))
        buffers.append(tensor)
        return tensor
    }

    /// Lays out and initialises every registered tensor, drawing from `seed`.
    func allocate(seed: UInt64) {
        parameterCount = parameters.reduce(0) { $0 + $1.count }
        bufferCount = buffers.reduce(0) { $0 + $1.count }
        values.deallocate()
        gradients.deallocate()
        gradientSums.deallocate()
        bufferValues.deallocate()
        values = .allocate(capacity: max(parameterCount, 1))
        gradients = .allocate(capacity: max(parameterCount, 1))
        gradientSums = .allocate(capacity: max(parameterCount, 1))
        bufferValues = .allocate(capacity: max(bufferCount, 1))
        gradients.initialize(repeating: 0, count: max(parameterCount, 1))
        gradientSums.initialize(repeating: 0, count: max(parameterCount, 1))

        var generator = SeededGenerator(seed: seed, stream: [0x1417])
        var offset = 0
        for tensor in parameters {
            tensor.offset = offset
            tensor.value = values + offset
            tensor.gradient = gradients + offset
            tensor.gradientSum = gradientSums + offset
            Self.initialize(tensor, using: &generator)
            offset += tensor.count
        }
        offset = 0
        for tensor in buffers {
            tensor.offset = offset
            tensor.value = bufferValues + offset
            tensor.gradient = tensor.value
            Self.initialize(tensor, using: &generator)
            offset += tensor.count
        }
    }

    /// Zeroes every gradient; backward passes only ever accumulate.
    public func zeroGradients() {
        gradients.update(repeating: 0, count: parameterCount)
        gradientSums.update(repeating: 0, count: parameterCount)
    }

    /// Rounds the Double accumulators into the Float gradients that SGD reads. A backward
    /// pass without a `gradientsReady` observer does this itself; a data-parallel trainer
    /// does it after summing the accumulators over the ranks.
    public func roundGradients() {
        for i in 0..<parameterCount { gradients[i] = Float(gradientSums[i]) }
    }

    public func parameter(named name: String) -> NamedTensor? {
        parameters.first { $0.name == name }
    }

    public func buffer(named name: String) -> NamedTensor? {
        buffers.first { $0.name == name }
    }

    private static func initialize(_ tensor: NamedTensor, using generator: inout SeededGenerator) {
        let values = tensor.values
        switch tensor.initializer {
        case .constant(let c):
            values.initialize(repeating: c)
        case .kaimingNormalFanOut(let fanOut):
            let std = (2.0 / Double(fanOut)).squareRoot()
            for i in 0..<values.count { values[i] = Float(std * generator.nextNormal()) }
        case .uniformFanIn(let fanIn):
            let bound = Float(1.0 / Double(fanIn).squareRoot())
            for i in 0..<values.count {
                values[i] = (2 * generator.nextUnitFloat() - 1) * bound
            }
        }
    }
}

/// Adds a Float partial gradient (one chunk's) into a parameter's Double accumulator.
@inline(__always)
func addToGradientSum(_ tensor: NamedTensor, _ partial: UnsafePointer<Float>) {
    let sum = tensor.gradientSum
    for i in 0..<tensor.count { sum[i] += Double(partial[i]) }
}
