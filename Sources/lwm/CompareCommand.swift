import Foundation
import LwMCore

/// `lwm compare A B [--relative R]`: compares every tensor of two safetensors files, for
/// checking that runs at different rank counts, or a resumed run, give the same model.
///
/// A float tensor passes when max|a−b| / max(max|b|, 1e-12) ≤ R; an integer tensor (such as
/// `num_batches_tracked`) only when it is equal. A tensor missing from one file, or whose
/// dtype kind or shape differs, fails. Exit codes: 0 all pass, 1 any fails or a file cannot
/// be read, 2 a bad command line.
enum CompareCommand {
    static let usage = "usage: lwm compare A.safetensors B.safetensors [--relative R]"

    static let help = """
        \(usage)

        Compares every tensor of two safetensors files, such as the final checkpoints of runs
        at different rank counts. For each tensor name in either file it prints max|a−b| and
        the relative difference max|a−b| / max(max|b|, 1e-12), and PASS or FAIL against R.
        Integer tensors must be equal; a tensor missing from one file fails.

          --relative R   largest relative difference that passes (default: 1e-4; 0 asks for
                         equal values)

        Exits 0 when every tensor passes, 1 when any fails or a file cannot be read, and 2 on
        a bad command line.
        """

    /// The verdict on one tensor name.
    struct Difference {
        let name: String
        /// max|a−b| and the relative difference; nil when the tensors cannot be compared.
        var absolute: Double?
        var relative: Double?
        var passed: Bool
        /// Why it fails when it cannot be compared, or a note such as "I64".
        var note: String
    }

    static func run(_ arguments: [String]) -> Int32 {
        var paths: [String] = []
        var relativeTolerance = 1e-4
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            var flag = argument
            var inlineValue: String?
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                flag = String(argument[..<equals])
                inlineValue = String(argument[argument.index(after: equals)...])
            }
            switch flag {
            case "--help", "-h":
                print(help)
                return 0
            case "--relative":
                guard let text = inlineValue ?? rest.popFirst() else {
                    printError("option '--relative' needs a number such as 1e-4; \(usage)")
                    return 2
                }
                guard let value = Double(text), value.isFinite, value >= 0 else {
                    printError(
                        "option '--relative' expects a non-negative number such as 1e-4, "
                            + "got '\(text)'")
                    return 2
                }
                relativeTolerance = value
            case _ where argument.hasPrefix("-") && argument.count > 1:
                printError(
                    "unknown option '\(argument)' for 'lwm compare'; it takes --relative R")
                return 2
            default:
                paths.append(argument)
            }
        }
        guard paths.count == 2 else {
            printError("'lwm compare' takes two files, got \(paths.count); \(usage)")
            return 2
        }

        let first: SafeTensorsFile
        let second: SafeTensorsFile
        do {
            first = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: paths[0]))
            second = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: paths[1]))
        } catch {
            printError("\(error)")
            return 1
        }

        let names = Set(first.tensorNames).union(second.tensorNames).sorted()
        var differences: [Difference] = []
        do {
            for name in names {
                differences.append(
                    try compare(name, first, second, relativeTolerance: relativeTolerance))
            }
        } catch {
            printError("\(error)")
            return 1
        }
        report(differences, paths: paths, relativeTolerance: relativeTolerance)
        return differences.allSatisfy(\.passed) ? 0 : 1
    }

    // MARK: - Comparing

    static func compare(
        _ name: String, _ a: SafeTensorsFile, _ b: SafeTensorsFile, relativeTolerance: Double
    ) throws -> Difference {
        guard let infoA = a.info(name) else {
            return Difference(name: name, passed: false, note: "missing in \(a.name)")
        }
        guard let infoB = b.info(name) else {
            return Difference(name: name, passed: false, note: "missing in \(b.name)")
        }
        guard infoA.shape == infoB.shape else {
            return Difference(
                name: name, passed: false, note: "shape \(infoA.shape) vs \(infoB.shape)")
        }
        let integerA = isInteger(infoA.dtype)
        guard integerA == isInteger(infoB.dtype) else {
            return Difference(
                name: name, passed: false,
                note: "dtype \(infoA.dtype.rawValue) vs \(infoB.dtype.rawValue)")
        }

        if integerA {
            let valuesA = try a.int64s(name)
            let valuesB = try b.int64s(name)
            // Magnitudes in Double: two Int64s can differ by more than Int64 holds.
            let largest = zip(valuesA, valuesB).map { abs(Double($0) - Double($1)) }.max() ?? 0
            let scale = max(valuesB.map { abs(Double($0)) }.max() ?? 0, 1e-12)
            return Difference(
                name: name, absolute: largest, relative: largest / scale,
                passed: valuesA == valuesB, note: infoA.dtype.rawValue)
        }

        let valuesA = try a.floats(name)
        let valuesB = try b.floats(name)
        var largest = 0.0
        var scale = 0.0
        for (x, y) in zip(valuesA, valuesB) {
            let difference = abs(Double(x) - Double(y))
            // A NaN on either side makes the difference NaN, which must fail, not vanish
            // inside max().
            largest = difference.isNaN || largest.isNaN ? .nan : max(largest, difference)
            scale = max(scale, abs(Double(y)))
        }
        let relative = largest / max(scale, 1e-12)
        return Difference(
            name: name, absolute: largest, relative: relative,
            passed: relative <= relativeTolerance, note: "")
    }

    static func isInteger(_ dtype: SafeTensorsDType) -> Bool {
        switch dtype {
        case .i64, .i32, .u8: true
        case .f32, .f64, .f16, .bf16: false
        }
    }

    // MARK: - The table

    static func report(_ differences: [Difference], paths: [String], relativeTolerance: Double) {
        let width = max(differences.map(\.name.count).max() ?? 0, "tensor".count)
        func pad(_ text: String, _ count: Int) -> String {
            text.padding(toLength: max(count, text.count), withPad: " ", startingAt: 0)
        }
        func number(_ value: Double?) -> String {
            guard let value else { return "-" }
            return value == 0 ? "0" : String(format: "%.3e", value)
        }
        func right(_ text: String, _ count: Int) -> String {
            String(repeating: " ", count: max(0, count - text.count)) + text
        }

        let tolerance = String(format: "%g", relativeTolerance)
        print("lwm compare: \(paths[0]) vs \(paths[1]), relative tolerance \(tolerance)")
        print("  \(pad("tensor", width))  \(right("max|a−b|", 10))  \(right("relative", 10))")
        for difference in differences {
            let verdict = difference.passed ? "PASS" : "FAIL"
            let note = difference.note.isEmpty ? "" : (difference.passed ? "  " : ": ")
            print(
                "  \(pad(difference.name, width))  \(right(number(difference.absolute), 10))  "
                    + "\(right(number(difference.relative), 10))  \(verdict)"
                    + "\(note)\(difference.note)")
        }
        let failed = differences.filter { !$0.passed }.count
        if failed == 0 {
            print("compare: PASS, all \(differences.count) tensors within relative \(tolerance)")
        } else {
            print("compare: FAIL, \(failed) of \(differences.count) tensors differ")
        }
    }
}
