import Foundation
import LwMCore

/// Faults on purpose, for the tests of what a job does when a rank dies, stalls or produces a
/// NaN. Set `LWM_TEST_FAULT=KIND:RANK:STEP`, KIND one of `kill` (the rank kills itself with
/// SIGKILL before the step), `stall` (the rank sleeps for an hour before the step) or `nan`
/// (the rank's gradients get a NaN after the backward pass); STEP counts optimiser steps from
/// 1 since the process started. Without the variable nothing happens.
struct FaultInjection {
    enum Kind: String {
        case kill, stall, nan
    }

    let kind: Kind
    let rank: Int
    let step: Int

    /// The fault for this process, if the environment asks for one.
    init?(rank: Int, environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard let text = environment["LWM_TEST_FAULT"] else { return nil }
        let parts = text.split(separator: ":")
        guard parts.count == 3, let kind = Kind(rawValue: String(parts[0])),
            let faultRank = Int(parts[1]), let step = Int(parts[2]), faultRank == rank
        else { return nil }
        self.kind = kind
        self.rank = faultRank
        self.step = step
    }

    /// Called before step `step` (from 1).
    func beforeStep(_ step: Int) {
        guard step == self.step else { return }
        switch kind {
        case .kill: kill(getpid(), SIGKILL)
        case .stall: sleep(3600)
        case .nan: break
        }
    }

    /// Called after the backward pass of step `step`, before the gradients are reduced.
    func afterBackward(_ step: Int, store: ParameterStore) {
        guard step == self.step, kind == .nan else { return }
        store.gradientSums[0] = .nan
    }
}
