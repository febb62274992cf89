import Foundation
import LwMCore

/// The random transformations applied to training images as their batch is made: a crop,
/// then a horizontal flip.
///
/// Every image draws from its own stream, `SeededGenerator(seed: seed, stream: [0xA06, task,
/// epoch, position])`, where `position` is the image's place in the epoch's order. So an
/// image is transformed identically whatever the number of ranks, the batch size, or how a
/// batch is sharded, and a resumed run transforms exactly as an uninterrupted one.
public struct Augmentation: Sendable, Equatable, Codable {
    /// How the output window is chosen; the output always has the stored image's size.
    public enum Crop: Sendable, Equatable, Codable {
        /// The stored image as it is.
        case none
        /// CIFAR's crop: pad every side with `padding` zero pixels, then take an H×W window
        /// at a uniform offset in 0...2·padding along each axis.
        case padded(padding: Int)
        /// torchvision's `RandomResizedCrop`: a window of a uniform fraction `scale` of the
        /// image's area and a log-uniform aspect ratio (width/height) in `aspectRatio`,
        /// placed uniformly, resized bilinearly to H×W.
        case randomResized(scale: ClosedRange<Double>, aspectRatio: ClosedRange<Double>)
    }

    public var crop: Crop
    /// Whether the output is mirrored left to right with probability ½.
    public var horizontalFlip: Bool

    public init(crop: Crop, horizontalFlip: Bool) {
        if case .padded(let padding) = crop {
            precondition(padding >= 0, "crop padding \(padding) is negative")
        }
        if case .randomResized(let scale, let ratio) = crop {
            precondition(
                scale.lowerBound > 0 && scale.upperBound <= 1,
                "crop scale \(scale) must lie in (0, 1]")
            precondition(ratio.lowerBound > 0, "aspect ratio \(ratio) must be positive")
        }
        self.crop = crop
        self.horizontalFlip = horizontalFlip
    }

    /// A few words for the configuration table: "none", "crop (pad 4), flip", ….
    public var summary: String {
        var parts: [String] = []
        switch crop {
        case .none: break
        case .padded(let padding): parts.append("crop (pad \(padding))")
        case .randomResized(let scale, _):
            parts.append("random-resized crop (scale \(scale.lowerBound)–\(scale.upperBound))")
        }
        if horizontalFlip { parts.append("flip") }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }

    /// No transformation: the batch equals `makeBatch`'s.
    public static let none = Augmentation(crop: .none, horizontalFlip: false)

    /// Pad `padding` (4 for CIFAR), crop back to the stored size, flip with probability ½.
    public static func paddedCropAndFlip(padding: Int = 4) -> Augmentation {
        Augmentation(crop: .padded(padding: padding), horizontalFlip: true)
    }

    /// torchvision's defaults, scale 0.08...1 and aspect ratio ¾...4/3, with a flip.
    public static func randomResizedCropAndFlip(
        scale: ClosedRange<Double> = 0.08...1, aspectRatio: ClosedRange<Double> = 0.75...(4 / 3)
    ) -> Augmentation {
        Augmentation(
            crop: .randomResized(scale: scale, aspectRatio: aspectRatio), horizontalFlip: true)
    }

    /// Whether every draw is the identity.
    public var isIdentity: Bool { crop == .none && !horizontalFlip }

    /// The transformation of the image at `position` of the epoch order of `epoch` in `task`,
    /// for images of `height`×`width`.
    public func draw(
        height: Int, width: Int, seed: UInt64, task: Int, epoch: Int, position: Int
    ) -> AugmentationDraw {
        precondition(task >= 0 && epoch >= 0 && position >= 0, "negative stream coordinate")
        var generator = SeededGenerator(
            seed: seed, stream: [0xA06, UInt64(task), UInt64(epoch), UInt64(position)])

        var window = AugmentationDraw(top: 0, left: 0, height: height, width: width, flip: false)
        switch crop {
        case .none:
            break
        case .padded(let padding):
            let offsets = UInt64(2 * padding + 1)
            window.top = Int(EpochOrder.uniform(below: offsets, using: &generator)) - padding
            window.left = Int(EpochOrder.uniform(below: offsets, using: &generator)) - padding
        case .randomResized(let scale, let aspectRatio):
            window = Self.randomResizedWindow(
                height: height, width: width, scale: scale, aspectRatio: aspectRatio,
                using: &generator)
        }
        if horizontalFlip {
            window.flip = generator.next() >> 63 == 1
        }
        return window
    }

    /// torchvision's `RandomResizedCrop.get_params`: up to ten tries at a window of the drawn
    /// area and ratio that fits; failing those, the largest centred window whose ratio is
    /// clamped into `aspectRatio`. Python's round-half-to-even is kept.
    private static func randomResizedWindow(
        height: Int, width: Int, scale: ClosedRange<Double>, aspectRatio: ClosedRange<Double>,
        using generator: inout SeededGenerator
    ) -> AugmentationDraw {
        let area = Double(height * width)
        let logRatio = log(aspectRatio.lowerBound)...log(aspectRatio.upperBound)
        for _ in 0..<10 {
            let targetArea = area * uniform(in: scale, using: &generator)
            let ratio = exp(uniform(in: logRatio, using: &generator))
            let w = Int((targetArea * ratio).squareRoot().rounded(.toNearestOrEven))
            let h = Int((targetArea / ratio).squareRoot().rounded(.toNearestOrEven))
            if (1...width).contains(w) && (1...height).contains(h) {
                let top = Int(EpochOrder.uniform(below: UInt64(height - h + 1), using: &generator))
                let left = Int(EpochOrder.uniform(below: UInt64(width - w + 1), using: &generator))
                return AugmentationDraw(top: top, left: left, height: h, width: w, flip: false)
            }
        }

        let ratio = Double(width) / Double(height)
        var (w, h) = (width, height)
        if ratio < aspectRatio.lowerBound {
            h = max(1, Int((Double(w) / aspectRatio.lowerBound).rounded(.toNearestOrEven)))
        } else if ratio > aspectRatio.upperBound {
            w = max(1, Int((Double(h) * aspectRatio.upperBound).rounded(.toNearestOrEven)))
        }
        return AugmentationDraw(
            top: (height - h) / 2, left: (width - w) / 2, height: h, width: w, flip: false)
    }

    /// A uniform double in `range` from 53 random bits.
    private static func uniform(
        in range: ClosedRange<Double>, using generator: inout SeededGenerator
    ) -> Double {
        let unit = Double(generator.next() >> 11) * 0x1p-53
        return range.lowerBound + (range.upperBound - range.lowerBound) * unit
    }
}

/// One image's transformation: the source window (which may reach past the image by the
/// padding, where pixels are zero) resized to the image's size, then mirrored if `flip`.
public struct AugmentationDraw: Sendable, Equatable {
    /// The window's first row and column in the stored image; negative inside the padding.
    public var top: Int
    public var left: Int
    /// The window's size in source pixels.
    public var height: Int
    public var width: Int
    /// Whether the output is mirrored left to right.
    public var flip: Bool

    public init(top: Int, left: Int, height: Int, width: Int, flip: Bool) {
        self.top = top
        self.left = left
        self.height = height
        self.width = width
        self.flip = flip
    }
}
