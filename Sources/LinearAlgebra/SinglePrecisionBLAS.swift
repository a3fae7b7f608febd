import CLapack

/// C (m × n) = alpha · op(A) · op(B) + beta · C in single precision (BLAS sgemm) on raw
/// column-major buffers with leading dimensions. op(A) is m × k, op(B) is k × n.
///
/// The Float32 twin of the raw `gemm` above, used by the graph networks. OpenBLAS accumulates
/// the k-sum in Float32 (with FMA); callers that need Float64 sums must split the reduction.
@inlinable
public func sgemm(m: Int, n: Int, k: Int, alpha: Float = 1,
                  a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
                  b: UnsafePointer<Float>, ldb: Int, transposeB: Bool = false,
                  beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    ensureOpenBLASKernels()
    if m == 0 || n == 0 { return }
    if k == 0 {
        // BLAS leaves C untouched for k = 0 only when beta = 1; scale explicitly.
        for j in 0..<n { for i in 0..<m { c[i + j * ldc] = beta == 0 ? 0 : beta * c[i + j * ldc] } }
        return
    }
    cblas_sgemm(CblasColMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(max(1, lda)), b, Int32(max(1, ldb)),
                beta, c, Int32(max(1, ldc)))
}
