import Foundation

/// Outcome of an iterative eigensolve.
struct EigenSolution {
    var values: [Double]
    var vectors: ComplexMatrix
    var residualNorms: [Double]
    var iterations: Int
    var converged: Bool
}

extension ComplexMatrix {
    /// self − a·c (c: a.columns × self.columns), i.e. removes the components along a.
    mutating func subtract(_ a: ComplexMatrix, times c: ComplexMatrix) {
        zgemm(a, c, alpha: -1, beta: 1, into: &self)
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
/// Gram eigenvalue is below `dropTolerance` relative to the largest. Returns the transformation T
/// (z T has orthonormal columns), applied twice for stability.
func svqb(_ z: inout ComplexMatrix, companion: inout ComplexMatrix?, dropTolerance: Double = 1e-12) throws {
    for _ in 0..<2 {
        if z.columns == 0 { return }
        var s = zgemm(z, z, adjointA: true)
        s.hermitianize()
        let m = s.columns
        var dInv = [Double](repeating: 1, count: m)
        for i in 0..<m { let v = s[i, i].re; dInv[i] = v > 0 ? 1 / v.squareRoot() : 0 }
        for j in 0..<m { for i in 0..<m {
            let f = dInv[i] * dInv[j]; let k = 2 * (i + j * m)
            s.data[k] *= f; s.data[k + 1] *= f
        } }
        let (theta, u) = try hermitianEigen(s)
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
        z = zgemm(z, t)
        if let comp = companion { companion = zgemm(comp, t) }
    }
}

/// Locally optimal block preconditioned conjugate gradient for the lowest eigenpairs of a
/// Hermitian operator (Knyazev 2001), with the basis [X, W, P] orthonormalised by SVQB and
/// soft locking of converged columns. Convergence: ‖Hx − λx‖ < tolerance for the first
/// `converge` columns.
func lobpcg(apply: (ComplexMatrix) -> ComplexMatrix, initial: ComplexMatrix,
            precondition: (ComplexMatrix, ComplexMatrix) -> ComplexMatrix,
            tolerance: Double, converge: Int, maxIterations: Int = 100) throws -> EigenSolution {
    let m = initial.columns
    var x = initial
    var none: ComplexMatrix? = nil
    try svqb(&x, companion: &none)
    guard x.columns == m else { throw PlaneWaveError.numerical("LOBPCG: initial guess is rank deficient") }
    var ax = apply(x)
    // Rayleigh-Ritz on X.
    var lambda: [Double]
    do {
        var h = zgemm(x, ax, adjointA: true); h.hermitianize()
        let (vals, c) = try hermitianEigen(h)
        x = zgemm(x, c); ax = zgemm(ax, c); lambda = vals
    }
    var p: ComplexMatrix? = nil, ap: ComplexMatrix? = nil
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
            return EigenSolution(values: lambda, vectors: x, residualNorms: norms, iterations: iteration, converged: done)
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
        w.subtract(x, times: zgemm(x, w, adjointA: true))
        try svqb(&w, companion: &none)
        w.subtract(x, times: zgemm(x, w, adjointA: true))
        try svqb(&w, companion: &none)
        let aw = apply(w)
        var blocks = [x, w], ablocks = [ax, aw]
        if var pp = p, var app = ap {
            let cx = zgemm(x, pp, adjointA: true)
            pp.subtract(x, times: cx); app.subtract(ax, times: cx)
            let cw = zgemm(w, pp, adjointA: true)
            pp.subtract(w, times: cw); app.subtract(aw, times: cw)
            var comp: ComplexMatrix? = app
            try svqb(&pp, companion: &comp)
            if pp.columns > 0 { blocks.append(pp); ablocks.append(comp!) }
        }
        let y = ComplexMatrix.hcat(blocks), ay = ComplexMatrix.hcat(ablocks)
        var h = zgemm(y, ay, adjointA: true); h.hermitianize()
        let (vals, c) = try hermitianEigen(h)
        let cm = c.columns(0..<m)
        let newX = zgemm(y, cm), newAX = zgemm(ay, cm)
        // P = the non-X part of the update.
        var cRest = ComplexMatrix(rows: y.columns - m, columns: m)
        for j in 0..<m { for i in m..<y.columns { cRest[i - m, j] = cm[i, j] } }
        let restY = ComplexMatrix(rows: y.rows, columns: y.columns - m, data: Array(y.data[(2 * y.rows * m)...]))
        let restAY = ComplexMatrix(rows: ay.rows, columns: ay.columns - m, data: Array(ay.data[(2 * ay.rows * m)...]))
        p = zgemm(restY, cRest); ap = zgemm(restAY, cRest)
        x = newX; ax = newAX; lambda = Array(vals.prefix(m))
        // Keep X orthonormal against drift.
        if iteration % 10 == 0 {
            var comp: ComplexMatrix? = ax
            try svqb(&x, companion: &comp)
            guard x.columns == m else { throw PlaneWaveError.numerical("LOBPCG lost rank") }
            ax = comp!
            var hh = zgemm(x, ax, adjointA: true); hh.hermitianize()
            let (v2, c2) = try hermitianEigen(hh)
            x = zgemm(x, c2); ax = zgemm(ax, c2); lambda = v2
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
