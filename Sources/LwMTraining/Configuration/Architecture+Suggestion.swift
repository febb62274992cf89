import LwMCore

// Suggestions for `--arch`; the architecture itself is LwMCore's.
extension Architecture {
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
