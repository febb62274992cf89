import CMPI

/// Runs one MPI call and turns a non-success return code into a sentence.
///
/// This is the only place where lwm looks at an MPI return code: every MPI function is
/// called inside `body` here, so every failure names the call, the collective and the rank.
///
/// - Parameters:
///   - call: the MPI function's name, for example `"MPI_Iallreduce"`.
///   - collective: what the call was doing, for example `"gradient sum"`.
///   - rank: the caller's rank, or nil before MPI knows it.
///   - body: calls the MPI function and returns its code.
/// - Throws: `DistributedError` with MPI's own explanation of the code.
func checkedMPICall(
    _ call: String, collective: String, rank: Int?, _ body: () -> Int32
) throws(DistributedError) {
    let code = body()
    guard code != lwm_success() else { return }

    let who = rank.map { "rank \($0)" } ?? "a rank starting MPI"
    throw DistributedError(
        "\(who): \(call) failed in '\(collective)' with \(mpiErrorString(code)); "
            + "every rank must call the same collectives in the same order with the same counts")
}

/// MPI's text for an error code, or the bare number when MPI cannot explain it.
private func mpiErrorString(_ code: Int32) -> String {
    var text = [CChar](repeating: 0, count: Int(lwm_max_error_string()) + 1)
    var length: Int32 = 0
    // MPI_Error_string is the one call not made through checkedMPICall: it reports on a
    // failure and has nobody left to report its own.
    guard MPI_Error_string(code, &text, &length) == lwm_success(), length > 0 else {
        return "MPI error code \(code)"
    }
    let bytes = text.prefix(Int(length)).map { UInt8(bitPattern: $0) }
    return "\(String(decoding: bytes, as: UTF8.self)) (code \(code))"
}
