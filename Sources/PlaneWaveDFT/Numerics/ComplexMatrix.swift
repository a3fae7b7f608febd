import CLapack
import Foundation
import LinearAlgebra

/// A dense complex matrix, column-major, stored as interleaved (re, im) Double pairs —
/// the layout of FFTW's `fftw_complex`, CBLAS and LAPACKE's `double _Complex`.
struct ComplexMatrix {
    var rows: Int
    var columns: Int
    /// 2 · rows · columns values.
    var data: [Double]

    init(rows: Int, columns: Int) {
        self.rows = rows; self.columns = columns
        data = [Double](repeating: 0, count: 2 * rows * columns)
    }

    init(rows: Int, columns: Int, data: [Double]) {
        precondition(data.count == 2 * rows * columns)
        self.rows = rows; self.columns = columns; self.data = data
    }

    subscript(i: Int, j: Int) -> (re: Double, im: Double) {
        get { let k = 2 * (i + j * rows); return (data[k], data[k + 1]) }
        set { let k = 2 * (i + j * rows); data[k] = newValue.re; data[k + 1] = newValue.im }
    }

    /// Columns `range` as a new matrix.
    func columns(_ range: Range<Int>) -> ComplexMatrix {
        ComplexMatrix(rows: rows, columns: range.count,
                      data: Array(data[(2 * rows * range.lowerBound)..<(2 * rows * range.upperBound)]))
    }

    /// Horizontal concatenation.
    static func hcat(_ parts: [ComplexMatrix]) -> ComplexMatrix {
        let r = parts.first!.rows
        var out = ComplexMatrix(rows: r, columns: 0)
        out.data.reserveCapacity(2 * r * parts.reduce(0) { $0 + $1.columns })
        for p in parts { precondition(p.rows == r); out.data += p.data; out.columns += p.columns }
        return out
    }

    static func random(rows: Int, columns: Int, seed: UInt64) -> ComplexMatrix {
        var m = ComplexMatrix(rows: rows, columns: columns)
        var state = seed &* 6364136223846793005 &+ 1442695040888963407
        for k in 0..<m.data.count {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            m.data[k] = Double(state >> 11) / Double(1 << 53) - 0.5
        }
        return m
    }

    /// Conjugate transpose.
    var adjoint: ComplexMatrix {
        var out = ComplexMatrix(rows: columns, columns: rows)
        for j in 0..<columns { for i in 0..<rows {
            let s = 2 * (i + j * rows), d = 2 * (j + i * columns)
            out.data[d] = data[s]; out.data[d + 1] = -data[s + 1]
        } }
        return out
    }

    /// Makes the matrix exactly Hermitian: (A + Aᴴ)/2.
    mutating func hermitianize() {
        precondition(rows == columns)
        for j in 0..<columns {
            data[2 * (j + j * rows) + 1] = 0
            for i in (j + 1)..<max(rows, j + 1) {
                let a = 2 * (i + j * rows), b = 2 * (j + i * rows)
                let re = 0.5 * (data[a] + data[b]), im = 0.5 * (data[a + 1] - data[b + 1])
                data[a] = re; data[a + 1] = im; data[b] = re; data[b + 1] = -im
            }
        }
    }
}

/// C = α op(A) op(B) + β C with op ∈ {N, C} (conjugate transpose), through cblas_zgemm.
func zgemm(_ a: ComplexMatrix, _ b: ComplexMatrix, adjointA: Bool = false, adjointB: Bool = false,
           alpha: Double = 1, beta: Double = 0, into c: inout ComplexMatrix) {
    OpenBLASKernels.ensureSelected()
    let m = adjointA ? a.columns : a.rows
    let k = adjointA ? a.rows : a.columns
    let n = adjointB ? b.rows : b.columns
    precondition((adjointB ? b.columns : b.rows) == k, "zgemm: inner dimensions differ")
    precondition(c.rows == m && c.columns == n, "zgemm: output shape")
    if m == 0 || n == 0 { return }
    if k == 0 { if beta == 0 { for i in 0..<c.data.count { c.data[i] = 0 } }; return }
    var al = [alpha, 0.0], be = [beta, 0.0]
    a.data.withUnsafeBufferPointer { pa in b.data.withUnsafeBufferPointer { pb in
        c.data.withUnsafeMutableBufferPointer { pc in al.withUnsafeMutableBufferPointer { pal in
            be.withUnsafeMutableBufferPointer { pbe in
                cblas_zgemm(CblasColMajor, adjointA ? CblasConjTrans : CblasNoTrans,
                            adjointB ? CblasConjTrans : CblasNoTrans,
                            Int32(m), Int32(n), Int32(k), UnsafeRawPointer(pal.baseAddress!),
                            UnsafeRawPointer(pa.baseAddress!), Int32(max(1, a.rows)),
                            UnsafeRawPointer(pb.baseAddress!), Int32(max(1, b.rows)),
                            UnsafeRawPointer(pbe.baseAddress!), UnsafeMutableRawPointer(pc.baseAddress!),
                            Int32(max(1, m)))
            }
        } }
    } }
}

func zgemm(_ a: ComplexMatrix, _ b: ComplexMatrix, adjointA: Bool = false, adjointB: Bool = false) -> ComplexMatrix {
    var c = ComplexMatrix(rows: adjointA ? a.columns : a.rows, columns: adjointB ? b.rows : b.columns)
    zgemm(a, b, adjointA: adjointA, adjointB: adjointB, into: &c)
    return c
}

enum PlaneWaveLinearAlgebraError: Error, CustomStringConvertible {
    case lapack(String, Int32)
    var description: String {
        switch self { case .lapack(let f, let info): return "\(f) failed with info = \(info)" }
    }
}

/// All eigenpairs of a Hermitian matrix (ascending eigenvalues), via LAPACKE_zheevd_work.
///
/// Every array LAPACK sees is over-allocated by a page: OpenBLAS 0.3.21's Haswell `zgemv_n`
/// kernel (reached from zheevd through zhetrd/zlatrd) can read a few bytes past the end of its
/// arrays, which segfaults intermittently when an array ends at a page boundary (seen in the test
/// suite: "Bad pointer dereference" in zgemv_n_HASWELL). Hence the explicit workspaces.
func hermitianEigen(_ a: ComplexMatrix) throws -> (values: [Double], vectors: ComplexMatrix) {
    OpenBLASKernels.ensureSelected()
    precondition(a.rows == a.columns)
    let n = a.rows
    var w = [Double](repeating: 0, count: n + 512)
    if n == 0 { return ([], a) }
    let pad = 512   // doubles: 4 KiB
    var v = [Double](repeating: 0, count: 2 * n * n + pad)
    v.withUnsafeMutableBufferPointer { p in a.data.withUnsafeBufferPointer { p.baseAddress!.update(from: $0.baseAddress!, count: 2 * n * n) } }
    let jobz = Int8(UInt8(ascii: "V")), uplo = Int8(UInt8(ascii: "U"))
    // Workspace query.
    var qwork = [Double](repeating: 0, count: 2 + pad), qrwork = [Double](repeating: 0, count: 1 + pad)
    var qiwork = [Int32](repeating: 0, count: 1 + pad)
    var info = v.withUnsafeMutableBufferPointer { pv in w.withUnsafeMutableBufferPointer { pw in
        qwork.withUnsafeMutableBufferPointer { pq in qrwork.withUnsafeMutableBufferPointer { pr in qiwork.withUnsafeMutableBufferPointer { pi in
            LAPACKE_zheevd_work(LAPACK_COL_MAJOR, jobz, uplo, Int32(n), OpaquePointer(pv.baseAddress!), Int32(n), pw.baseAddress!,
                                OpaquePointer(pq.baseAddress!), -1, pr.baseAddress!, -1, pi.baseAddress!, -1)
        } } }
    } }
    guard info == 0 else { throw PlaneWaveLinearAlgebraError.lapack("zheevd (workspace query)", info) }
    let lwork = max(1, Int(qwork[0])), lrwork = max(1, Int(qrwork[0])), liwork = max(1, Int(qiwork[0]))
    var work = [Double](repeating: 0, count: 2 * lwork + pad), rwork = [Double](repeating: 0, count: lrwork + pad)
    var iwork = [Int32](repeating: 0, count: liwork + pad)
    info = v.withUnsafeMutableBufferPointer { pv in w.withUnsafeMutableBufferPointer { pw in
        work.withUnsafeMutableBufferPointer { pq in rwork.withUnsafeMutableBufferPointer { pr in iwork.withUnsafeMutableBufferPointer { pi in
            LAPACKE_zheevd_work(LAPACK_COL_MAJOR, jobz, uplo, Int32(n), OpaquePointer(pv.baseAddress!), Int32(n), pw.baseAddress!,
                                OpaquePointer(pq.baseAddress!), Int32(lwork), pr.baseAddress!, Int32(lrwork), pi.baseAddress!, Int32(liwork))
        } } }
    } }
    guard info == 0 else { throw PlaneWaveLinearAlgebraError.lapack("zheevd", info) }
    v.removeLast(pad)
    return (Array(w.prefix(n)), ComplexMatrix(rows: n, columns: n, data: v))
}
