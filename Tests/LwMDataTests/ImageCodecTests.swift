import Foundation
import LwMData
import XCTest

final class ImageCodecTests: XCTestCase {
    func testPNGRoundTripsRGBExactly() throws {
        let pixels = smoothPixels(width: 7, height: 5, tint: 3)
        let file = ImageCodec.encodePNG(pixels, width: 7, height: 5, channels: 3)

        let image = try ImageCodec.decode(file)
        XCTAssertEqual(image, RGBImage(width: 7, height: 5, pixels: pixels))
    }

    func testGrayscalePNGBecomesRGB() throws {
        let gray: [UInt8] = [0, 50, 100, 150, 200, 255]
        let file = ImageCodec.encodePNG(gray, width: 3, height: 2, channels: 1)
        XCTAssertEqual(file[25], 0, "IHDR colour type: grayscale")

        let image = try ImageCodec.decode(file)
        XCTAssertEqual(image.pixels, gray.flatMap { [$0, $0, $0] })
    }

    func testPalettePNGBecomesRGB() throws {
        let palette: [(UInt8, UInt8, UInt8)] = [(255, 0, 0), (0, 128, 0), (10, 20, 30)]
        let indices: [UInt8] = [0, 1, 2, 2, 1, 0, 1, 1]
        let file = ImageCodec.encodePNG(
            paletteIndices: indices, width: 4, height: 2, palette: palette)
        XCTAssertEqual(file[25], 3, "IHDR colour type: palette")

        let image = try ImageCodec.decode(file)
        XCTAssertEqual(image.width, 4)
        XCTAssertEqual(
            image.pixels,
            indices.flatMap { [palette[Int($0)].0, palette[Int($0)].1, palette[Int($0)].2] })
    }

    func testAlphaIsDroppedWithoutCompositing() throws {
        // The second pixel is fully transparent; its stored colour survives.
        let rgba: [UInt8] = [10, 20, 30, 255, 200, 100, 50, 0]
        let file = ImageCodec.encodePNG(rgba, width: 2, height: 1, channels: 4)
        XCTAssertEqual(try ImageCodec.decode(file).pixels, [10, 20, 30, 200, 100, 50])

        let grayAlpha: [UInt8] = [90, 128]
        let gaFile = ImageCodec.encodePNG(grayAlpha, width: 1, height: 1, channels: 2)
        XCTAssertEqual(try ImageCodec.decode(gaFile).pixels, [90, 90, 90])
    }

    func testSixteenBitPNGWithoutGammaIsTakenAsSRGB() throws {
        // A 2×1 16-bit grayscale PNG written by hand: samples 0x8000 and 0xFFFF.
        let header: [UInt8] = [0, 0, 0, 2, 0, 0, 0, 1, 16, 0, 0, 0, 0]
        let rows: [UInt8] = [0, 0x80, 0x00, 0xFF, 0xFF]
        let file =
            [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + pngChunk("IHDR", header)
            + pngChunk("IDAT", Gzip.compress(rows, format: .zlib)) + pngChunk("IEND", [])

        let image = try ImageCodec.decode(file)
        XCTAssertEqual(image.pixels, [128, 128, 128, 255, 255, 255])
    }

    /// A PNG chunk: big-endian length, type, data, CRC-32 of type and data.
    private func pngChunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in body {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        crc ^= 0xFFFF_FFFF
        let bigEndian = { (value: UInt32) in
            (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) }
        }
        return bigEndian(UInt32(data.count)) + body + bigEndian(crc)
    }

    func testColourJPEGDecodesClose() throws {
        let pixels = smoothPixels(width: 24, height: 16)
        let image = try ImageCodec.decode(jpegFile(width: 24, height: 16))

        XCTAssertEqual(image.width, 24)
        XCTAssertEqual(image.height, 16)
        XCTAssertLessThanOrEqual(largestDifference(image.pixels, pixels), 12)
    }

    func testGrayscaleJPEGBecomesRGB() throws {
        let gray = (0..<64).map { UInt8($0 * 4) }
        let file = ImageCodec.encodeJPEG(gray, width: 8, height: 8, channels: 1)
        let image = try ImageCodec.decode(file)

        for pixel in 0..<64 {
            let (r, g, b) = (
                image.pixels[3 * pixel], image.pixels[3 * pixel + 1], image.pixels[3 * pixel + 2]
            )
            XCTAssertEqual(r, g)
            XCTAssertEqual(g, b)
        }
        XCTAssertLessThanOrEqual(
            largestDifference(
                image.pixels.enumerated().filter { $0.offset % 3 == 0 }.map(\.element), gray), 8)
    }

    func testAdobeCMYKJPEGBecomesRGB() throws {
        // Adobe stores CMYK inverted: 255 is no ink, so red = C·K/255.
        let cmyk = [[UInt8]](repeating: [200, 100, 50, 255], count: 64).flatMap { $0 }
        let file = ImageCodec.encodeJPEG(cmyk, width: 8, height: 8, channels: 4)
        let image = try ImageCodec.decode(file)

        let expected = [[UInt8]](repeating: [200, 100, 50], count: 64).flatMap { $0 }
        XCTAssertLessThanOrEqual(largestDifference(image.pixels, expected), 3)
    }

    func testJPEGScalesDownOnlyAsFarAsAllowed() throws {
        let file = jpegFile(width: 64, height: 48)

        let quarter = try ImageCodec.decode(file, minimumShortSide: 12)
        XCTAssertEqual([quarter.width, quarter.height], [16, 12])
        let half = try ImageCodec.decode(file, minimumShortSide: 13)
        XCTAssertEqual([half.width, half.height], [32, 24])
        let full = try ImageCodec.decode(file, minimumShortSide: 48)
        XCTAssertEqual([full.width, full.height], [64, 48])
    }

    func testFormatComesFromSignature() {
        XCTAssertEqual(ImageFormat(signatureOf: pngFile(width: 2, height: 2)), .png)
        XCTAssertEqual(ImageFormat(signatureOf: jpegFile(width: 2, height: 2)), .jpeg)
        XCTAssertNil(ImageFormat(signatureOf: Array("GIF89a".utf8)))
        XCTAssertNil(ImageFormat(signatureOf: [0xFF, 0xD8]))
    }

    func testBadBytesAreErrorsNamingTheProblem() {
        assertDecodingFails([], reasonContains: "empty")
        assertDecodingFails(Array("hello, world".utf8), reasonContains: "neither JPEG nor PNG")

        let jpeg = jpegFile(width: 32, height: 32)
        assertDecodingFails(Array(jpeg.prefix(jpeg.count / 2)), reasonContains: "truncated")
        assertDecodingFails(Array(jpeg.prefix(4)), reasonContains: "JPEG")
        assertDecodingFails(
            [0xFF, 0xD8, 0xFF] + Array(repeating: 0x41, count: 200), reasonContains: "JPEG")

        let png = pngFile(width: 32, height: 32)
        assertDecodingFails(Array(png.prefix(png.count - 20)), reasonContains: "PNG")
        assertDecodingFails(Array(png.prefix(12)), reasonContains: "PNG")
        var badCRC = png
        badCRC[30] ^= 0xFF  // inside IHDR, whose CRC no longer matches
        assertDecodingFails(badCRC, reasonContains: "PNG")
    }

    func testDamagedFilesNeverCrash() {
        // Every prefix and a spread of single-byte corruptions: each must decode or throw.
        for file in [jpegFile(width: 20, height: 12), pngFile(width: 20, height: 12)] {
            for length in stride(from: 0, to: file.count, by: 7) {
                _ = try? ImageCodec.decode(Array(file.prefix(length)))
            }
            for position in stride(from: 2, to: file.count, by: 5) {
                var damaged = file
                damaged[position] ^= 0x5A
                _ = try? ImageCodec.decode(damaged)
            }
        }
    }

    func testDecodingAFileNamesIt() throws {
        let directory = try makeTemporaryDirectory(self)
        let url = try write(Array("not an image".utf8), at: "notes.png", in: directory)

        assertDataError(
            try ImageCodec.decode(file: url), contains: [url.path, "neither JPEG nor PNG"])
        assertDataError(
            try ImageCodec.decode(file: directory.appendingPathComponent("missing.jpg")),
            contains: ["missing.jpg", "No such file"])
    }
}
