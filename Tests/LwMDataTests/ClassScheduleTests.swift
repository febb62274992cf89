import Foundation
import LwMData
import XCTest

final class ClassScheduleTests: XCTestCase {
    private func schedule(
        classes: Int = 10, tasks: Int? = nil, base: Int? = nil, increment: Int? = nil,
        order: [Int]? = nil, seed: UInt64? = nil
    ) throws -> ClassSchedule {
        try ClassSchedule(
            numberOfClasses: classes, tasks: tasks, baseClasses: base, increment: increment,
            classOrder: order, classOrderSeed: seed)
    }

    func testEqualTasksInNaturalOrder() throws {
        let schedule = try schedule(tasks: 5)

        XCTAssertEqual(schedule.classOrder, Array(0..<10))
        XCTAssertEqual(schedule.tasks, [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]])
        XCTAssertEqual(schedule.numberOfTasks, 5)
        XCTAssertEqual(schedule.classesSeen(throughTask: 0), 2)
        XCTAssertEqual(schedule.classesSeen(throughTask: 4), 10)
        XCTAssertEqual(schedule.outputRange(ofTask: 2), 4..<6)
    }

    func testNothingGivenIsOneTask() throws {
        XCTAssertEqual(try schedule(classes: 4).tasks, [[0, 1, 2, 3]])
    }

    func testUnequalTasksSuggestDivisors() {
        assertDataError(
            try schedule(tasks: 3), contains: ["3 tasks", "10 classes", "1, 2, 5, 10"])
        assertDataError(try schedule(tasks: 11), contains: ["11 tasks", "between 1 and 10"])
    }

    func testBaseAndIncrement() throws {
        let schedule = try schedule(base: 4, increment: 2)

        XCTAssertEqual(schedule.tasks.map(\.count), [4, 2, 2, 2])
        XCTAssertEqual(schedule.classesSeen(throughTask: 1), 6)
        XCTAssertEqual(schedule.outputRange(ofTask: 0), 0..<4)
        XCTAssertEqual(try self.schedule(tasks: 4, base: 4, increment: 2), schedule)
        XCTAssertEqual(try self.schedule(tasks: 4, base: 4), schedule)
        XCTAssertEqual(try self.schedule(increment: 5).tasks.map(\.count), [5, 5])
        XCTAssertEqual(try self.schedule(base: 10).tasks.map(\.count), [10])
    }

    func testIncrementMustDivideTheRest() {
        assertDataError(
            try schedule(base: 4, increment: 4),
            contains: [
                "4 base classes", "6 classes remain", "last task would have 2",
                "1, 2, 3, 6",
            ])
        assertDataError(try schedule(increment: 3), contains: ["Increments of 3", "1, 2, 5, 10"])
        assertDataError(try schedule(tasks: 4, base: 3), contains: ["7 classes remain", "2, 8"])
        assertDataError(try schedule(base: 4), contains: ["give an increment"])
        assertDataError(try schedule(base: 0), contains: ["0 base classes"])
    }

    func testConflictingTaskCount() {
        assertDataError(
            try schedule(tasks: 3, base: 4, increment: 2),
            contains: ["4 tasks (4 + 2 + 2 + 2)", "not the 3 asked for"])
    }

    func testExplicitOrderIsUsedAndSeedIgnored() throws {
        let order = [3, 1, 4, 0, 2, 5]
        let schedule = try schedule(classes: 6, tasks: 3, order: order, seed: 99)

        XCTAssertEqual(schedule.classOrder, order)
        XCTAssertEqual(schedule.tasks, [[3, 1], [4, 0], [2, 5]])
        XCTAssertEqual(schedule.position(ofOriginalClass: 0), 3)
        XCTAssertEqual(schedule.taskOf(originalClass: 0), 1)
        XCTAssertEqual(schedule.taskOf(originalClass: 5), 2)
        XCTAssertEqual(schedule.remap(labels: [0, 1, 2, 3, 4, 5, 0]), [3, 1, 4, 0, 2, 5, 3])
    }

    func testExplicitOrderValidation() {
        assertDataError(
            try schedule(classes: 4, order: [0, 1, 4, 2]),
            contains: ["has 4 at position 2", "0...3"])
        assertDataError(
            try schedule(classes: 4, order: [0, 1, 1, 2]),
            contains: ["class 1 twice", "positions 1 and 2"])
        assertDataError(
            try schedule(classes: 4, order: [2, 0, 1]), contains: ["3 entries", "lacks 3"])
        assertDataError(
            try schedule(classes: 4, order: [-1, 0, 1, 2]), contains: ["has -1 at position 0"])
    }

    func testSeededOrderIsReproduciblePermutation() throws {
        let first = try schedule(classes: 100, tasks: 10, seed: 1993)
        let again = try schedule(classes: 100, tasks: 10, seed: 1993)
        let other = try schedule(classes: 100, tasks: 10, seed: 1994)

        XCTAssertEqual(first, again)
        XCTAssertEqual(first.classOrder.sorted(), Array(0..<100))
        XCTAssertNotEqual(first.classOrder, Array(0..<100))
        XCTAssertNotEqual(first.classOrder, other.classOrder)
        for originalClass in 0..<100 {
            let position = first.position(ofOriginalClass: originalClass)
            XCTAssertEqual(first.classOrder[position], originalClass)
            XCTAssertEqual(first.taskOf(originalClass: originalClass), position / 10)
        }
    }

    func testCodableRoundTripAndValidation() throws {
        let schedule = try schedule(base: 4, increment: 3, seed: 5)
        let data = try JSONEncoder().encode(schedule)

        XCTAssertEqual(try JSONDecoder().decode(ClassSchedule.self, from: data), schedule)

        let duplicated = Data(#"{"classOrder":[0,0],"tasks":[[0],[0]]}"#.utf8)
        XCTAssertThrowsError(try JSONDecoder().decode(ClassSchedule.self, from: duplicated))
        let mismatched = Data(#"{"classOrder":[1,0],"tasks":[[0],[1]]}"#.utf8)
        XCTAssertThrowsError(try JSONDecoder().decode(ClassSchedule.self, from: mismatched))
    }
}
