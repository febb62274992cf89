import Foundation
import LwMCore

/// `lwm selftest [--fixtures DIR]`: runs every fixture step and prints a PASS/FAIL table.
enum SelfTestCommand {
    static func run(_ arguments: [String]) -> Int32 {
        var directory = defaultFixtureDirectory()
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            switch argument {
            case "--fixtures":
                guard let value = rest.popFirst() else {
                    printError("option '--fixtures' needs a directory")
                    return 2
                }
                directory = URL(fileURLWithPath: value)
            case "--help", "-h":
                print(
                    "usage: lwm selftest [--fixtures DIR]\n\n"
                        + "Runs every *.safetensors LwM step fixture in DIR (default: \(directory.path))\n"
                        + "and compares each tensor with PyTorch's within 1e-4 + 1e-3·max|expected|."
                )
                return 0
            default:
                printError(
                    "unknown option '\(argument)' for 'lwm selftest'; it takes --fixtures DIR")
                return 2
            }
        }

        let files: [URL]
        do {
            files = try FileManager.default.contentsOfDirectory(
                at: directory, includingPropertiesForKeys: nil
            ).filter { $0.pathExtension == "safetensors" }.sorted { $0.path < $1.path }
        } catch {
            printError(
                "cannot list fixture directory \(directory.path): \(error.localizedDescription)")
            return 1
        }
        guard !files.isEmpty else {
            printError("no *.safetensors fixtures in \(directory.path); pass --fixtures DIR")
            return 1
        }

        var failures = 0
        for file in files {
            print("\(file.lastPathComponent)")
            do {
                let comparisons = try FixtureCheck(url: file).run()
                for comparison in comparisons {
                    let verdict = comparison.passed ? "PASS" : "FAIL"
                    let name = comparison.name.padding(toLength: 52, withPad: " ", startingAt: 0)
                    print(
                        "  \(name) max|Δ| \(String(format: "%.3e", comparison.maxAbsoluteDifference))"
                            + "  tol \(String(format: "%.1e", comparison.tolerance))  \(verdict)")
                    if !comparison.passed { failures += 1 }
                }
                let passed = comparisons.filter(\.passed).count
                print("  \(passed) of \(comparisons.count) tensors pass")
            } catch {
                print("  FAIL: \(error)")
                failures += 1
            }
        }
        print(failures == 0 ? "selftest: PASS" : "selftest: FAIL (\(failures) failures)")
        return failures == 0 ? 0 : 1
    }

    /// `../shared/fixtures` beside the package root; the package root is found from the
    /// executable's location (`.build/<config>/lwm`) or, failing that, the working directory.
    static func defaultFixtureDirectory() -> URL {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var candidate = executable.deletingLastPathComponent()
        for _ in 0..<5 {
            if FileManager.default.fileExists(
                atPath: candidate.appendingPathComponent("Package.swift").path)
            {
                return candidate.deletingLastPathComponent().appendingPathComponent(
                    "shared/fixtures")
            }
            candidate = candidate.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: "../shared/fixtures")
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data("lwm: \(message)\n".utf8))
}
