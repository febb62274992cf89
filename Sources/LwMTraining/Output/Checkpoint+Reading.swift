import Foundation
import LwMCore
import LwMData

/// A network rebuilt from a task checkpoint, with what is needed to feed it images and to
/// name its outputs.
public struct CheckpointModel {
    public let url: URL
    public let network: ResNet
    /// The task after which the checkpoint was written, from 1.
    public let task: Int
    /// The dataset's class id of every output column, then of the classes still to come.
    public let classOrder: [Int]
    /// The name of every output column, in the same order as ``classOrder``.
    public let classNames: [String]
    public let statistics: ChannelStatistics
    public let inputHeight: Int
    public let inputWidth: Int
    /// The run's configuration, as the checkpoint's `config` records it.
    public let configuration: [String: Any]

    /// The name of output column `column`, or "class <column>" when the checkpoint has none.
    public func className(column: Int) -> String {
        classNames.indices.contains(column) ? classNames[column] : "class \(column)"
    }

    /// The name of the dataset's class id `original`, through the class order.
    public func className(originalClass original: Int) -> String {
        guard let column = classOrder.firstIndex(of: original) else { return "class \(original)" }
        return className(column: column)
    }
}

extension Checkpoint {
    /// Opens `url` and rebuilds its network from the metadata (`arch`, `width`,
    /// `in_channels`, `num_classes`), then loads every tensor.
    ///
    /// - Throws: ``CheckpointError`` naming the file when it is missing, not an lwm checkpoint,
    ///   or lacks a field; the loader's error when a tensor is missing or has another shape.
    public static func load(contentsOf url: URL) throws -> CheckpointModel {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw CheckpointError(
                "\(url.path) does not exist; pass a task-<t>.safetensors file from the --out "
                    + "folder of lwm train.")
        }
        let file = try SafeTensorsFile(contentsOf: url)
        let metadata = file.metadata
        guard metadata["format"] == format else {
            throw CheckpointError(
                "\(url.path) is not an lwm checkpoint (its format is "
                    + "'\(metadata["format"] ?? "missing")', not '\(format)'); pass a "
                    + "task-<t>.safetensors file written by lwm train.")
        }
        func field<T>(_ key: String, _ parse: (String) -> T?) throws -> T {
            guard let text = metadata[key], let value = parse(text) else {
                throw CheckpointError(
                    "\(url.path) lacks a valid '\(key)' in its metadata (found "
                        + "'\(metadata[key] ?? "nothing")'); the file is damaged, write it again.")
            }
            return value
        }
        func list<T>(_ text: String) -> [T]? {
            (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [T]
        }

        let architecture = try field("arch", Architecture.init(name:))
        let configuration = NetworkConfiguration(
            architecture: architecture, width: try field("width") { Int($0) },
            inputChannels: try field("in_channels") { Int($0) },
            classes: try field("num_classes") { Int($0) })
        let inputSize: [Int] = try field("input_size") { text -> [Int]? in
            guard let size: [Int] = list(text), size.count == 2 else { return nil }
            return size
        }
        let mean: [Double] = try field("mean", list)
        let std: [Double] = try field("std", list)
        guard mean.count == configuration.inputChannels, std.count == mean.count,
            std.allSatisfy({ $0 > 0 })
        else {
            throw CheckpointError(
                "\(url.path) has \(mean.count) means and \(std.count) standard deviations for "
                    + "\(configuration.inputChannels) input channels; the file is damaged, "
                    + "write it again.")
        }
        let classOrder: [Int] = try field("class_order", list)
        let classNames: [String] = metadata["class_names"].flatMap(list) ?? []
        let settings = metadata["config"]
            .flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }

        let network = ResNet(configuration, seed: 0)
        try network.load(from: file, source: url.path)
        return CheckpointModel(
            url: url, network: network, task: try field("task") { Int($0) },
            classOrder: classOrder, classNames: classNames,
            statistics: ChannelStatistics(mean: mean.map(Float.init), std: std.map(Float.init)),
            inputHeight: inputSize[0], inputWidth: inputSize[1], configuration: settings ?? [:])
    }
}

extension CheckpointModel {
    /// Checks that `teacher` can serve as this model's teacher: the same network body, input
    /// and normalisation, fewer classes, and the same classes in the same output columns.
    /// - Throws: ``CheckpointError``, one sentence naming both files and the difference.
    public func checkTeacher(_ teacher: CheckpointModel) throws {
        let (mine, theirs) = (network.configuration, teacher.network.configuration)
        let names =
            "the teacher \(teacher.url.lastPathComponent) and the model \(url.lastPathComponent)"
        guard mine.architecture == theirs.architecture, mine.width == theirs.width else {
            throw CheckpointError(
                "\(names) are different networks (\(theirs.architecture) of width "
                    + "\(theirs.width) against \(mine.architecture) of width \(mine.width)); "
                    + "pass two checkpoints of the same run.")
        }
        guard mine.inputChannels == theirs.inputChannels, inputHeight == teacher.inputHeight,
            inputWidth == teacher.inputWidth
        else {
            throw CheckpointError(
                "\(names) take inputs of different sizes (\(theirs.inputChannels)×"
                    + "\(teacher.inputHeight)×\(teacher.inputWidth) against "
                    + "\(mine.inputChannels)×\(inputHeight)×\(inputWidth)); pass two checkpoints "
                    + "of the same run.")
        }
        guard statistics == teacher.statistics else {
            throw CheckpointError(
                "\(names) normalise their inputs differently (mean \(teacher.statistics.mean), "
                    + "std \(teacher.statistics.std) against mean \(statistics.mean), std "
                    + "\(statistics.std)), so they come from different runs; pass two "
                    + "checkpoints of the same run.")
        }
        guard theirs.classes < mine.classes else {
            throw CheckpointError(
                "\(names) have \(theirs.classes) and \(mine.classes) classes, but the teacher "
                    + "must have fewer; pass the checkpoint of an earlier task as --teacher.")
        }
        guard teacher.classOrder.count >= theirs.classes, classOrder.count >= theirs.classes,
            teacher.classOrder.prefix(theirs.classes) == classOrder.prefix(theirs.classes)
        else {
            throw CheckpointError(
                "the teacher's classes \(teacher.classOrder.prefix(theirs.classes)) are not the "
                    + "first classes of the model's \(classOrder.prefix(mine.classes)) in "
                    + "\(names); pass two checkpoints of the same run.")
        }
    }
}

/// A checkpoint that cannot be read or does not fit, told in one sentence that names the
/// file and the fix.
public struct CheckpointError: Error, CustomStringConvertible, LocalizedError, Equatable,
    Sendable
{
    public let description: String

    public init(_ description: String) {
        self.description = description
    }

    public var errorDescription: String? { description }
}
