import XCTest

@testable import LwMVisualization

final class ResamplingTests: XCTestCase {
    /// torch.nn.functional.interpolate(x, size=(4, 4), mode="bilinear", align_corners=False)
    /// of [[0, 1], [2, 3]].
    func testBilinearUpsamplingMatchesPyTorch() {
        let map = ScalarMap(width: 2, height: 2, values: [0, 1, 2, 3])
        let upsampled = map.resized(width: 4, height: 4, interpolation: .bilinear)
        assertClose(
            upsampled.values,
            [
                0.00, 0.25, 0.75, 1.00,
                0.50, 0.75, 1.25, 1.50,
                1.50, 1.75, 2.25, 2.50,
                2.00, 2.25, 2.75, 3.00,
            ])
    }

    /// A 3×2 map to 6×3: x centres fall on source positions −¼, ¼, ¾, 1¼, 1¾, 2¼ (clamped to
    /// 0…2), y centres on −⅙, ½, 7/6 (clamped to 0…1).
    func testBilinearUpsamplingOfANonSquareMap() {
        let map = ScalarMap(width: 3, height: 2, values: [0, 4, 8, 12, 16, 20])
        let upsampled = map.resized(width: 6, height: 3, interpolation: .bilinear)
        assertClose(
            upsampled.values,
            [
                0, 1, 3, 5, 7, 8,
                6, 7, 9, 11, 13, 14,
                12, 13, 15, 17, 19, 20,
            ], tolerance: 1e-5)
    }

    func testResizingToTheSameSizeChangesNothing() {
        let map = ScalarMap(width: 3, height: 2, values: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(map.resized(width: 3, height: 2, interpolation: .bilinear), map)
        XCTAssertEqual(map.resized(width: 3, height: 2, interpolation: .nearest), map)
    }

    func testNearestUpsamplingRepeatsPixels() {
        let raster = Raster(width: 2, height: 2, channels: 1, pixels: [1, 2, 3, 4])
        let enlarged = raster.resized(width: 6, height: 4, interpolation: .nearest)
        XCTAssertEqual(
            enlarged.pixels,
            [
                1, 1, 1, 2, 2, 2,
                1, 1, 1, 2, 2, 2,
                3, 3, 3, 4, 4, 4,
                3, 3, 3, 4, 4, 4,
            ])
    }

    func testNormalizationByMaximum() {
        let map = ScalarMap(width: 2, height: 1, values: [1, 4])
        XCTAssertEqual(map.normalizedByMaximum().values, [0.25, 1])
        let zeros = ScalarMap(width: 2, height: 1, values: [0, 0])
        XCTAssertEqual(zeros.normalizedByMaximum().values, [0, 0])
    }
}
