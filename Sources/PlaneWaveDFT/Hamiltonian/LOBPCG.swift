import Foundation

/// Outcome of an iterative eigensolve.
struct EigenSolution {
    var values: [Double]
    var vectors: ComplexMatrix
    var residualNorms: [Double]
    var iterations: Int
    var converged: Bool
    /// Number of vectors H was applied to (the cost measure of an eigensolve).
    var applications: Int = 0
}

extension ComplexMatrix {
    /// self − a·c (c: a.columns × self.columns), i.e. removes the components along a.
    mutating func subtract(_ a: ComplexMatrix, times c: ComplexMatrix, algebra: BlockAlgebra = .complex) {
        algebra.multiply(a, c, alpha: -1, beta: 1, into: &self)
    }

    func columnNorms() -> [Double] {
        (0..<columns).map { n in
            var s = 0.0
            let off = 2 * rows * n
            for k in 0..<(2 * rows) { s += data[off + k] * data[off + k] }
            return s.squareRoot()
        }
    }
}

/// Orthonormalises the columns of z (SVQB: Stathopoulos & Wu 2002), dropping directions whose
/// Gram eigenvalue is below `dropTolerance` relative to the largest, and applies the same
/// transformation to `companion` (e.g. A z). A second pass is made when the first Gram matrix was
/// ill-conditioned (smallest/largest eigenvalue below 1e-4): one pass leaves an orthogonality
/// error of about ε·κ(S).
func svqb(_ z: inout ComplexMatrix, companion: inout ComplexMatrix?, dropTolerance: Double = 1e-12,
          algebra: BlockAlgebra = .complex) throws {
    for _ in 0..<2 {
        if z.columns == 0 { return }
        var s = algebra.gram(z, z)
        s.hermitianize()
        let m = s.columns
        var dInv = [Double](repeating: 1, count: m)
        for i in 0..<m { let v = s[i, i].re; dInv[i] = v > 0 ? 1 / v.squareRoot() : 0 }
        for j in 0..<m { for i in 0..<m {
            let f = dInv[i] * dInv[j]; let k = 2 * (i + j * m)
            s.data[k] *= f; s.data[k + 1] *= f
        } }
        let (theta, u) = try algebra.eigen(s)
        let top = theta.last ?? 0
        let keep = (0..<m).filter { theta[$0] > dropTolerance * max(top, 1e-300) }
        var t = ComplexMatrix(rows: m, columns: keep.count)
        for (c, col) in keep.enumerated() {
            let f = 1 / theta[col].squareRoot()
            for i in 0..<m {
                let (re, im) = u[i, col]
                t[i, c] = (re * dInv[i] * f, im * dInv[i] * f)
            }
        }
        z = algebra.multiply(z, t)
        if let comp = companion { companion = algebra.multiply(comp, t) }
        if keep.count == m, let low = theta.first, low > 1e-4 * top { return }
    }
}

/// Σ_b blocks[b] · c[rows of block b, :] — a product [B₁ B₂ …] C without concatenating the blocks.
func combine(_ blocks: [ComplexMatrix], _ c: ComplexMatrix, algebra: BlockAlgebra = .complex) -> ComplexMatrix {
    var out = ComplexMatrix(rows: blocks.first?.rows ?? 0, columns: c.columns)
    var row = 0
    for (b, block) in blocks.enumerated() where block.columns > 0 {
        var part = ComplexMatrix(rows: block.columns, columns: c.columns)
        for j in 0..<c.columns {
            let src = 2 * (row + j * c.rows), dst = 2 * j * block.columns
            for k in 0..<(2 * block.columns) { part.data[dst + k] = c.data[src + k] }
        }
        algebra.multiply(block, part, alpha: 1, beta: b == 0 ? 0 : 1, into: &out)
        row += block.columns
    }
    return out
}

/// Locally optimal block preconditioned conjugate gradient for the lowest eigenpairs of a
/// Hermitian operator (Knyazev 2001) with soft locking of converged columns. Convergence:
/// ‖Hx − λx‖ < tolerance for the first `converge` columns.
///
/// The basis [X, P, W] is kept orthonormal as in Hetmaniuk & Lehoucq (J. Comput. Phys. 218, 324
/// (2006)): W is orthogonalised against [X, P] (twice, each time followed by SVQB); the new search
/// directions are P' = Y C_P with C_P the Ritz coefficients' W and P rows orthogonalised against the
/// Ritz vectors' coefficients C_X in the small space, so P' ⊥ X' and orthonormal without any
/// operation on long vectors. Rayleigh-Ritz uses only the upper blocks of Yᴴ A Y (Hermitian).
///
/// With `algebra.timeReversalReal`, `apply` and `precondition` must map time-reversal-real vectors
/// (`timeReversalPartners`) to such vectors; the initial vectors and each block of new search
/// directions are projected onto them, and all small matrices are real.
func lobpcg(apply: (ComplexMatrix) -> ComplexMatrix, initial: ComplexMatrix,
            precondition: (ComplexMatrix, ComplexMatrix) -> ComplexMatrix,
            tolerance: Double, converge: Int, maxIterations: Int = 100,
            algebra: BlockAlgebra = .complex) throws -> EigenSolution {
    let m = initial.columns
    var x = initial
    algebra.keepTimeReversalReal(&x)
    var none: ComplexMatrix? = nil
    try svqb(&x, companion: &none, algebra: algebra)
    guard x.columns == m else { throw PlaneWaveError.numerical("LOBPCG: initial guess is rank deficient") }
    var ax = apply(x)
    var applications = m
    var lambda: [Double] = []
    /// Rayleigh-Ritz on X alone (start, and after re-orthonormalisation).
    func rayleighRitzX() throws {
        var h = algebra.gram(x, ax); h.hermitianize()
        let (vals, c) = try algebra.eigen(h)
        x = algebra.multiply(x, c); ax = algebra.multiply(ax, c); lambda = vals
    }
    try rayleighRitzX()
    var p = ComplexMatrix(rows: x.rows, columns: 0), ap = ComplexMatrix(rows: x.rows, columns: 0)
    var norms = [Double](repeating: .infinity, count: m)
    var iteration = 0
    while true {
        // Residuals.
        var r = ax
        for n in 0..<m {
            let off = 2 * x.rows * n
            for k in 0..<(2 * x.rows) { r.data[off + k] -= lambda[n] * x.data[off + k] }
        }
        norms = r.columnNorms()
        let done = norms.prefix(converge).allSatisfy { $0 < tolerance }
        if done || iteration >= maxIterations {
            return EigenSolution(values: lambda, vectors: x, residualNorms: norms, iterations: iteration, converged: done,
                                 applications: applications)
        }
        iteration += 1
        let active = (0..<m).filter { norms[$0] >= tolerance * 0.1 }
        var ractive = ComplexMatrix(rows: r.rows, columns: active.count)
        var xactive = ComplexMatrix(rows: r.rows, columns: active.count)
        for (c, n) in active.enumerated() {
            let src = 2 * r.rows * n, dst = 2 * r.rows * c
            for k in 0..<(2 * r.rows) { ractive.data[dst + k] = r.data[src + k]; xactive.data[dst + k] = x.data[src + k] }
        }
        var w = precondition(ractive, xactive)
        algebra.keepTimeReversalReal(&w)
        for _ in 0..<2 {
            w.subtract(x, times: algebra.gram(x, w), algebra: algebra)
            if p.columns > 0 { w.subtract(p, times: algebra.gram(p, w), algebra: algebra) }
            try svqb(&w, companion: &none, algebra: algebra)
        }
        let aw = apply(w)
        applications += w.columns
        // Rayleigh-Ritz in Y = [X, P, W] (orthonormal): upper blocks of Yᴴ A Y.
        let blocks = [x, p, w], ablocks = [ax, ap, aw]
        let sizes = blocks.map(\.columns)
        let offsets = [0, sizes[0], sizes[0] + sizes[1]]
        let dim = sizes.reduce(0, +)
        var h = ComplexMatrix(rows: dim, columns: dim)
        for j in 0..<3 where sizes[j] > 0 { for i in 0...j where sizes[i] > 0 {
            let hb = algebra.gram(blocks[i], ablocks[j])
            for b in 0..<sizes[j] { for a in 0..<sizes[i] {
                let (re, im) = hb[a, b]
                h[offsets[i] + a, offsets[j] + b] = (re, im)
                if i < j { h[offsets[j] + b, offsets[i] + a] = (re, -im) }
            } }
        } }
        h.hermitianize()
        let (vals, c) = try algebra.eigen(h)
        let cx = c.columns(0..<m)
        // Search directions: the P and W rows of C_X, made orthogonal to C_X and orthonormal.
        var cp = cx
        for j in 0..<m { for i in 0..<m { cp[i, j] = (0, 0) } }
        for _ in 0..<2 { cp.subtract(cx, times: zgemm(cx, cp, adjointA: true)) }
        try svqb(&cp, companion: &none, dropTolerance: 1e-10, algebra: algebra)
        x = combine(blocks, cx, algebra: algebra); ax = combine(ablocks, cx, algebra: algebra)
        p = combine(blocks, cp, algebra: algebra); ap = combine(ablocks, cp, algebra: algebra)
        lambda = Array(vals.prefix(m))
        // Restore orthonormality of X against drift; restart the search directions.
        if iteration % 10 == 0 {
            var comp: ComplexMatrix? = ax
            try svqb(&x, companion: &comp, algebra: algebra)
            guard x.columns == m else { throw PlaneWaveError.numerical("LOBPCG lost rank") }
            ax = comp!
            try rayleighRitzX()
            p = ComplexMatrix(rows: x.rows, columns: 0); ap = p
        }
    }
}

/// Kinetic (TPA-like) preconditioner: r_G / (½|k+G|² + ⟨x|T|x⟩) per column.
func kineticPreconditioner(kinetic: [Double]) -> (ComplexMatrix, ComplexMatrix) -> ComplexMatrix {
    { r, x in
        var w = r
        for n in 0..<r.columns {
            let off = 2 * r.rows * n
            var meanKin = 0.0
            for g in 0..<r.rows {
                meanKin += kinetic[g] * (x.data[off + 2 * g] * x.data[off + 2 * g] + x.data[off + 2 * g + 1] * x.data[off + 2 * g + 1])
            }
            meanKin = max(meanKin, 0.1)
            for g in 0..<r.rows {
                let f = 1 / (kinetic[g] + meanKin)
                w.data[off + 2 * g] *= f; w.data[off + 2 * g + 1] *= f
            }
        }
        return w
    }
}
