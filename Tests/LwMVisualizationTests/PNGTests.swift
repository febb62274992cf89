import Foundation
import XCTest

@testable import LwMVisualization

final class PNGTests: XCTestCase {
    /// Every byte value appears, in a pattern where a transposed or shifted read would differ.
    private func pattern(width: Int, height: Int, channels: Int) -> Raster {
        let count = width * height * channels
        return Raster(
            width: width, height: height, channels: channels,
            pixels: (0..<count).map { UInt8((37 * $0 + 11) % 256) })
    }

    func testRGBFileRoundTripKeepsEveryPixel() throws {
        let directory = try makeTemporaryDirectory(self)
        let url = directory.appendingPathComponent("rgb.png")
        let raster = pattern(width: 17, height: 9, channels: 3)
        try PNG.write(raster, to: url)

        let read = try PNG.read(contentsOf: url, channels: 3)
        XCTAssertEqual(read, raster)
        XCTAssertEqual(read[x: 0, y: 0], RGB(red: 11, green: 48, blue: 85))
    }

    func testGreyFileRoundTripKeepsEveryPixel() throws {
        let directory = try makeTemporaryDirectory(self)
        let url = directory.appendingPathComponent("grey.png")
        let raster = pattern(width: 28, height: 28, channels: 1)
        try PNG.write(raster, to: url)
        XCTAssertEqual(try PNG.read(contentsOf: url, channels: 1), raster)
    }

    func testGreyImageReadAsRGBRepeatsTheValue() throws {
        let raster = pattern(width: 5, height: 4, channels: 1)
        let data = try PNG.encode(raster)
        XCTAssertEqual(Array(data.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        XCTAssertEqual(try PNG.decode(data, channels: 3), raster.rgb())
    }

    func testANonPNGFileIsAnErrorNamingIt() throws {
        let directory = try makeTemporaryDirectory(self)
        let url = directory.appendingPathComponent("photo.jpg")
        try Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]).write(to: url)
        XCTAssertThrowsError(try PNG.read(contentsOf: url, channels: 1)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(url.path), message)
            XCTAssertTrue(message.contains("pass a PNG file"), message)
        }
    }

    func testAMissingFileIsAnErrorNamingIt() {
        let url = URL(fileURLWithPath: "/nonexistent/lwm/image.png")
        XCTAssertThrowsError(try PNG.read(contentsOf: url, channels: 3)) { error in
            XCTAssertTrue("\(error)".contains(url.path), "\(error)")
        }
    }

    func testPlanarConversionRoundTrips() {
        // Two channels' planes: R = 0…5, G = 10…15, B = 20…25 over a 3×2 image.
        let planar: [UInt8] = (0..<6).map { $0 } + (10..<16).map { $0 } + (20..<26).map { $0 }
        let raster = Raster(planar: planar, channels: 3, height: 2, width: 3)
        XCTAssertEqual(raster[x: 1, y: 1], RGB(red: 4, green: 14, blue: 24))
        XCTAssertEqual(raster.planarPixels, planar)
    }
}
