/// Which ResNet to build.
public enum Architecture: Equatable, Sendable, CustomStringConvertible {
    /// He et al.'s CIFAR ResNet of depth 6n+2: 3×3 stem, three stages of n blocks.
    case cifar(depth: Int)
    /// torchvision's resnet18: 7×7/2 stem, 3×3/2 max pool, four stages of two blocks.
    case resnet18

    /// Parses `resnet18`, or `resnet{6n+2}` such as `resnet20`, `resnet32`, `resnet56`.
    public init?(name: String) {
        guard name.hasPrefix("resnet"), let depth = Int(name.dropFirst("resnet".count)) else {
            return nil
        }
        if depth == 18 {
            self = .resnet18
        } else if depth >= 8 && (depth - 2) % 6 == 0 {
            self = .cifar(depth: depth)
        } else {
            return nil
        }
    }

    public var name: String {
        switch self {
        case .cifar(let depth): "resnet\(depth)"
        case .resnet18: "resnet18"
        }
    }

    public var description: String { name }

    public var depth: Int {
        switch self {
        case .cifar(let depth): depth
        case .resnet18: 18
        }
    }

    /// The fixtures' and checkpoints' family name.
    public var family: String {
        switch self {
        case .cifar: "cifar-resnet"
        case .resnet18: "imagenet-resnet"
        }
    }

    public var defaultWidth: Int {
        switch self {
        case .cifar: 16
        case .resnet18: 64
        }
    }

    /// Output channels and first stride of each stage, and blocks per stage.
    var stages: (widthMultipliers: [Int], strides: [Int], blocks: Int) {
        switch self {
        case .cifar(let depth): ([1, 2, 4], [1, 2, 2], (depth - 2) / 6)
        case .resnet18: ([1, 2, 4, 8], [1, 2, 2, 2], 2)
        }
    }
}

/// Everything needed to build a network.
public struct NetworkConfiguration: Equatable, Sendable {
    public var architecture: Architecture
    public var width: Int
    public var inputChannels: Int
    public var classes: Int

    public init(architecture: Architecture, width: Int? = nil, inputChannels: Int, classes: Int) {
        self.architecture = architecture
        self.width = width ?? architecture.defaultWidth
        self.inputChannels = inputChannels
        self.classes = classes
    }

    /// Channels of the final feature map A, the input of the pooled head.
    public var featureChannels: Int { width * architecture.stages.widthMultipliers.last! }
}
