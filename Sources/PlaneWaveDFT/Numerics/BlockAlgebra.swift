import CLapack
import LinearAlgebra

/// Products of blocks of plane-wave coefficient vectors (n_pw × m, complex) as LOBPCG needs them:
/// Gram matrices Aᴴ B, combinations A C with small coefficient matrices C, and eigenpairs of
/// small Hermitian matrices.
///
/// For time-reversal-real vectors (`timeReversalPartners`) the Gram matrices are real, Aᴴ B =
/// Re(Aᴴ B) = A_rᵀ B_r + A_iᵀ B_i, which is one real product over the interleaved (re, im) storage
/// seen as a 2 n_pw × m real matrix; real coefficients C keep vectors time-reversal real, and A C
/// is again one real product of the interleaved storage. Each costs half the flops of the complex
/// product (`zgemm`), and the small eigenproblems are real symmetric (`dsyevd`). Small matrices
/// are kept as `ComplexMatrix` with zero imaginary parts.
///
/// The real products see only the time-reversal-real part of a vector (x and i·x are orthogonal
/// for Re(xᴴy)), so rounding errors outside that space are invisible to them and an eigensolver
/// would amplify them: `keepTimeReversalReal` projects new search directions back.
struct BlockAlgebra {
    /// Time-reversal partner of each plane wave when the vectors are time-reversal real (real
    /// Gram matrices and coefficients), nil for general complex vectors.
    let timeReversalPartner: [Int]?

    var timeReversalReal: Bool { timeReversalPartner != nil }

    static let complex = BlockAlgebra(timeReversalPartner: nil)

    /// Projects the columns onto the time-reversal-real vectors (no-op for complex vectors).
    func keepTimeReversalReal(_ x: inout ComplexMatrix) {
        if let partner = timeReversalPartner { x.makeTimeReversalReal(partner: partner) }
    }

    /// Aᴴ B.
    func gram(_ a: ComplexMatrix, _ b: ComplexMatrix) -> ComplexMatrix {
        OpenBLASKernels.ensureSelected()
        guard timeReversalReal else { return zgemm(a, b, adjointA: true) }
        precondition(a.rows == b.rows, "gram: row counts differ")
        let m = a.columns, n = b.columns
        var real = [Double](repeating: 0, count: m * n)
        if m > 0 && n > 0 && a.rows > 0 {
            a.data.withUnsafeBufferPointer { pa in b.data.withUnsafeBufferPointer { pb in real.withUnsafeMutableBufferPointer { pc in
                cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, Int32(m), Int32(n), Int32(2 * a.rows), 1,
                            pa.baseAddress!, Int32(2 * a.rows), pb.baseAddress!, Int32(2 * b.rows), 0, pc.baseAddress!, Int32(m))
            } } }
        }
        return ComplexMatrix(realParts: real, rows: m, columns: n)
    }

    /// c ← α A X + β c.
    func multiply(_ a: ComplexMatrix, _ x: ComplexMatrix, alpha: Double = 1, beta: Double = 0, into c: inout ComplexMatrix) {
        OpenBLASKernels.ensureSelected()
        guard timeReversalReal else { zgemm(a, x, alpha: alpha, beta: beta, into: &c); return }
        precondition(a.columns == x.rows && c.rows == a.rows && c.columns == x.columns, "multiply: shapes")
        let k = a.columns, n = x.columns
        if c.rows == 0 || n == 0 { return }
        if k == 0 { if beta == 0 { for i in 0..<c.data.count { c.data[i] = 0 } }; return }
        let coefficients = x.realParts
        a.data.withUnsafeBufferPointer { pa in coefficients.withUnsafeBufferPointer { px in c.data.withUnsafeMutableBufferPointer { pc in
            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, Int32(2 * a.rows), Int32(n), Int32(k), alpha,
                        pa.baseAddress!, Int32(2 * a.rows), px.baseAddress!, Int32(k), beta, pc.baseAddress!, Int32(2 * c.rows))
        } } }
    }

    /// A X.
    func multiply(_ a: ComplexMatrix, _ x: ComplexMatrix) -> ComplexMatrix {
        var c = ComplexMatrix(rows: a.rows, columns: x.columns)
        multiply(a, x, into: &c)
        return c
    }

    /// All eigenpairs (ascending) of a small Hermitian matrix (real symmetric when time-reversal real).
    func eigen(_ h: ComplexMatrix) throws -> (values: [Double], vectors: ComplexMatrix) {
        guard timeReversalReal else { return try hermitianEigen(h) }
        let (values, vectors) = try symmetricEigen(Matrix(rows: h.rows, columns: h.rows, elements: h.realParts))
        return (values, ComplexMatrix(realParts: vectors.elements, rows: h.rows, columns: h.rows))
    }
}

extension ComplexMatrix {
    /// A matrix with the given real parts (column-major) and zero imaginary parts.
    init(realParts: [Double], rows: Int, columns: Int) {
        precondition(realParts.count == rows * columns)
        self.init(rows: rows, columns: columns)
        for i in 0..<realParts.count { data[2 * i] = realParts[i] }
    }

    /// The real parts, column-major.
    var realParts: [Double] { (0..<(rows * columns)).map { data[2 * $0] } }
}
