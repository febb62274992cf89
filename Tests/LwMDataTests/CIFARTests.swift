import Foundation
import LwMData
import XCTest

final class CIFARTests: XCTestCase {
    private static let cifar10Names = [
        "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
    ]

    /// The 3,072 pixel bytes of test image `n`: byte p is (13·n + p) mod 256.
    private func imageBytes(_ n: Int) -> [UInt8] {
        (0..<3072).map { UInt8((13 * n + $0) % 256) }
    }

    /// CIFAR-10's six batch files, in `cifar-10-batches-bin` under the returned directory:
    /// batch b (1...5) holds images 10b, 10b + 1, 10b + 2 with labels (image mod 10), the test
    /// batch images 100 and 101.
    private func writeCIFAR10(meta: Bool = true) throws -> URL {
        let directory = try makeTemporaryDirectory(self)
        let folder = directory.appendingPathComponent("cifar-10-batches-bin")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for batch in 1...5 {
            let images = (0..<3).map { 10 * batch + $0 }
            try write(
                images.flatMap { [UInt8($0 % 10)] + imageBytes($0) }, to: folder,
                name: "data_batch_\(batch).bin")
        }
        try write([0] + imageBytes(100) + [1] + imageBytes(101), to: folder, name: "test_batch.bin")
        if meta {
            try write(
                Array((Self.cifar10Names.joined(separator: "\n") + "\n\n").utf8), to: folder,
                name: "batches.meta.txt")
        }
        return directory
    }

    /// CIFAR-100's two files in `folder`: image n has fine label (7n mod 100) and coarse label
    /// (n mod 20); train holds images 0...3, test image 4.
    private func writeCIFAR100(
        _ folder: URL, fine: @escaping (Int) -> Int = { 7 * $0 % 100 }
    ) throws {
        let record = { (n: Int) in [UInt8(n % 20), UInt8(fine(n))] + self.imageBytes(n) }
        try write((0..<4).flatMap(record), to: folder, name: "train.bin")
        try write(record(4), to: folder, name: "test.bin")
    }

    func testCIFAR10ReadsEveryBatchInOrder() throws {
        let directory = try writeCIFAR10()

        let train = try CIFAR.loadCIFAR10(directory: directory, split: .train)
        XCTAssertEqual(train.count, 15)
        XCTAssertEqual([train.channels, train.height, train.width], [3, 32, 32])
        XCTAssertEqual(train.labels, [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2])
        XCTAssertEqual(Array(train.pixels[0..<3072]), imageBytes(10))
        XCTAssertEqual(Array(train.pixels[14 * 3072..<15 * 3072]), imageBytes(52))
        XCTAssertEqual(train.classNames, Self.cifar10Names)

        let test = try CIFAR.loadCIFAR10(
            directory: directory.appendingPathComponent("cifar-10-batches-bin"), split: .test)
        XCTAssertEqual(test.labels, [0, 1])
        XCTAssertEqual(Array(test.pixels[3072...]), imageBytes(101))
    }

    func testCIFAR10WithoutMetaFileNumbersItsClasses() throws {
        let train = try CIFAR.loadCIFAR10(directory: try writeCIFAR10(meta: false), split: .train)
        XCTAssertEqual(train.classNames, ImageDataset.numberedClassNames(10))
    }

    func testCIFAR100ReadsFineAndCoarseLabels() throws {
        let folder = try makeTemporaryDirectory(self)
        try writeCIFAR100(folder)
        try write(
            Array((0..<20).map { "super\($0)" }.joined(separator: "\n").utf8), to: folder,
            name: "coarse_label_names.txt")

        let fine = try CIFAR.loadCIFAR100(directory: folder, split: .train)
        XCTAssertEqual(fine.labels, [0, 7, 14, 21])
        XCTAssertEqual(fine.numberOfClasses, 100)
        XCTAssertEqual(fine.classNames[7], "7")
        XCTAssertEqual(Array(fine.pixels[3072..<6144]), imageBytes(1))

        let coarse = try CIFAR.loadCIFAR100(directory: folder, split: .train, labels: .coarse)
        XCTAssertEqual(coarse.labels, [0, 1, 2, 3])
        XCTAssertEqual(coarse.numberOfClasses, 20)
        XCTAssertEqual(coarse.classNames[3], "super3")
        XCTAssertEqual(coarse.pixels, fine.pixels)

        let test = try CIFAR.loadCIFAR100(directory: folder, split: .test, labels: .coarse)
        XCTAssertEqual(test.labels, [4])
    }

    func testMissingFilesAreListed() throws {
        let directory = try makeTemporaryDirectory(self)
        let message = assertDataError(
            try CIFAR.loadCIFAR10(directory: directory, split: .train),
            contains: ["data_batch_1.bin", "data_batch_5.bin", "cifar-10-batches-bin"])
        XCTAssertEqual(message?.components(separatedBy: "data_batch_").count, 11)

        assertDataError(
            try CIFAR.loadCIFAR100(directory: directory, split: .test),
            contains: [
                directory.appendingPathComponent("test.bin").path, "cifar-100-binary/test.bin",
            ])
    }

    func testSizeThatIsNotWholeRecordsIsAnError() throws {
        let folder = try makeTemporaryDirectory(self)
        try writeCIFAR100(folder)
        let bad = try write(
            [UInt8](repeating: 0, count: 3074 * 2 + 100), to: folder, name: "test.bin")

        assertDataError(
            try CIFAR.loadCIFAR100(directory: folder, split: .test),
            contains: [bad.path, "6248 bytes", "3074-byte record"])
        try write([], to: folder, name: "test.bin")
        assertDataError(
            try CIFAR.loadCIFAR100(directory: folder, split: .test),
            contains: [bad.path, "0 bytes"])
    }

    func testLabelOutOfRangeIsAnError() throws {
        let folder = try makeTemporaryDirectory(self)
        try writeCIFAR100(folder, fine: { $0 == 2 ? 100 : $0 })
        assertDataError(
            try CIFAR.loadCIFAR100(directory: folder, split: .train),
            contains: [
                folder.appendingPathComponent("train.bin").path, "fine label 100", "record 2",
            ])
        // Coarse labels 0...3 are fine; the bad fine label does not matter then.
        XCTAssertEqual(
            try CIFAR.loadCIFAR100(directory: folder, split: .train, labels: .coarse).count, 4)

        let cifar10 = try writeCIFAR10()
        let batch = cifar10.appendingPathComponent("cifar-10-batches-bin/data_batch_3.bin")
        var bytes = [UInt8](try Data(contentsOf: batch))
        bytes[3073] = 10
        try Data(bytes).write(to: batch)
        assertDataError(
            try CIFAR.loadCIFAR10(directory: cifar10, split: .train),
            contains: [batch.path, "label 10", "record 1", "0...9"])
    }

    func testCoarseLabelOutOfRangeIsAnError() throws {
        let folder = try makeTemporaryDirectory(self)
        let bad = [UInt8(20), 5] + imageBytes(0)
        try write(bad, to: folder, name: "train.bin")
        try write(bad, to: folder, name: "test.bin")

        assertDataError(
            try CIFAR.loadCIFAR100(directory: folder, split: .train, labels: .coarse),
            contains: ["coarse label 20", "20 classes"])
        XCTAssertEqual(try CIFAR.loadCIFAR100(directory: folder, split: .train).labels, [5])
    }
}
