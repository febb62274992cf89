import Foundation
import LwMData
import XCTest

/// Interleaved RGB test pixels of a smooth picture: red grows to the right, green downwards,
/// blue with `tint`, so JPEG keeps them close and every position is told apart.
func smoothPixels(width: Int, height: Int, tint: Int = 0) -> [UInt8] {
    var pixels: [UInt8] = []
    for y in 0..<height {
        for x in 0..<width {
            pixels += [
                UInt8(x * 255 / max(width - 1, 1)), UInt8(y * 255 / max(height - 1, 1)),
                UInt8((tint * 37) % 256),
            ]
        }
    }
    return pixels
}

/// A PNG of `smoothPixels` (or of `pixels` when given).
func pngFile(width: Int, height: Int, tint: Int = 0) -> [UInt8] {
    ImageCodec.encodePNG(
        smoothPixels(width: width, height: height, tint: tint), width: width, height: height,
        channels: 3)
}

/// A JPEG of `smoothPixels` at quality 95.
func jpegFile(width: Int, height: Int, tint: Int = 0) -> [UInt8] {
    ImageCodec.encodeJPEG(
        smoothPixels(width: width, height: height, tint: tint), width: width, height: height,
        channels: 3)
}

/// Writes `bytes` to `root/relative`, making the folders on the way.
@discardableResult
func write(_ bytes: [UInt8], at relative: String, in root: URL) throws -> URL {
    let url = root.appendingPathComponent(relative)
    try FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(bytes).write(to: url)
    return url
}

/// The largest absolute difference between two byte arrays of one length.
func largestDifference(_ a: [UInt8], _ b: [UInt8]) -> Int {
    precondition(a.count == b.count, "\(a.count) bytes against \(b.count)")
    return zip(a, b).map { abs(Int($0) - Int($1)) }.max() ?? 0
}

/// Asserts that decoding `bytes` fails with a reason containing `fragment`.
func assertDecodingFails(
    _ bytes: [UInt8], reasonContains fragment: String, file: StaticString = #filePath,
    line: UInt = #line
) {
    do {
        let image = try ImageCodec.decode(bytes)
        XCTFail("decoded a \(image.width)×\(image.height) image", file: file, line: line)
    } catch {
        XCTAssert(
            error.reason.contains(fragment), "reason \"\(error.reason)\" lacks \"\(fragment)\"",
            file: file, line: line)
    }
}

/// The blue value of every pixel of a picture of tint `tint` (see `smoothPixels`): 37 is odd,
/// so tints 0...255 give distinct blues and identify the file an image came from.
func blue(ofTint tint: Int) -> UInt8 {
    UInt8((tint * 37) % 256)
}

/// The tint of each image of a loaded RGB dataset, read back from its blue plane.
func tints(_ dataset: ImageDataset) -> [Int] {
    let plane = dataset.height * dataset.width
    return (0..<dataset.count).map { n in
        let value = dataset.pixels[n * dataset.imageSize + 2 * plane]
        return (0..<256).first { blue(ofTint: $0) == value }!
    }
}

/// Writes `count` images of `size`×`size` into `root/folder`, named `image_0001.png`, …
/// with tints `firstTint`, `firstTint + 1`, …; every other one is a JPEG when `mixed`
/// (named `.jpg`). Returns their paths relative to `root`.
@discardableResult
func writeImages(
    _ count: Int, in folder: String, root: URL, firstTint: Int, size: Int = 12,
    mixed: Bool = false
) throws -> [String] {
    try (0..<count).map { k in
        let isJPEG = mixed && k % 2 == 1
        let name = String(format: "%@/image_%04d.%@", folder, k + 1, isJPEG ? "jpg" : "png")
        let bytes =
            isJPEG
            ? jpegFile(width: size, height: size, tint: firstTint + k)
            : pngFile(width: size, height: size, tint: firstTint + k)
        try write(bytes, at: name, in: root)
        return name
    }
}
