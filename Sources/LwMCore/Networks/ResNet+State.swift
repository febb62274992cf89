/// A network's state under PyTorch `state_dict` names: parameters, BatchNorm running
/// statistics (floats) and `num_batches_tracked` counters (integers).
extension ResNet {
    /// Every float tensor, parameters then buffers, in registration order.
    public var namedTensors: [NamedTensor] { store.parameters + store.buffers }

    /// `<bn>.num_batches_tracked` and its value, for every BatchNorm layer.
    public var batchCounters: [(name: String, value: Int)] {
        batchNorms.map { ("\($0.name).num_batches_tracked", $0.batchesTracked) }
    }

    /// Adds the whole state to `writer`, names prefixed with `prefix`.
    public func write(into writer: inout SafeTensorsWriter, prefix: String = "") {
        for tensor in namedTensors {
            writer.add(
                prefix + tensor.name, floats: UnsafeBufferPointer(tensor.values),
                shape: tensor.shape)
        }
        for (name, value) in batchCounters {
            writer.add(prefix + name, int64s: [Int64(value)], shape: [])
        }
    }

    /// Loads every tensor of this network from `file` (names prefixed with `prefix`).
    /// Strict: a missing tensor or a shape that differs is an error naming it.
    public func load(from file: SafeTensorsFile, prefix: String = "", source: String) throws {
        for tensor in namedTensors {
            let name = prefix + tensor.name
            guard let info = file.info(name) else {
                throw StateError(
                    "\(source) has no tensor '\(name)' that \(configuration.architecture.name) needs"
                )
            }
            guard info.shape == tensor.shape else {
                throw StateError(
                    "\(source): tensor '\(name)' has shape \(info.shape), but "
                        + "\(configuration.architecture.name) needs \(tensor.shape)")
            }
            let values = try file.floats(name)
            tensor.value.update(from: values, count: tensor.count)
        }
        for norm in batchNorms {
            let name = "\(prefix)\(norm.name).num_batches_tracked"
            if file.info(name) != nil {
                norm.batchesTracked = Int(try file.int64s(name).first ?? 0)
            }
        }
    }

    /// Copies parameters, buffers and counters from a network of the same body. Head rows
    /// are copied for the classes both heads have; any further rows keep their values.
    public func copyState(from other: ResNet) {
        precondition(other.store.parameters.count == store.parameters.count, "different networks")
        for (mine, theirs) in zip(namedTensors, other.namedTensors) {
            if mine.shape == theirs.shape {
                mine.value.update(from: theirs.value, count: mine.count)
            } else {
                // Only the head differs: rows are classes, each row contiguous.
                mine.value.update(from: theirs.value, count: min(mine.count, theirs.count))
            }
        }
        for (mine, theirs) in zip(batchNorms, other.batchNorms) {
            mine.batchesTracked = theirs.batchesTracked
        }
    }

    /// A frozen copy to serve as the teacher.
    public func snapshot() -> ResNet {
        let copy = ResNet(configuration, seed: 0)
        copy.copyState(from: self)
        return copy
    }

    /// This network with `classes` outputs: the old head rows kept, new rows initialised
    /// like a fresh `nn.Linear` drawn from `seed`.
    public func growingHead(to classes: Int, seed: UInt64) -> ResNet {
        var grown = configuration
        grown.classes = classes
        let network = ResNet(grown, seed: seed)
        network.copyState(from: self)
        return network
    }
}

/// A network state that does not fit the network.
public struct StateError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
