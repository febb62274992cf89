import Foundation
import XCTest

@testable import LwMCore

final class SafeTensorsTests: XCTestCase {
    // MARK: - Round trips through the writer

    func testRoundTripOfF32AndI64WithMetadataAndScalar() throws {
        var writer = SafeTensorsWriter(metadata: ["format": "test/1", "note": "quote \" and \\"])
        let weights: [Float] = [1.5, -2.25, 0, .infinity, 3e-38, -0.0]
        writer.add("layer.weight", floats: weights, shape: [2, 3])
        writer.add("labels", int64s: [7, -1, .max, .min], shape: [4])
        writer.add("scale", floats: [0.125], shape: [])

        let file = try SafeTensorsFile(data: writer.encoded(), name: "roundtrip.safetensors")

        XCTAssertEqual(file.metadata, ["format": "test/1", "note": "quote \" and \\"])
        XCTAssertEqual(file.tensorNames, ["labels", "layer.weight", "scale"])
        XCTAssertEqual(file.info("layer.weight")?.dtype, .f32)
        XCTAssertEqual(file.info("layer.weight")?.shape, [2, 3])
        XCTAssertEqual(file.info("labels")?.dtype, .i64)
        XCTAssertEqual(file.info("scale")?.shape, [])
        XCTAssertEqual(file.info("scale")?.elementCount, 1)
        XCTAssertEqual(try file.floats("layer.weight").map(\.bitPattern), weights.map(\.bitPattern))
        XCTAssertEqual(try file.int64s("labels"), [7, -1, .max, .min])
        XCTAssertEqual(try file.floats("scale"), [0.125])
    }

    func testWriterSortsTensorsAndAlignsTheDataSection() throws {
        var writer = SafeTensorsWriter()
        writer.add("b", floats: [2], shape: [1])
        writer.add("a", int64s: [1, 2], shape: [2])
        let data = writer.encoded()

        let headerLength = data.prefix(8).reversed().reduce(0) { $0 << 8 | Int($1) }
        XCTAssertEqual(headerLength % 8, 0)
        let header = String(decoding: data.dropFirst(8).prefix(headerLength), as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("{"))
        XCTAssertFalse(header.contains("__metadata__"))
        let a = try XCTUnwrap(header.range(of: "\"a\""))
        let b = try XCTUnwrap(header.range(of: "\"b\""))
        XCTAssertLessThan(a.lowerBound, b.lowerBound)
        XCTAssertTrue(header.contains("\"data_offsets\":[0,16]"))
        XCTAssertTrue(header.contains("\"data_offsets\":[16,20]"))
        XCTAssertEqual(data.count, 8 + headerLength + 20)
    }

    func testZeroSizeTensorsRoundTrip() throws {
        var writer = SafeTensorsWriter()
        writer.add("empty", floats: [], shape: [0, 3])
        writer.add("none", int64s: [], shape: [2, 0])
        writer.add("one", floats: [4], shape: [1, 1])

        let file = try SafeTensorsFile(data: writer.encoded(), name: "empty.safetensors")

        XCTAssertEqual(file.info("empty")?.elementCount, 0)
        XCTAssertEqual(try file.floats("empty"), [])
        XCTAssertEqual(try file.int64s("none"), [])
        XCTAssertEqual(try file.floats("one"), [4])
    }

    func testUnsafeBufferAndReplacement() throws {
        var writer = SafeTensorsWriter()
        writer.add("x", floats: [9], shape: [1])
        let values: [Float] = (0..<1000).map { Float($0) * 0.5 }
        values.withUnsafeBufferPointer { writer.add("x", floats: $0, shape: [10, 100]) }

        let file = try SafeTensorsFile(data: writer.encoded(), name: "buffer.safetensors")

        XCTAssertEqual(file.info("x")?.shape, [10, 100])
        XCTAssertEqual(try file.floats("x"), values)
    }

    func testWriteToURLReplacesAtomicallyAndLeavesNoTemporaryFile() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("safetensors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("checkpoint.safetensors")

        var first = SafeTensorsWriter(metadata: ["step": "1"])
        first.add("w", floats: [1, 2], shape: [2])
        try first.write(to: url)
        var second = SafeTensorsWriter(metadata: ["step": "2"])
        second.add("w", floats: [3, 4, 5], shape: [3])
        try second.write(to: url)

        let file = try SafeTensorsFile(contentsOf: url)
        XCTAssertEqual(file.metadata["step"], "2")
        XCTAssertEqual(try file.floats("w"), [3, 4, 5])
        let listing = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        XCTAssertEqual(listing, ["checkpoint.safetensors"])
    }

    func testWriteIntoMissingDirectoryThrowsNamingThePath() {
        let url = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)/out.safetensors")
        XCTAssertThrowsError(try SafeTensorsWriter().write(to: url)) { error in
            let description = String(describing: error)
            XCTAssertTrue(error is SafeTensorsError)
            XCTAssertTrue(description.contains(url.path), description)
            XCTAssertTrue(description.contains("cannot be written"), description)
        }
    }

    // MARK: - Reading every dtype from hand-built files

    func testReadsF64() throws {
        let values: [Double] = [1, -0.5, 1e300, 3.25]
        let file = try read(["x": ("F64", [2, 2])], values.flatMap { bytes(of: $0.bitPattern) })

        XCTAssertEqual(try file.floats("x"), [1, -0.5, .infinity, 3.25])
    }

    func testReadsF16ExactlyIncludingSubnormalsInfinitiesAndNaN() throws {
        let halves: [UInt16] = [
            0x3C00, 0xC000, 0x3555, 0x7BFF, 0x0400, 0x0001, 0x03FF, 0x8001, 0x8000, 0x7C00,
            0xFC00, 0x7E00,
        ]
        let file = try read(["h": ("F16", [12])], halves.flatMap { bytes(of: $0) })
        let floats = try file.floats("h")

        let expected: [Float] = [
            1, -2, 0x1.554p-2, 65504, 0x1p-14, 0x1p-24, 1023 * 0x1p-24, -0x1p-24, -0.0,
            .infinity, -.infinity,
        ]
        XCTAssertEqual(floats.prefix(11).map(\.bitPattern), expected.map(\.bitPattern))
        XCTAssertTrue(floats[11].isNaN)
        XCTAssertEqual(floats[11].bitPattern, 0x7FC0_0000)
    }

    func testReadsBF16Exactly() throws {
        let values: [UInt16] = [0x3F80, 0xC000, 0x4049, 0x0001, 0x7F80, 0xFF80, 0x7FC0]
        let file = try read(["b": ("BF16", [7])], values.flatMap { bytes(of: $0) })
        let floats = try file.floats("b")

        let expected: [Float] = [1, -2, 3.140625, 0x1p-133, .infinity, -.infinity]
        XCTAssertEqual(floats.prefix(6).map(\.bitPattern), expected.map(\.bitPattern))
        XCTAssertTrue(floats[6].isNaN)
    }

    func testReadsI32AndU8AsFloatsAndInt64s() throws {
        let i32: [Int32] = [-2_147_483_648, -1, 0, 2_147_483_647]
        let u8: [UInt8] = [0, 1, 128, 255]
        let file = try read(
            ["i": ("I32", [4]), "u": ("U8", [2, 2])], i32.flatMap { bytes(of: $0) } + u8)

        XCTAssertEqual(try file.int64s("i"), [-2_147_483_648, -1, 0, 2_147_483_647])
        XCTAssertEqual(try file.floats("i"), [-2_147_483_648, -1, 0, 2_147_483_648])
        XCTAssertEqual(try file.int64s("u"), [0, 1, 128, 255])
        XCTAssertEqual(try file.floats("u"), [0, 1, 128, 255])
    }

    func testReadsUnalignedTensorsAndI64AsFloats() throws {
        // The U8 tensor first leaves the I64 tensor at an odd offset.
        let i64: [Int64] = [-3, 1 << 40]
        let file = try read(
            ["a": ("U8", [3]), "b": ("I64", [2])], [1, 2, 3] + i64.flatMap { bytes(of: $0) })

        XCTAssertEqual(try file.int64s("b"), [-3, 1 << 40])
        XCTAssertEqual(try file.floats("b"), [-3, 0x1p40])
    }

    func testInt64sOfAFloatTensorThrowsNamingTheTensor() throws {
        let file = try read(["w": ("F32", [1])], bytes(of: Float(1).bitPattern))

        assertProblem(try file.int64s("w"), mentions: ["'w'", "F32", "floats"])
    }

    func testMissingTensorThrowsNamingIt() throws {
        let file = try read(["w": ("F32", [1])], bytes(of: Float(1).bitPattern))

        XCTAssertNil(file.info("missing"))
        assertProblem(try file.floats("missing"), mentions: ["'missing'", "'w'"])
        assertProblem(try file.int64s("missing"), mentions: ["'missing'"])
    }

    // MARK: - Malformed files

    func testFileShorterThanTheLengthField() {
        assertRejected(Data([1, 2, 3]), mentions: ["3 bytes", "shorter"])
    }

    func testHeaderLengthPastTheEndOfTheFile() {
        assertRejected(withLength(100, header: "{}"), mentions: ["past the end"])
    }

    func testHeaderLargerThanTheLimit() {
        assertRejected(withLength(100_000_001, header: "{}"), mentions: ["limit"])
        assertRejected(withLength(.max, header: "{}"), mentions: ["limit"])
    }

    func testHeaderThatIsNotUTF8() {
        assertRejected(file(headerBytes: [0x7B, 0xFF, 0x7D]), mentions: ["UTF-8"])
    }

    func testHeaderThatIsNotJSON() {
        assertRejected(file(header: #"{"a": "#), mentions: ["not valid JSON"])
        assertRejected(file(header: ""), mentions: ["not valid JSON"])
    }

    func testHeaderThatIsNotAnObject() {
        assertRejected(file(header: "[1, 2]"), mentions: ["not an object"])
    }

    func testEntryThatIsNotAnObject() {
        assertRejected(file(header: #"{"w": [1]}"#), mentions: ["'w'", "not a JSON object"])
    }

    func testEntryMissingAField() {
        let offsets = #""data_offsets": [0, 4]"#
        assertRejected(
            file(header: #"{"w": {"shape": [1], \#(offsets)}}"#, data: zeros(4)),
            mentions: ["'w'", "missing \"dtype\""])
        assertRejected(
            file(header: #"{"w": {"dtype": "F32", \#(offsets)}}"#, data: zeros(4)),
            mentions: ["'w'", "missing \"shape\""])
        assertRejected(
            file(header: #"{"w": {"dtype": "F32", "shape": [1]}}"#, data: zeros(4)),
            mentions: ["'w'", "missing \"data_offsets\""])
    }

    func testEntryFieldOfTheWrongJSONType() {
        let data = zeros(4)
        assertRejected(
            file(entry: #""dtype": 4, "shape": [1], "data_offsets": [0, 4]"#, data: data),
            mentions: ["\"dtype\"", "not a string"])
        assertRejected(
            file(entry: #""dtype": "F32", "shape": 1, "data_offsets": [0, 4]"#, data: data),
            mentions: ["\"shape\"", "not an array of integers"])
        assertRejected(
            file(entry: #""dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]"#),
            mentions: ["\"shape\"", "not an array of integers"])
        assertRejected(
            file(entry: #""dtype": "F32", "shape": [1], "data_offsets": "0-4""#),
            mentions: ["\"data_offsets\"", "not an array of integers"])
        assertRejected(
            file(entry: #""dtype": "F32", "shape": [1], "data_offsets": [0, 4, 8]"#),
            mentions: ["data_offsets", "[begin, end]"])
    }

    func testNegativeDimension() {
        assertRejected(
            file(entry: #""dtype": "F32", "shape": [-1], "data_offsets": [0, 4]"#),
            mentions: ["'w'", "negative dimension"])
    }

    func testUnknownDTypeIsNamed() {
        assertRejected(
            file(entry: #""dtype": "F8_E4M3", "shape": [1], "data_offsets": [0, 1]"#),
            mentions: ["'w'", "F8_E4M3", "does not read"])
    }

    func testShapeWhoseProductOverflows() {
        let huge = Int.max / 2
        assertRejected(
            file(entry: #""dtype": "F32", "shape": [\#(huge), 4], "data_offsets": [0, 4]"#),
            mentions: ["'w'", "overflows"])
        assertRejected(
            file(
                entry: #""dtype": "U8", "shape": [\#(huge), \#(huge), 0], "#
                    + #""data_offsets": [0, 0]"#),
            mentions: ["'w'", "overflows"])
    }

    func testOffsetsOutOfRange() {
        assertRejected(
            file(entry: #""dtype": "F32", "shape": [2], "data_offsets": [0, 8]"#, data: zeros(4)),
            mentions: ["'w'", "out of range"])
        assertRejected(
            file(entry: #""dtype": "F32", "shape": [1], "data_offsets": [-4, 0]"#),
            mentions: ["'w'", "negative"])
    }

    func testOffsetsWithBeginAfterEnd() {
        assertRejected(
            file(entry: #""dtype": "U8", "shape": [2], "data_offsets": [4, 2]"#, data: zeros(4)),
            mentions: ["'w'", "begin after end"])
    }

    func testOverlappingTensors() {
        let header = """
            {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
             "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}
            """
        assertRejected(
            file(header: header, data: zeros(12)),
            mentions: ["'a'", "'b'", "overlap"])
    }

    func testByteCountThatDoesNotMatchTheShape() {
        assertRejected(
            file(entry: #""dtype": "F32", "shape": [2], "data_offsets": [0, 4]"#, data: zeros(4)),
            mentions: ["'w'", "needs 8 bytes", "span 4"])
    }

    func testMetadataThatIsNotAStringMap() {
        assertRejected(
            file(header: #"{"__metadata__": {"epoch": 3}}"#),
            mentions: ["__metadata__", "map of strings"])
        assertRejected(
            file(header: #"{"__metadata__": "x"}"#), mentions: ["__metadata__", "map of strings"])
    }

    func testMissingFileThrowsNamingThePath() {
        let url = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString).safetensors")
        assertProblem(try SafeTensorsFile(contentsOf: url), mentions: [url.path, "cannot be read"])
    }

    // MARK: - Fixtures

    func testReadsEveryFixture() throws {
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let fixtures = root.appendingPathComponent("../shared/fixtures").standardizedFileURL
        let names = (try? FileManager.default.contentsOfDirectory(atPath: fixtures.path)) ?? []
        let urls = names.filter { $0.hasSuffix(".safetensors") }.sorted().map {
            fixtures.appendingPathComponent($0)
        }
        if urls.isEmpty { throw XCTSkip("no fixtures in \(fixtures.path)") }

        for url in urls {
            let file = try SafeTensorsFile(contentsOf: url)
            let name = url.lastPathComponent
            XCTAssertEqual(file.metadata["format"], "lwm-step-fixture/1", name)

            let input = try XCTUnwrap(file.info("input"), name)
            XCTAssertEqual(input.dtype, .f32, name)
            XCTAssertEqual(input.shape.count, 4, name)
            let pixels = try file.floats("input")
            XCTAssertEqual(pixels.count, input.elementCount, name)
            XCTAssertTrue(pixels.allSatisfy(\.isFinite), name)

            let labels = try file.int64s("labels")
            XCTAssertEqual(labels.count, input.shape[0], name)
            for tensor in file.tensorNames {
                let info = try XCTUnwrap(file.info(tensor))
                XCTAssertEqual(try file.floats(tensor).count, info.elementCount, tensor)
            }
        }
    }

    // MARK: - Helpers

    /// The little-endian bytes of `value`.
    private func bytes<Value: FixedWidthInteger>(of value: Value) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    private func zeros(_ count: Int) -> [UInt8] { Array(repeating: 0, count: count) }

    /// A file with the given header bytes and data, its length field set to the header's.
    private func file(headerBytes: [UInt8], data: [UInt8] = []) -> Data {
        Data(bytes(of: UInt64(headerBytes.count)) + headerBytes + data)
    }

    private func file(header: String, data: [UInt8] = []) -> Data {
        file(headerBytes: Array(header.utf8), data: data)
    }

    /// A file with one tensor "w" whose entry's fields are `entry`.
    private func file(entry: String, data: [UInt8] = []) -> Data {
        file(header: #"{"w": {\#(entry)}}"#, data: data)
    }

    /// A file whose length field says `length` whatever the header's real size.
    private func withLength(_ length: UInt64, header: String) -> Data {
        Data(bytes(of: length) + Array(header.utf8))
    }

    /// Reads a file of `tensors` (name → dtype, shape) laid out back to back in name order.
    private func read(
        _ tensors: [String: (String, [Int])], _ data: [UInt8]
    ) throws -> SafeTensorsFile {
        var entries: [String] = []
        var offset = 0
        for name in tensors.keys.sorted() {
            let (dtype, shape) = tensors[name]!
            let size = try XCTUnwrap(SafeTensorsDType(rawValue: dtype)).byteSize
            let end = offset + shape.reduce(size, *)
            entries.append(
                "\"\(name)\": {\"dtype\": \"\(dtype)\", \"shape\": \(shape), "
                    + "\"data_offsets\": [\(offset), \(end)]}")
            offset = end
        }
        XCTAssertEqual(offset, data.count, "test data does not match the tensors")
        let header = "{\(entries.joined(separator: ", "))}"
        let name = "typed.safetensors"
        return try SafeTensorsFile(data: file(header: header, data: data), name: name)
    }

    /// Asserts that reading `data` throws a SafeTensorsError naming the file and `words`.
    private func assertRejected(
        _ data: Data, mentions words: [String], file: StaticString = #filePath, line: UInt = #line
    ) {
        let name = "bad-\(line).safetensors"
        assertProblem(
            try SafeTensorsFile(data: data, name: name), mentions: [name] + words,
            file: file, line: line)
    }

    /// Asserts that `expression` throws a SafeTensorsError whose description holds `words`.
    private func assertProblem<Value>(
        _ expression: @autoclosure () throws -> Value, mentions words: [String],
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try expression(), file: file, line: line) { error in
            guard let error = error as? SafeTensorsError else {
                return XCTFail("threw \(error), not a SafeTensorsError", file: file, line: line)
            }
            for word in words {
                XCTAssertTrue(
                    error.description.contains(word), "\"\(word)\" not in: \(error)",
                    file: file, line: line)
            }
            XCTAssertTrue(
                error.description.hasSuffix("."), "not a sentence: \(error)", file: file,
                line: line)
        }
    }
}
