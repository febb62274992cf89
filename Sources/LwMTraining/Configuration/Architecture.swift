extension TrainingConfiguration {
    /// The network: torchvision's resnet18, or the CIFAR ResNet of depth 6n + 2.
    public enum Architecture: Sendable, Hashable, CustomStringConvertible {
        case resnet18
        /// Three stages of (depth − 2) / 6 basic blocks; depth is 8, 14, 20, 26, 32, ….
        case cifarResNet(depth: Int)

        /// The architecture named `resnet18` or `resnet{6n+2}` with n ≥ 1; nil for others.
        public init?(name: String) {
            guard name.hasPrefix("resnet"), let depth = Int(name.dropFirst(6)),
                String(depth) == name.dropFirst(6)
            else { return nil }
            if depth == 18 {
                self = .resnet18
            } else if depth >= 8, (depth - 2) % 6 == 0 {
                self = .cifarResNet(depth: depth)
            } else {
                return nil
            }
        }

        /// `resnet18`, `resnet20`, ….
        public var name: String {
            switch self {
            case .resnet18: "resnet18"
            case .cifarResNet(let depth): "resnet\(depth)"
            }
        }

        public var description: String { name }

        /// Basic blocks per stage: 2 for resnet18, n for resnet{6n+2}.
        public var blocksPerStage: Int {
            switch self {
            case .resnet18: 2
            case .cifarResNet(let depth): (depth - 2) / 6
            }
        }

        /// Channels of the first stage when `--width` is not given.
        public var defaultWidth: Int {
            switch self {
            case .resnet18: 64
            case .cifarResNet: 16
            }
        }

        /// Names shown as examples and offered as suggestions.
        static let commonNames = [
            "resnet18", "resnet8", "resnet14", "resnet20", "resnet32", "resnet44", "resnet56",
            "resnet110",
        ]

        /// What a valid name is, phrased to follow "expects".
        static let expectation =
            "resnet18 or resnet{6n+2} such as resnet8, resnet20, resnet32, resnet56"

        /// The valid name closest to `name`: the nearest valid depth for `resnet<depth>`,
        /// else the closest common name by spelling; nil when nothing is close.
        static func suggestion(for name: String) -> String? {
            let normalized = name.lowercased().filter { $0 != "-" && $0 != "_" }
            if normalized.hasPrefix("resnet"), let depth = Int(normalized.dropFirst(6)) {
                if Architecture(name: normalized) != nil { return normalized }
                let below = max(8, (depth - 2) / 6 * 6 + 2)
                let above = below + 6
                let cifar = depth - below <= above - depth ? below : above
                return abs(depth - 18) < abs(depth - cifar) ? "resnet18" : "resnet\(cifar)"
            }
            return Suggestion.closest(to: normalized, among: commonNames)
        }
    }
}
