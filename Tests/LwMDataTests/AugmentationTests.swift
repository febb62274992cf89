import LwMData
import XCTest

final class AugmentationTests: XCTestCase {
    /// Twelve 3×8×8 images; pixel (c, y, x) of image n is 3n + 50c + 10y + x + 1 (never 0, so
    /// zero padding shows).
    private let dataset: ImageDataset = {
        var pixels: [UInt8] = []
        for n in 0..<12 {
            for c in 0..<3 {
                for y in 0..<8 {
                    for x in 0..<8 {
                        pixels.append(UInt8(3 * n + 50 * c + 10 * y + x + 1))
                    }
                }
            }
        }
        return ImageDataset(
            pixels: pixels, labels: Array(repeating: 0, count: 12), channels: 3, height: 8,
            width: 8, classNames: ["0"])
    }()
    /// Pixel values as they are: mean 0, std 1/255.
    private let identity = ChannelStatistics(mean: [0, 0, 0], std: [1 / 255, 1 / 255, 1 / 255])
    private let order = [7, 2, 11, 0, 5, 9, 1, 4, 10, 3, 8, 6]
    private let augmentations: [Augmentation] = [
        .paddedCropAndFlip(padding: 2), .randomResizedCropAndFlip(),
        Augmentation(crop: .none, horizontalFlip: true),
    ]

    private func batch(
        _ slice: ArraySlice<Int>, _ augmentation: Augmentation, seed: UInt64 = 5, epoch: Int = 0
    ) -> [Float] {
        dataset.makeAugmentedBatch(
            indices: slice, statistics: identity, augmentation: augmentation, seed: seed,
            task: 1, epoch: epoch)
    }

    func testSameSeedGivesTheSameBatchAndAnotherSeedAnother() {
        for augmentation in augmentations {
            XCTAssertEqual(batch(order[...], augmentation), batch(order[...], augmentation))
            XCTAssertNotEqual(
                batch(order[...], augmentation), batch(order[...], augmentation, seed: 6))
            XCTAssertNotEqual(
                batch(order[...], augmentation), batch(order[...], augmentation, epoch: 1))
        }
    }

    func testBatchSplitsAndShardsDrawTheSame() {
        for augmentation in augmentations {
            let whole = batch(order[...], augmentation)
            // Batches of 5 cut into shards of 2 and 3, as ranks would take them.
            var pieces: [Float] = []
            for start in stride(from: 0, to: order.count, by: 5) {
                let end = min(start + 5, order.count)
                let middle = min(start + 2, end)
                pieces += batch(order[start..<middle], augmentation)
                pieces += batch(order[middle..<end], augmentation)
            }
            XCTAssertEqual(pieces, whole)
        }
    }

    func testNoAugmentationMatchesMakeBatch() {
        let statistics = dataset.channelStatistics()
        XCTAssertEqual(
            dataset.makeAugmentedBatch(
                indices: order[...], statistics: statistics, augmentation: .none, seed: 1,
                task: 0, epoch: 0),
            dataset.makeBatch(indices: order, statistics: statistics))
    }

    func testPaddedCropShiftsWithZerosAndFlips() {
        let augmentation = Augmentation.paddedCropAndFlip(padding: 2)
        let output = batch(order[...], augmentation)
        var flips = Set<Bool>()
        for (position, index) in order.enumerated() {
            let draw = augmentation.draw(
                height: 8, width: 8, seed: 5, task: 1, epoch: 0, position: position)
            XCTAssert((-2...2).contains(draw.top) && (-2...2).contains(draw.left))
            XCTAssertEqual([draw.height, draw.width], [8, 8])
            flips.insert(draw.flip)
            for c in 0..<3 {
                for y in 0..<8 {
                    for x in 0..<8 {
                        let (sy, sx) = (draw.top + y, draw.left + (draw.flip ? 7 - x : x))
                        let inside = (0..<8).contains(sy) && (0..<8).contains(sx)
                        let expected = inside ? Float(3 * index + 50 * c + 10 * sy + sx + 1) : 0
                        let value = output[position * 192 + c * 64 + y * 8 + x]
                        XCTAssertEqual(value, expected, accuracy: 1e-3)
                    }
                }
            }
        }
        XCTAssertEqual(flips, [false, true], "12 draws flip some images and not others")
    }

    func testRandomResizedCropInterpolatesTheWindow() {
        // A quarter of the area at ratio 1: a 4×4 window, enlarged twice.
        let augmentation = Augmentation(
            crop: .randomResized(scale: 0.25...0.25, aspectRatio: 1...1), horizontalFlip: false)
        let output = batch(order[...], augmentation)
        for (position, index) in order.enumerated() {
            let draw = augmentation.draw(
                height: 8, width: 8, seed: 5, task: 1, epoch: 0, position: position)
            XCTAssertEqual([draw.height, draw.width], [4, 4])
            XCTAssert((0...4).contains(draw.top) && (0...4).contains(draw.left))
            // Output column x samples window column (x + ½)/2 − ½, clamped to 0...3; the
            // image is linear in x and y, so interpolation is exact.
            let coordinate = { (i: Int) in min(max((Float(i) + 0.5) / 2 - 0.5, 0), 3) }
            for y in 0..<8 {
                for x in 0..<8 {
                    let row = Float(draw.top) + coordinate(y)
                    let column = Float(draw.left) + coordinate(x)
                    let expected = Float(3 * index + 50 + 1) + 10 * row + column
                    XCTAssertEqual(
                        output[position * 192 + 64 + y * 8 + x], expected, accuracy: 1e-3)
                }
            }
        }
    }

    func testRandomResizedWindowsStayInsideAndFollowTheScale() {
        let augmentation = Augmentation.randomResizedCropAndFlip(scale: 0.3...0.9)
        for position in 0..<200 {
            let draw = augmentation.draw(
                height: 32, width: 48, seed: 9, task: 0, epoch: 3, position: position)
            XCTAssert(draw.top >= 0 && draw.left >= 0)
            XCTAssert(draw.top + draw.height <= 32 && draw.left + draw.width <= 48)
            let fraction = Double(draw.height * draw.width) / Double(32 * 48)
            XCTAssert((0.25...0.95).contains(fraction), "area fraction \(fraction)")
            let ratio = Double(draw.width) / Double(draw.height)
            XCTAssert((0.65...1.5).contains(ratio), "aspect ratio \(ratio)")
        }
    }

    func testImpossibleRatioFallsBackToACentredWindow() {
        // Ratio 3...4 cannot fit a 10×10 image at any scale: the centred 10 wide, 3 high.
        let augmentation = Augmentation(
            crop: .randomResized(scale: 1...1, aspectRatio: 3...4), horizontalFlip: false)
        let draw = augmentation.draw(height: 10, width: 10, seed: 0, task: 0, epoch: 0, position: 0)
        XCTAssertEqual(draw, AugmentationDraw(top: 3, left: 0, height: 3, width: 10, flip: false))
    }

    func testFlipOnlyMirrorsRows() {
        let augmentation = Augmentation(crop: .none, horizontalFlip: true)
        let output = batch(order[...], augmentation)
        let plain = dataset.makeBatch(indices: order, statistics: identity)
        for position in order.indices {
            let image = Array(output[position * 192..<(position + 1) * 192])
            let original = Array(plain[position * 192..<(position + 1) * 192])
            let mirrored = original.chunked(8).flatMap { $0.reversed() }
            let flipped = augmentation.draw(
                height: 8, width: 8, seed: 5, task: 1, epoch: 0, position: position
            ).flip
            XCTAssertEqual(image, flipped ? mirrored : original)
        }
    }
}
