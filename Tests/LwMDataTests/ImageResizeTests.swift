import LwMData
import XCTest

final class ImageResizeTests: XCTestCase {
    /// Planar 3×S×S bytes back to interleaved, to compare with an `RGBImage`.
    private func interleaved(_ planar: [UInt8], size: Int) -> [UInt8] {
        let plane = size * size
        return (0..<plane).flatMap { [planar[$0], planar[plane + $0], planar[2 * plane + $0]] }
    }

    func testSquareImageAtItsOwnSizeIsUnchanged() {
        let image = RGBImage(width: 5, height: 5, pixels: smoothPixels(width: 5, height: 5))
        XCTAssertEqual(interleaved(image.resizedAndCentreCropped(to: 5), size: 5), image.pixels)
    }

    func testConstantImageStaysConstantAtEverySize() {
        let image = RGBImage(
            width: 37, height: 23,
            pixels: [UInt8](repeating: 0, count: 37 * 23).flatMap { _ in [200, 7, 99] })
        for size in [1, 2, 5, 16, 23, 40] {
            let square = image.resizedAndCentreCropped(to: size)
            let plane = size * size
            XCTAssertEqual(Set(square[0..<plane]), [200], "size \(size)")
            XCTAssertEqual(Set(square[plane..<2 * plane]), [7], "size \(size)")
            XCTAssertEqual(Set(square[(2 * plane)...]), [99], "size \(size)")
        }
    }

    func testCentreCropKeepsTheMiddleOfTheLongerSide() {
        // 8×4 whose red channel is the column and green the row: height 4 is already the
        // size, so the square is columns 2...5 untouched.
        var pixels: [UInt8] = []
        for y in 0..<4 { for x in 0..<8 { pixels += [UInt8(x * 10), UInt8(y * 10), 0] } }
        let wide = RGBImage(width: 8, height: 4, pixels: pixels).resizedAndCentreCropped(to: 4)
        XCTAssertEqual(Array(wide[0..<4]), [20, 30, 40, 50])
        XCTAssertEqual(Array(wide[16..<32]).chunked(4).map { $0[0] }, [0, 10, 20, 30])

        var tallPixels: [UInt8] = []
        for y in 0..<9 { for x in 0..<3 { tallPixels += [UInt8(x * 10), UInt8(y * 10), 0] } }
        let tall = RGBImage(width: 3, height: 9, pixels: tallPixels).resizedAndCentreCropped(to: 3)
        // Offset ⌊(9 − 3)/2⌋ = 3: rows 3, 4, 5.
        XCTAssertEqual(Array(tall[9..<18]).chunked(3).map { $0[0] }, [30, 40, 50])
    }

    func testShrinkingAveragesInsteadOfAliasing() {
        // A one-pixel checkerboard halved: point sampling would give all 0 or all 255.
        var pixels: [UInt8] = []
        for y in 0..<16 {
            for x in 0..<16 {
                let value: UInt8 = (x + y) % 2 == 0 ? 0 : 255
                pixels += [value, value, value]
            }
        }
        let square = RGBImage(width: 16, height: 16, pixels: pixels).resizedAndCentreCropped(to: 8)
        // Edge outputs see a cut filter, so allow them a little more.
        XCTAssert(
            square.allSatisfy { (96...160).contains($0) }, "\(square.min()!)...\(square.max()!)")
        let interior = (1..<7).flatMap { y in (1..<7).map { x in square[y * 8 + x] } }
        XCTAssert(interior.allSatisfy { (124...131).contains($0) }, "\(interior)")
    }

    func testEnlargingInterpolatesBetweenPixelCentres() {
        // Two columns 0 and 200 doubled: centres at 0.25 and 0.75 of the way get ¼ and ¾.
        let image = RGBImage(
            width: 2, height: 2, pixels: [0, 0, 0, 200, 200, 200, 0, 0, 0, 200, 200, 200])
        let square = image.resizedAndCentreCropped(to: 4)
        XCTAssertEqual(Array(square[0..<4]), [0, 50, 150, 200])
    }
}

extension Array {
    /// Consecutive pieces of `size` elements.
    func chunked(_ size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
