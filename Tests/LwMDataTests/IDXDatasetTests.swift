import LwMData
import XCTest

final class IDXDatasetTests: XCTestCase {
    private let tiny = TinyIDX()

    private func assertTiny(
        _ dataset: ImageDataset, file: StaticString = #filePath,
        line: UInt = #line
    ) {
        XCTAssertEqual(dataset.count, 6, file: file, line: line)
        XCTAssertEqual(dataset.channels, 1, file: file, line: line)
        XCTAssertEqual(dataset.height, 3, file: file, line: line)
        XCTAssertEqual(dataset.width, 2, file: file, line: line)
        XCTAssertEqual(dataset.labels, [0, 1, 2, 0, 1, 2], file: file, line: line)
        XCTAssertEqual(dataset.pixels, Array(tiny.imageBytes[16...]), file: file, line: line)
    }

    func testLoadsRawFiles() throws {
        let directory = try makeTemporaryDirectory(self)
        try tiny.writeDirectory(directory)

        for split in Split.allCases {
            let dataset = try IDXDataset.load(directory: directory, split: split)
            assertTiny(dataset)
            XCTAssertEqual(dataset.classNames, ["0", "1", "2"])
        }
    }

    func testLoadsGzipFiles() throws {
        let directory = try makeTemporaryDirectory(self)
        try tiny.writeDirectory(directory, gzip: true)

        assertTiny(try IDXDataset.load(directory: directory, split: .test, numberOfClasses: 3))
    }

    func testLoadsPrefixedNamesAndEMNISTTestSpelling() throws {
        let directory = try makeTemporaryDirectory(self)
        try write(tiny.imageBytes, to: directory, name: "emnist-digits-train-images-idx3-ubyte")
        try write(tiny.labelBytes, to: directory, name: "emnist-digits-train-labels-idx1-ubyte")
        try write(tiny.imageBytes, to: directory, name: "emnist-digits-test-images-idx3-ubyte")
        try write(
            Gzip.compress(tiny.labelBytes), to: directory,
            name: "emnist-digits-test-labels-idx1-ubyte.gz")

        assertTiny(try IDXDataset.load(directory: directory, split: .train))
        assertTiny(try IDXDataset.load(directory: directory, split: .test))
    }

    func testLoadsDottedMirrorSpelling() throws {
        let directory = try makeTemporaryDirectory(self)
        try write(tiny.imageBytes, to: directory, name: "train-images.idx3-ubyte")
        try write(tiny.labelBytes, to: directory, name: "train-labels.idx1-ubyte")

        assertTiny(try IDXDataset.load(directory: directory, split: .train))
    }

    func testRawAndGzipOfOneFileAreNotAmbiguous() throws {
        let directory = try makeTemporaryDirectory(self)
        try tiny.writeDirectory(directory, prefix: "kmnist-")
        try tiny.writeDirectory(directory, gzip: true, prefix: "kmnist-")

        let (images, _) = try IDXDataset.locate(directory: directory, split: .train)
        XCTAssertEqual(images.lastPathComponent, "kmnist-train-images-idx3-ubyte")
    }

    func testAmbiguousNamesListTheCandidates() throws {
        let directory = try makeTemporaryDirectory(self)
        try tiny.writeDirectory(directory, prefix: "emnist-letters-")
        try tiny.writeDirectory(directory, prefix: "emnist-digits-")

        assertDataError(
            try IDXDataset.load(directory: directory, split: .train),
            contains: [
                directory.path, "emnist-digits-train-images-idx3-ubyte",
                "emnist-letters-train-images-idx3-ubyte", "one dataset per directory",
            ])
    }

    func testMissingFileListsWhatWasLookedFor() throws {
        let directory = try makeTemporaryDirectory(self)
        try write(tiny.imageBytes, to: directory, name: "t10k-images-idx3-ubyte")

        assertDataError(
            try IDXDataset.load(directory: directory, split: .test),
            contains: [
                directory.path, "t10k-labels-idx1-ubyte or t10k-labels-idx1-ubyte.gz",
                "test-labels-idx1-ubyte",
            ])
    }

    func testMissingDirectory() throws {
        let directory = try makeTemporaryDirectory(self).appendingPathComponent("nowhere")

        assertDataError(
            try IDXDataset.load(directory: directory, split: .train),
            contains: [directory.path, "not a directory"])
    }

    func testImageAndLabelCountsMustAgree() throws {
        let directory = try makeTemporaryDirectory(self)
        try tiny.writeDirectory(directory)
        var fewer = tiny
        fewer.count = 5
        let labels = try write(fewer.labelBytes, to: directory, name: "train-labels-idx1-ubyte")

        assertDataError(
            try IDXDataset.load(directory: directory, split: .train),
            contains: ["train-images-idx3-ubyte", labels.path, "6 images", "5 labels"])
    }

    func testLabelOutOfRangeNamesIndexAndValue() throws {
        let directory = try makeTemporaryDirectory(self)
        try tiny.writeDirectory(directory)
        let labels = directory.appendingPathComponent("train-labels-idx1-ubyte")

        assertDataError(
            try IDXDataset.load(directory: directory, split: .train, numberOfClasses: 2),
            contains: [labels.path, "label 2 at index 2", "2 classes"])
        assertDataError(
            try IDXDataset.load(directory: directory, split: .train, numberOfClasses: 0),
            contains: [labels.path, "at least 1"])
    }

    func testClassCountIsInferredOrGiven() throws {
        let directory = try makeTemporaryDirectory(self)
        try tiny.writeDirectory(directory)

        let inferred = try IDXDataset.load(directory: directory, split: .train)
        let given = try IDXDataset.load(directory: directory, split: .train, numberOfClasses: 5)

        XCTAssertEqual(inferred.numberOfClasses, 3)
        XCTAssertEqual(given.classNames, ["0", "1", "2", "3", "4"])
    }

    func testFashionDirectoryGetsClassNames() throws {
        let directory = try makeTemporaryDirectory(self, name: "my-fashion-mnist")
        var tenClasses = tiny
        tenClasses.count = 10
        tenClasses.classes = 10
        try tenClasses.writeDirectory(directory, gzip: true)

        let dataset = try IDXDataset.load(directory: directory, split: .train)

        XCTAssertEqual(dataset.classNames, IDXDataset.fashionMNISTClassNames)
        XCTAssertEqual(dataset.classNames[9], "Ankle boot")
    }
}
