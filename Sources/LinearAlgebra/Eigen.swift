import CLapack

/// Failures of the dense LAPACK drivers.
public enum LinearAlgebraError: Error, CustomStringConvertible, Equatable {
    case notConverged(routine: String, info: Int)
    case notPositiveDefinite(routine: String, info: Int)

    public var description: String {
        switch self {
        case let .notConverged(r, info): return "\(r) did not converge (info \(info))"
        case let .notPositiveDefinite(r, info): return "\(r): matrix is not positive definite (info \(info))"
        }
    }
}

/// Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix, LAPACK dsyevd.
public func symmetricEigen(_ a: Matrix) throws -> (values: [Double], vectors: Matrix) {
    ensureOpenBLASKernels()
    precondition(a.rows == a.columns)
    let n = a.rows
    var v = a
    var w = [Double](repeating: 0, count: n)
    if n == 0 { return (w, v) }
    let info = v.elements.withUnsafeMutableBufferPointer { pv in
        w.withUnsafeMutableBufferPointer { pw in
            LAPACKE_dsyevd(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "U")),
                           Int32(n), pv.baseAddress, Int32(n), pw.baseAddress)
        }
    }
    if info != 0 { throw LinearAlgebraError.notConverged(routine: "dsyevd", info: Int(info)) }
    return (w, v)
}

/// Solves F C = S C ε for symmetric F and positive-definite S (LAPACK dsygvd, itype 1).
/// Eigenvectors are S-orthonormal: Cᵀ S C = 1.
public func generalizedSymmetricEigen(_ f: Matrix, metric s: Matrix) throws -> (values: [Double], vectors: Matrix) {
    ensureOpenBLASKernels()
    precondition(f.rows == f.columns && s.rows == f.rows && s.columns == f.columns)
    let n = f.rows
    var a = f
    var b = s
    var w = [Double](repeating: 0, count: n)
    if n == 0 { return (w, a) }
    let info = a.elements.withUnsafeMutableBufferPointer { pa in
        b.elements.withUnsafeMutableBufferPointer { pb in
            w.withUnsafeMutableBufferPointer { pw in
                LAPACKE_dsygvd(LAPACK_COL_MAJOR, 1, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "U")),
                               Int32(n), pa.baseAddress, Int32(n), pb.baseAddress, Int32(n), pw.baseAddress)
            }
        }
    }
    if info > n { throw LinearAlgebraError.notPositiveDefinite(routine: "dsygvd", info: Int(info)) }
    if info != 0 { throw LinearAlgebraError.notConverged(routine: "dsygvd", info: Int(info)) }
    return (w, a)
}

/// Lower Cholesky factor L with A = L Lᵀ (LAPACK dpotrf); the upper triangle is zeroed.
public func choleskyLower(_ a: Matrix) throws -> Matrix {
    ensureOpenBLASKernels()
    precondition(a.rows == a.columns)
    let n = a.rows
    var l = a
    if n == 0 { return l }
    let info = l.elements.withUnsafeMutableBufferPointer { p in
        LAPACKE_dpotrf(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "L")), Int32(n), p.baseAddress, Int32(n))
    }
    if info != 0 { throw LinearAlgebraError.notPositiveDefinite(routine: "dpotrf", info: Int(info)) }
    for j in 0..<n { for i in 0..<j { l[i, j] = 0 } }
    return l
}

/// Solves A X = B for general square A (LAPACK dgesv); used by DIIS.
public func solveLinear(_ a: Matrix, _ b: [Double]) throws -> [Double] {
    ensureOpenBLASKernels()
    precondition(a.rows == a.columns && b.count == a.rows)
    let n = a.rows
    var lu = a
    var x = b
    var pivots = [Int32](repeating: 0, count: n)
    let info = lu.elements.withUnsafeMutableBufferPointer { pa in
        x.withUnsafeMutableBufferPointer { px in
            pivots.withUnsafeMutableBufferPointer { pp in
                LAPACKE_dgesv(LAPACK_COL_MAJOR, Int32(n), 1, pa.baseAddress, Int32(n), pp.baseAddress,
                              px.baseAddress, Int32(n))
            }
        }
    }
    if info != 0 { throw LinearAlgebraError.notConverged(routine: "dgesv", info: Int(info)) }
    return x
}
