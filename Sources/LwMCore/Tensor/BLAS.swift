import CBLAS

/// Row-major single-precision matrix product, C ← alpha·op(A)·op(B) + beta·C, where op(A) is
/// M×K and op(B) is K×N. Every matrix product in lwm goes through here to OpenBLAS.
///
/// Empty products are handled here, because OpenBLAS rejects a leading dimension of 0: a rank
/// whose shard of the batch is empty still runs every layer (its collectives must match the
/// other ranks'), with zero-sized matrices.
@inline(__always)
public func sgemm(
    transposeA: Bool = false, transposeB: Bool = false,
    m: Int, n: Int, k: Int,
    alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    if m == 0 || n == 0 { return }
    if k == 0 {
        // C ← beta·C
        for row in 0..<m {
            for column in 0..<n {
                c[row * ldc + column] = beta == 0 ? 0 : beta * c[row * ldc + column]
            }
        }
        return
    }
    cblas_sgemm(
        CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
        transposeB ? CblasTrans : CblasNoTrans,
        blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c,
        blasint(ldc))
}

/// OpenBLAS's thread pool size for this process.
public enum BLASThreads {
    public static func set(_ count: Int) { openblas_set_num_threads(Int32(count)) }
    public static var current: Int { Int(openblas_get_num_threads()) }
}
