import LwMCore

/// The order in which a class-incremental run meets the classes, and how it groups them into
/// tasks.
///
/// The model's output unit for a class is the class's position in `classOrder`: task 0 owns
/// units `0..<classesSeen(throughTask: 0)`, task 1 the next ones, and so on. Labels are
/// therefore remapped (`remap(labels:)`) from original class ids to positions before training
/// and evaluation.
public struct ClassSchedule: Sendable, Codable, Equatable {
    /// A permutation of the original class ids `0..<numberOfClasses`.
    public let classOrder: [Int]
    /// The original class ids of each task, in order; joined they are `classOrder`.
    public let tasks: [[Int]]
    /// The position in `classOrder` of each original class id.
    private let positions: [Int]
    /// The task of each original class id.
    private let taskIndices: [Int]

    public var numberOfClasses: Int { classOrder.count }
    public var numberOfTasks: Int { tasks.count }

    /// A schedule for `numberOfClasses` classes.
    ///
    /// Task sizes: `tasks: N` alone splits the classes equally. `baseClasses: B` with
    /// `increment: I` makes a first task of B classes and then tasks of I; `B` with `tasks: N`
    /// splits the remaining classes equally over N − 1 tasks; `increment: I` alone means B = I.
    /// A value given besides those it follows from must agree with them. Nothing given makes
    /// one task of every class (joint training).
    ///
    /// Class order: `classOrder` if given (`classOrderSeed` is then ignored), else the natural
    /// order shuffled by Fisher–Yates with `SeededGenerator(seed: classOrderSeed,
    /// stream: [0xC1A55])` if a seed is given, else the natural order 0, 1, ….
    ///
    /// - Throws: `DataError` when the classes do not split as asked (the message lists the
    ///   values that would), when the options disagree, or when `classOrder` is not a
    ///   permutation of `0..<numberOfClasses` (the message names the bad value).
    public init(
        numberOfClasses: Int, tasks: Int?, baseClasses: Int?, increment: Int?,
        classOrder: [Int]?, classOrderSeed: UInt64?
    ) throws {
        guard numberOfClasses >= 1 else {
            throw DataError("The number of classes must be at least 1, got \(numberOfClasses).")
        }
        let sizes = try Self.taskSizes(
            numberOfClasses: numberOfClasses, tasks: tasks, baseClasses: baseClasses,
            increment: increment)

        let order: [Int]
        if let classOrder {
            try Self.validate(classOrder: classOrder, numberOfClasses: numberOfClasses)
            order = classOrder
        } else if let classOrderSeed {
            var generator = SeededGenerator(seed: classOrderSeed, stream: [0xC1A55])
            var shuffled = Array(0..<numberOfClasses)
            EpochOrder.shuffle(&shuffled, using: &generator)
            order = shuffled
        } else {
            order = Array(0..<numberOfClasses)
        }

        var grouped: [[Int]] = []
        var start = 0
        for size in sizes {
            grouped.append(Array(order[start..<start + size]))
            start += size
        }
        try self.init(tasks: grouped)
    }

    /// A schedule with the given tasks, whose classes joined must be a permutation of
    /// `0..<numberOfClasses`.
    ///
    /// - Throws: `DataError` when a task is empty or the classes are not such a permutation.
    public init(tasks: [[Int]]) throws {
        let order = tasks.flatMap { $0 }
        if let empty = tasks.firstIndex(where: \.isEmpty) {
            throw DataError(
                """
                Task \(empty) of the class schedule has no classes; every task needs at least one.
                """)
        }
        try Self.validate(classOrder: order, numberOfClasses: order.count)
        var positions = [Int](repeating: 0, count: order.count)
        for (position, originalClass) in order.enumerated() { positions[originalClass] = position }
        var taskIndices = [Int](repeating: 0, count: order.count)
        for (task, classes) in tasks.enumerated() {
            for originalClass in classes { taskIndices[originalClass] = task }
        }
        self.classOrder = order
        self.tasks = tasks
        self.positions = positions
        self.taskIndices = taskIndices
    }

    /// The task, from 0, that introduces `originalClass`.
    public func taskOf(originalClass: Int) -> Int {
        precondition(taskIndices.indices.contains(originalClass), "no class \(originalClass)")
        return taskIndices[originalClass]
    }

    /// The position of `originalClass` in `classOrder`, which is its output unit.
    public func position(ofOriginalClass originalClass: Int) -> Int {
        precondition(positions.indices.contains(originalClass), "no class \(originalClass)")
        return positions[originalClass]
    }

    /// How many classes tasks 0 through `task` introduce together.
    public func classesSeen(throughTask task: Int) -> Int {
        precondition(tasks.indices.contains(task), "no task \(task) of \(tasks.count)")
        return tasks[...task].reduce(0) { $0 + $1.count }
    }

    /// The output units of the classes `task` introduces.
    public func outputRange(ofTask task: Int) -> Range<Int> {
        let end = classesSeen(throughTask: task)
        return end - tasks[task].count..<end
    }

    /// Original class ids mapped to output units (positions in `classOrder`).
    public func remap(labels: [Int]) -> [Int] {
        labels.map { position(ofOriginalClass: $0) }
    }

    // MARK: - Coding

    private enum CodingKeys: String, CodingKey {
        case classOrder
        case tasks
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let tasks = try container.decode([[Int]].self, forKey: .tasks)
        let classOrder = try container.decode([Int].self, forKey: .classOrder)
        try self.init(tasks: tasks)
        guard classOrder == self.classOrder else {
            throw DecodingError.dataCorruptedError(
                forKey: .classOrder, in: container,
                debugDescription: "classOrder \(classOrder) is not the tasks \(tasks) joined.")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(classOrder, forKey: .classOrder)
        try container.encode(tasks, forKey: .tasks)
    }

    // MARK: - Validation

    /// The number of classes in each task.
    private static func taskSizes(
        numberOfClasses classes: Int, tasks: Int?, baseClasses: Int?, increment: Int?
    ) throws -> [Int] {
        if let tasks, !(1...classes).contains(tasks) {
            throw DataError(
                """
                \(tasks) tasks cannot be made from \(classes) classes; choose between 1 and \
                \(classes) tasks.
                """)
        }
        if let increment, !(1...classes).contains(increment) {
            throw DataError(
                """
                An increment of \(increment) classes is not possible with \(classes) classes; \
                choose an increment between 1 and \(classes).
                """)
        }
        if let baseClasses, !(1...classes).contains(baseClasses) {
            throw DataError(
                """
                \(baseClasses) base classes are not possible with \(classes) classes; choose \
                between 1 and \(classes) base classes.
                """)
        }

        switch (baseClasses, increment) {
        case (nil, nil):
            guard let tasks else { return [classes] }
            guard classes % tasks == 0 else {
                throw DataError(
                    """
                    \(tasks) tasks do not split \(classes) classes equally; choose a number of \
                    tasks that divides \(classes) (\(list(divisors(classes)))), or give base \
                    classes and an increment.
                    """)
            }
            return Array(repeating: classes / tasks, count: tasks)

        case (nil, let increment?):
            guard classes % increment == 0 else {
                throw DataError(
                    """
                    Increments of \(increment) do not split \(classes) classes equally (the last \
                    task would have \(classes % increment)); choose an increment that divides \
                    \(classes) (\(list(divisors(classes)))), or give a number of base classes too.
                    """)
            }
            return try checked(
                Array(repeating: increment, count: classes / increment), tasks: tasks)

        case (let base?, nil):
            let rest = classes - base
            if rest == 0 { return try checked([base], tasks: tasks) }
            guard let tasks, tasks >= 2 else {
                throw DataError(
                    """
                    \(base) base classes leave \(rest) of \(classes) classes; give an increment or \
                    a number of tasks of at least 2 to schedule them.
                    """)
            }
            guard rest % (tasks - 1) == 0 else {
                throw DataError(
                    """
                    After \(base) base classes, \(rest) classes remain, which \(tasks - 1) tasks \
                    do not split equally; choose a number of tasks one more than a divisor of \
                    \(rest) (\(list(divisors(rest).map { $0 + 1 }))).
                    """)
            }
            return [base] + Array(repeating: rest / (tasks - 1), count: tasks - 1)

        case (let base?, let increment?):
            let rest = classes - base
            guard rest % increment == 0 else {
                throw DataError(
                    """
                    After \(base) base classes, \(rest) classes remain, which increments of \
                    \(increment) do not split equally (the last task would have \
                    \(rest % increment)); choose an increment that divides \(rest) \
                    (\(list(divisors(rest)))) or other base classes.
                    """)
            }
            return try checked(
                [base] + Array(repeating: increment, count: rest / increment), tasks: tasks)
        }
    }

    /// `sizes`, after checking that it has `tasks` entries when a number of tasks was given.
    private static func checked(_ sizes: [Int], tasks: Int?) throws -> [Int] {
        if let tasks, tasks != sizes.count {
            throw DataError(
                """
                The base classes and increment make \(sizes.count) tasks \
                (\(sizes.map(String.init).joined(separator: " + "))), not the \(tasks) asked for; \
                leave the number of tasks unset or make them agree.
                """)
        }
        return sizes
    }

    /// Checks that `classOrder` holds each of `0..<numberOfClasses` exactly once.
    private static func validate(classOrder: [Int], numberOfClasses: Int) throws {
        var seenAt = [Int?](repeating: nil, count: numberOfClasses)
        for (position, value) in classOrder.enumerated() {
            guard (0..<numberOfClasses).contains(value) else {
                throw DataError(
                    """
                    The class order has \(value) at position \(position), outside the class ids \
                    0...\(numberOfClasses - 1); list each class id exactly once.
                    """)
            }
            if let first = seenAt[value] {
                throw DataError(
                    """
                    The class order lists class \(value) twice, at positions \(first) and \
                    \(position); list each class id exactly once.
                    """)
            }
            seenAt[value] = position
        }
        let missing = seenAt.indices.filter { seenAt[$0] == nil }
        guard missing.isEmpty else {
            throw DataError(
                """
                The class order has \(classOrder.count) entries for \(numberOfClasses) classes and \
                lacks \(list(missing)); list each class id exactly once.
                """)
        }
    }

    private static func divisors(_ n: Int) -> [Int] {
        (1...max(n, 1)).filter { n % $0 == 0 }
    }

    private static func list(_ values: [Int]) -> String {
        values.map(String.init).joined(separator: ", ")
    }
}
