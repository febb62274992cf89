import Foundation
import LwMData
import XCTest

final class DatasetPresetTests: XCTestCase {
    func testPresetsDescribeTheirDatasets() {
        XCTAssertEqual(DatasetPreset(rawValue: "fashion-mnist"), .fashionMNIST)
        XCTAssertEqual(DatasetPreset(rawValue: "imagefolder"), .imageFolder)
        XCTAssertEqual(
            DatasetPreset.allCases.map(\.rawValue),
            ["fashion-mnist", "mnist", "idx", "cifar10", "cifar100", "caltech101", "imagefolder"])

        XCTAssertEqual(DatasetPreset.fashionMNIST.format, .idx)
        XCTAssertEqual(DatasetPreset.fashionMNIST.defaultImageSize, 28)
        XCTAssertEqual(DatasetPreset.fashionMNIST.defaultAugmentation, .none)
        XCTAssertEqual(DatasetPreset.fashionMNIST.channels, 1)

        for preset in [DatasetPreset.cifar10, .cifar100] {
            XCTAssertEqual(preset.defaultImageSize, 32)
            XCTAssert(preset.hasFixedImageSize)
            XCTAssertEqual(
                preset.defaultAugmentation,
                Augmentation(crop: .padded(padding: 4), horizontalFlip: true))
        }
        XCTAssertEqual(DatasetPreset.cifar100.numberOfClasses(), 100)
        XCTAssertEqual(DatasetPreset.cifar100.numberOfClasses(cifarLabels: .coarse), 20)

        XCTAssertEqual(DatasetPreset.caltech101.format, .imageFolder)
        XCTAssertEqual(DatasetPreset.caltech101.defaultImageSize, 64)
        XCTAssertEqual(DatasetPreset.caltech101.numberOfClasses(), 101)
        XCTAssertFalse(DatasetPreset.caltech101.hasFixedImageSize)
        XCTAssertEqual(
            DatasetPreset.caltech101.defaultAugmentation,
            Augmentation(
                crop: .randomResized(scale: 0.35...1, aspectRatio: 0.75...(4 / 3)),
                horizontalFlip: true))
        XCTAssertNil(DatasetPreset.imageFolder.numberOfClasses())
    }

    func testICaRLOrderIsAPermutationThatSchedules() throws {
        let order = ClassSchedule.icarlCIFAR100Order
        XCTAssertEqual(order.sorted(), Array(0..<100))
        XCTAssertEqual(Array(order.prefix(5)), [68, 56, 78, 8, 23])
        XCTAssertEqual(Array(order.suffix(3)), [49, 57, 33])

        let schedule = try ClassSchedule(
            numberOfClasses: 100, tasks: 10, baseClasses: nil, increment: nil,
            classOrder: order, classOrderSeed: nil)
        XCTAssertEqual(schedule.tasks[0], Array(order.prefix(10)))
        XCTAssertEqual(schedule.position(ofOriginalClass: 68), 0)
    }

    func testLoadsIDXPresets() throws {
        let directory = try makeTemporaryDirectory(self)
        try TinyIDX().writeDirectory(directory, gzip: true)

        let fashion = try DatasetLoader.load(preset: .fashionMNIST, directory: directory)
        XCTAssertEqual(fashion.train.count, 6)
        XCTAssertEqual(fashion.test.count, 6)
        XCTAssertEqual(fashion.train.classNames, IDXDataset.fashionMNISTClassNames)
        XCTAssertEqual(fashion.cache, .disabled)
        XCTAssertEqual(
            try DatasetLoader.load(preset: .idx, directory: directory).train.numberOfClasses, 3)
        assertDataError(
            try DatasetLoader.load(
                preset: .mnist, directory: directory, options: DatasetOptions(imageSize: 32)),
            contains: ["mnist", "28×28", "32"])
    }

    func testLoadsCIFARPresets() throws {
        let directory = try makeTemporaryDirectory(self)
        let folder = directory.appendingPathComponent("cifar-100-binary")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let record = [UInt8(3), 42] + [UInt8](repeating: 9, count: 3072)
        try write(record + record, to: folder, name: "train.bin")
        try write(record, to: folder, name: "test.bin")

        let fine = try DatasetLoader.load(preset: .cifar100, directory: directory)
        XCTAssertEqual(fine.train.labels, [42, 42])
        XCTAssertEqual(fine.test.numberOfClasses, 100)
        let coarse = try DatasetLoader.load(
            preset: .cifar100, directory: directory, options: DatasetOptions(cifarLabels: .coarse))
        XCTAssertEqual(coarse.test.labels, [3])
        assertDataError(
            try DatasetLoader.load(preset: .cifar10, directory: directory),
            contains: ["data_batch_1.bin", "cifar-10-batches-bin"])
        assertDataError(
            try DatasetLoader.load(
                preset: .cifar100, directory: directory, options: DatasetOptions(imageSize: 24)),
            contains: ["cifar100", "32×32"])
    }

    func testCaltech101FindsItsListsAndDropsTheBackgroundClass() throws {
        let root = try makeTemporaryDirectory(self)
        let images = root.appendingPathComponent("101_ObjectCategories")
        try writeImages(2, in: "101_ObjectCategories/accordion", root: root, firstTint: 0)
        try writeImages(2, in: "101_ObjectCategories/Faces", root: root, firstTint: 10)
        try writeImages(1, in: "101_ObjectCategories/BACKGROUND_Google", root: root, firstTint: 20)
        try write(
            Array(
                "accordion/image_0001.png\nFaces/image_0002.png\nBACKGROUND_Google/image_0001.png\n"
                    .utf8),
            to: root, name: "train.txt")
        try write(Array("accordion/image_0002.png\n".utf8), to: root, name: "test.txt")

        for directory in [root, images] {
            let loaded = try DatasetLoader.load(
                preset: .caltech101, directory: directory, options: DatasetOptions(imageSize: 8))
            XCTAssertEqual(loaded.train.classNames, ["Faces", "accordion"])
            XCTAssertEqual(loaded.train.labels, [1, 0])
            XCTAssertEqual(loaded.test.labels, [1])
            XCTAssertEqual(loaded.train.height, 8)
            XCTAssertEqual(loaded.badImages, [])
        }

        // Without lists beside it, the folder is held out like any image folder.
        let bare = try makeTemporaryDirectory(self)
        try writeImages(5, in: "x", root: bare, firstTint: 0)
        let heldOut = try DatasetLoader.load(preset: .caltech101, directory: bare)
        XCTAssertEqual([heldOut.train.count, heldOut.test.count], [4, 1])
        XCTAssertEqual(heldOut.train.height, 64)
    }
}
