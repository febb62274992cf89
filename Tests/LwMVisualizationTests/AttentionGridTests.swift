import Foundation
import LwMCore
import LwMData
import XCTest

@testable import LwMVisualization

final class AttentionGridTests: XCTestCase {
    private func row(side: Int, value: UInt8) -> AttentionGrid.Row {
        AttentionGrid.Row(
            image: Raster(
                width: side, height: side, channels: 1,
                pixels: [UInt8](repeating: value, count: side * side)),
            teacherMap: ScalarMap(width: 2, height: 2, values: [0, 1, 2, 3]),
            studentMap: ScalarMap(width: 2, height: 2, values: [3, 2, 1, 0]),
            captions: ["#0 Trouser", "b: Trouser", "a caption far too long for one tile"])
    }

    /// 28×28 images enlarged 6× to 168-pixel tiles: width 2·10 + 3·168 + 2·8 = 540; height
    /// 2·10 + (16 + 8) header + 3·(168 + 4 + 16 + 8) rows + (12 + 4 + 16) colour bar = 664.
    func testGridHasTheExpectedSize() {
        let grid = AttentionGrid()
        XCTAssertEqual(grid.scale(width: 28, height: 28), 6)
        let picture = grid.render([
            row(side: 28, value: 10), row(side: 28, value: 20), row(side: 28, value: 30),
        ])
        XCTAssertEqual(picture.width, 540)
        XCTAssertEqual(picture.height, 664)
        XCTAssertEqual(picture.channels, 3)
        let size = grid.size(rows: 3, imageWidth: 28, imageHeight: 28)
        XCTAssertEqual(size.width, 540)
        XCTAssertEqual(size.height, 664)
    }

    func testImageColumnShowsTheImageAndMapColumnsTheOverlay() {
        let grid = AttentionGrid()
        let picture = grid.render([row(side: 28, value: 77)])
        // The first tile starts below the header at (10, 34).
        XCTAssertEqual(picture[x: 10, y: 34], RGB(red: 77, green: 77, blue: 77))
        XCTAssertEqual(picture[x: 177, y: 201], RGB(red: 77, green: 77, blue: 77))
        // The teacher's map is 0 at the top left: the rainbow's first colour over grey 77.
        let low = ColorMap.rainbow.table[0]
        func mix(_ a: UInt8) -> UInt8 { UInt8(((Float(77) + Float(a)) / 2).rounded()) }
        XCTAssertEqual(
            picture[x: 10 + 168 + 8, y: 34],
            RGB(red: mix(low.red), green: mix(low.green), blue: mix(low.blue)))
        // The student's map is largest there: the rainbow's last colour.
        let high = ColorMap.rainbow.table[255]
        XCTAssertEqual(
            picture[x: 10 + 2 * (168 + 8), y: 34],
            RGB(red: mix(high.red), green: mix(high.green), blue: mix(high.blue)))
    }

    func testSamplesWriteOneGridPerTask() throws {
        let directory = try makeTemporaryDirectory(self)
        // Six 12×12 images of three classes, each a different brightness.
        let side = 12
        var generator = SeededGenerator(seed: 9)
        let pixels = (0..<6 * side * side).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let dataset = ImageDataset(
            pixels: pixels, labels: [0, 1, 2, 0, 1, 2], channels: 1, height: side, width: side,
            classNames: ["zero", "one", "two"])
        let indices = AttentionSamples.sampleIndices(in: dataset, classes: [1, 0], count: 3)
        XCTAssertEqual(indices, [1, 0, 4])

        let configuration = NetworkConfiguration(
            architecture: Architecture(name: "resnet8")!, width: 4, inputChannels: 1, classes: 2)
        let teacher = ResNet(configuration, seed: 1)
        let student = teacher.growingHead(to: 3, seed: 2)
        let url = try AttentionSamples.write(
            teacher: teacher, student: student, dataset: dataset, indices: indices,
            statistics: dataset.channelStatistics(), classNames: ["one", "zero", "two"], task: 1,
            to: directory.appendingPathComponent("attention"))
        XCTAssertEqual(url.lastPathComponent, "attention-task2.png")

        let picture = try PNG.read(contentsOf: url, channels: 3)
        let size = AttentionGrid().size(rows: 3, imageWidth: side, imageHeight: side)
        XCTAssertEqual(picture.width, size.width)
        XCTAssertEqual(picture.height, size.height)
    }

    func testFileNamesCarryTaskImageAndClass() {
        XCTAssertEqual(
            AttentionSamples.fileName(taskNumber: 3, image: 7, className: "Pullover"),
            "attention-task3-img0007-Pullover.png")
        XCTAssertEqual(
            AttentionSamples.fileName(taskNumber: 2, image: 12, className: "T-shirt/top"),
            "attention-task2-img0012-T-shirt-top.png")
        XCTAssertEqual(AttentionSamples.fileName(taskNumber: 4), "attention-task4.png")
    }

    func testTextIsDrawnInInk() {
        var picture = Raster(width: 40, height: 10, color: .white)
        picture.drawText("I", x: 0, y: 0, color: .black)
        // "I" has its top bar in columns 1–3 of row 0 and its stem in column 2.
        XCTAssertEqual(picture[x: 0, y: 0], .white)
        XCTAssertEqual(picture[x: 1, y: 0], .black)
        XCTAssertEqual(picture[x: 2, y: 3], .black)
        XCTAssertEqual(picture[x: 1, y: 3], .white)
        XCTAssertEqual(BitmapFont.width(of: "abc", scale: 2), 34)
    }
}
