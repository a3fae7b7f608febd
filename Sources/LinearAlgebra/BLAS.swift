import CLapack

enum Transpose { case none, transpose }

/// C = alpha · op(A) · op(B) + beta · C through BLAS dgemm.
public func gemm(_ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false,
                 alpha: Double = 1, beta: Double = 0, into c: inout Matrix) {
    ensureOpenBLASKernels()
    let ta: Transpose = transposeA ? .transpose : .none
    let tb: Transpose = transposeB ? .transpose : .none
    let m = ta == .none ? a.rows : a.columns
    let k = ta == .none ? a.columns : a.rows
    let kb = tb == .none ? b.rows : b.columns
    let n = tb == .none ? b.columns : b.rows
    precondition(k == kb, "gemm: inner dimensions \(k) and \(kb) differ")
    precondition(c.rows == m && c.columns == n, "gemm: output is \(c.rows)x\(c.columns), expected \(m)x\(n)")
    if m == 0 || n == 0 { return }
    if k == 0 { for i in 0..<c.elements.count { c.elements[i] *= beta }; return }
    a.elements.withUnsafeBufferPointer { pa in
        b.elements.withUnsafeBufferPointer { pb in
            c.elements.withUnsafeMutableBufferPointer { pc in
                cblas_dgemm(CblasColMajor,
                            ta == .none ? CblasNoTrans : CblasTrans,
                            tb == .none ? CblasNoTrans : CblasTrans,
                            Int32(m), Int32(n), Int32(k), alpha,
                            pa.baseAddress, Int32(max(1, a.rows)),
                            pb.baseAddress, Int32(max(1, b.rows)), beta,
                            pc.baseAddress, Int32(max(1, c.rows)))
            }
        }
    }
}

/// op(A) · op(B) as a new matrix.
public func multiply(_ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false) -> Matrix {
    var c = Matrix(rows: transposeA ? a.columns : a.rows, columns: transposeB ? b.rows : b.columns)
    gemm(a, b, transposeA: transposeA, transposeB: transposeB, into: &c)
    return c
}

extension Matrix {
    public static func * (a: Matrix, b: Matrix) -> Matrix { multiply(a, b) }
}

/// Sets the number of OpenBLAS threads (chemflow uses 1 and parallelises over molecules).
public func setBLASThreads(_ n: Int) { openblas_set_num_threads(Int32(n)) }

/// Runs `body` with `n` OpenBLAS threads and restores the previous count: for stages that run
/// one calculation per core, where BLAS threads on top would oversubscribe the cores (and spin).
public func withBLASThreads<T>(_ n: Int, _ body: () throws -> T) rethrows -> T {
    let previous = Int(openblas_get_num_threads())
    openblas_set_num_threads(Int32(n))
    defer { openblas_set_num_threads(Int32(previous)) }
    return try body()
}

/// C (m × n) = alpha · op(A) · op(B) + beta · C on raw column-major buffers with leading
/// dimensions, for hot loops that reuse scratch memory. op(A) is m × k, op(B) is k × n.
@inlinable
public func gemm(m: Int, n: Int, k: Int, alpha: Double = 1,
                 a: UnsafePointer<Double>, lda: Int, transposeA: Bool = false,
                 b: UnsafePointer<Double>, ldb: Int, transposeB: Bool = false,
                 beta: Double = 0, c: UnsafeMutablePointer<Double>, ldc: Int) {
    ensureOpenBLASKernels()
    if m == 0 || n == 0 { return }
    cblas_dgemm(CblasColMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(max(1, lda)), b, Int32(max(1, ldb)),
                beta, c, Int32(max(1, ldc)))
}
