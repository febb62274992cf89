import Foundation
import LwMCore
import LwMData

/// Task checkpoints: `task-<t>.safetensors`, the model under PyTorch `state_dict` names with
/// the metadata needed to rebuild it, normalise its inputs and resume the run.
///
/// Metadata (all strings, JSON where structured): `format` = `lwm-checkpoint/1`, `arch`,
/// `depth`, `width`, `in_channels`, `input_size` ([H, W]), `num_classes`, `class_order`,
/// `mean`, `std`, `task` (from 1), `config` (the run's options) and `run_state` (the task
/// records and evaluation counts so far, for `--resume`).
public enum Checkpoint {
    public static let format = "lwm-checkpoint/1"

    public static func fileName(task: Int) -> String { "task-\(task + 1).safetensors" }

    /// Writes the checkpoint of `task` (0-based) atomically: a crash leaves either the old
    /// file or the complete new one.
    public static func write(
        _ network: ResNet, task: Int, data: IncrementalData, record: RunRecord, to directory: URL
    ) throws {
        let configuration = network.configuration
        var writer = SafeTensorsWriter(metadata: [
            "format": format,
            "arch": configuration.architecture.name,
            "depth": String(configuration.architecture.depth),
            "width": String(configuration.width),
            "in_channels": String(configuration.inputChannels),
            "input_size": json([data.train.height, data.train.width]),
            "num_classes": String(configuration.classes),
            "class_order": json(data.schedule.classOrder),
            "class_names": json(data.schedule.classOrder.map { data.train.classNames[$0] }),
            "mean": json(data.statistics.mean.map(Double.init)),
            "std": json(data.statistics.std.map(Double.init)),
            "task": String(task + 1),
            "config": String(
                decoding: try JSONEncoder().encode(record.configuration), as: UTF8.self),
            "run_state": try record.encodedState(),
        ])
        network.write(into: &writer)
        try writer.write(to: directory.appendingPathComponent(fileName(task: task)))
    }

    /// The newest `task-<t>.safetensors` in `directory` that opens as an lwm checkpoint, and
    /// its task (0-based); nil when there is none.
    public static func newest(in directory: URL) -> (file: SafeTensorsFile, task: Int)? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let tasks = names.compactMap { name -> Int? in
            guard name.hasPrefix("task-"), name.hasSuffix(".safetensors") else { return nil }
            return Int(name.dropFirst("task-".count).dropLast(".safetensors".count))
        }
        for task in tasks.sorted(by: >) {
            let url = directory.appendingPathComponent("task-\(task).safetensors")
            if let file = try? SafeTensorsFile(contentsOf: url),
                file.metadata["format"] == format
            {
                return (file, task - 1)
            }
        }
        return nil
    }

    private static func json(_ value: Any) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: value)) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
