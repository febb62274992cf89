import XCTest

@testable import LwMVisualization

final class ColorMapTests: XCTestCase {
    func testRainbowEndsAreItsFirstAndLastAnchors() {
        let map = ColorMap.rainbow
        XCTAssertEqual(map.table.count, 256)
        XCTAssertEqual(map.table[0], RGB(red: 48, green: 18, blue: 60))
        XCTAssertEqual(map.table[255], RGB(red: 122, green: 4, blue: 3))
        XCTAssertEqual(map.color(0), map.table[0])
        XCTAssertEqual(map.color(1), map.table[255])
    }

    func testRainbowRunsFromBlueToRedThroughGreen() {
        let map = ColorMap.rainbow
        let low = map.color(0.1)
        let middle = map.color(0.5)
        let high = map.color(0.9)
        XCTAssertGreaterThan(low.blue, low.red)
        XCTAssertGreaterThan(middle.green, middle.blue)
        XCTAssertGreaterThan(high.red, high.blue)
        // Dark at both ends, light in the middle.
        func lightness(_ color: RGB) -> Int { Int(color.red) + Int(color.green) + Int(color.blue) }
        XCTAssertLessThan(lightness(map.table[0]), lightness(middle) / 3)
        XCTAssertLessThan(lightness(map.table[255]), lightness(middle) / 3)
    }

    func testValuesOutsideTheRangeAreClamped() {
        let map = ColorMap.rainbow
        XCTAssertEqual(map.color(-3), map.table[0])
        XCTAssertEqual(map.color(7), map.table[255])
        XCTAssertEqual(map.color(.nan), map.table[0])
        XCTAssertEqual(map.color(0.5), map.table[128])
    }

    func testGreyMapIsBlackToWhite() {
        XCTAssertEqual(ColorMap.grey.table[0], .black)
        XCTAssertEqual(ColorMap.grey.table[255], .white)
        XCTAssertEqual(ColorMap.grey.table[100], RGB(red: 100, green: 100, blue: 100))
    }

    func testBlendingWeighsTheOverlay() {
        let base = Raster(width: 1, height: 1, channels: 1, pixels: [200])
        let top = Raster(width: 1, height: 1, color: RGB(red: 0, green: 100, blue: 255))
        let mixed = base.blended(with: top, opacity: 0.25)
        XCTAssertEqual(mixed[x: 0, y: 0], RGB(red: 150, green: 175, blue: 214))
    }
}
