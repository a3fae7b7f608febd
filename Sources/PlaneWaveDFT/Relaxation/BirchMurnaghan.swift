import Foundation

/// Third-order Birch-Murnaghan equation of state (Birch, Phys. Rev. 71, 809 (1947)):
///
///   E(V) = E0 + (9 V0 B0 / 16) { [η − 1]³ B0' + [η − 1]² (6 − 4η) },   η = (V0/V)^{2/3}.
///
/// Units are those of the data it was fitted to (here bohr³ and hartree, so B0 in Ha/bohr³);
/// `b0GPa` and `v0Angstrom3` convert.
public struct BirchMurnaghanFit: Sendable, Codable, Equatable {
    /// Equilibrium volume V0 (bohr³).
    public var v0: Double
    /// Energy at V0 (hartree).
    public var e0: Double
    /// Bulk modulus at V0 (hartree/bohr³).
    public var b0: Double
    /// dB/dP at V0 (dimensionless).
    public var b0Prime: Double
    /// Root-mean-square residual of the fit (hartree).
    public var rmsResidual: Double

    /// 1 hartree/bohr³ in GPa (CODATA 2018: E_h = 4.3597447222071e-18 J, a0 = 0.529177210903e-10 m).
    public static let hartreePerBohr3InGPa = 29421.0156965221

    public var b0GPa: Double { b0 * Self.hartreePerBohr3InGPa }
    public var v0Angstrom3: Double { v0 * pow(0.529177210903, 3) }

    public init(v0: Double, e0: Double, b0: Double, b0Prime: Double, rmsResidual: Double = 0) {
        self.v0 = v0; self.e0 = e0; self.b0 = b0; self.b0Prime = b0Prime; self.rmsResidual = rmsResidual
    }

    /// E(V) of the equation of state.
    public func energy(volume v: Double) -> Double {
        let eta = pow(v0 / v, 2.0 / 3.0)
        let d = eta - 1
        return e0 + 9 * v0 * b0 / 16 * (d * d * d * b0Prime + d * d * (6 - 4 * eta))
    }

    /// Least-squares fit to (V, E) points (at least 4, distinct volumes).
    ///
    /// BM3 is exactly a cubic polynomial in x = V^{−2/3}, and the map between (E0, V0, B0, B0')
    /// and the cubic's coefficients is one to one where the cubic has a minimum, so the linear
    /// least-squares cubic is the least-squares BM3 fit (no iteration, no starting guess). From the
    /// cubic: V0 where dE/dx = 0 with d²E/dx² > 0; B0 = V E_VV; B0' = −1 − V E_VVV / E_VV.
    /// Throws when the data have no minimum (e.g. monotonic energies) or too few points.
    public static func fit(volumes: [Double], energies: [Double]) throws -> BirchMurnaghanFit {
        guard volumes.count == energies.count, volumes.count >= 4 else {
            throw PlaneWaveError.badSettings("a Birch-Murnaghan fit needs at least 4 (volume, energy) points, got \(min(volumes.count, energies.count))")
        }
        guard volumes.allSatisfy({ $0 > 0 && $0.isFinite }), energies.allSatisfy(\.isFinite) else {
            throw PlaneWaveError.numerical("equation-of-state data must be finite with positive volumes")
        }
        let xs = volumes.map { pow($0, -2.0 / 3.0) }
        let mean = xs.reduce(0, +) / Double(xs.count)
        let scale = xs.map { abs($0 - mean) }.max()!
        guard scale > 1e-12 * mean else { throw PlaneWaveError.badSettings("equation-of-state volumes must differ") }
        let ts = xs.map { ($0 - mean) / scale }
        // Normal equations of the cubic in the scaled variable t ∈ [−1, 1] (well conditioned).
        var a = [[Double]](repeating: [Double](repeating: 0, count: 4), count: 4)
        var rhs = [Double](repeating: 0, count: 4)
        for (t, e) in zip(ts, energies) {
            let p = [1, t, t * t, t * t * t]
            for i in 0..<4 { rhs[i] += p[i] * e; for j in 0..<4 { a[i][j] += p[i] * p[j] } }
        }
        guard let c = solveLinearSystem(a, rhs) else {
            throw PlaneWaveError.numerical("equation-of-state fit is singular (need 4 distinct volumes)")
        }
        // Stationary points of E(t): c1 + 2 c2 t + 3 c3 t² = 0; keep the minimum (E'' > 0) nearest t = 0.
        var candidates: [Double] = []
        if abs(c[3]) < 1e-14 * max(abs(c[2]), abs(c[1]), 1e-300) {
            if c[2] != 0 { candidates = [-c[1] / (2 * c[2])] }
        } else {
            let disc = 4 * c[2] * c[2] - 12 * c[3] * c[1]
            if disc >= 0 {
                let s = disc.squareRoot()
                candidates = [(-2 * c[2] + s) / (6 * c[3]), (-2 * c[2] - s) / (6 * c[3])]
            }
        }
        let minima = candidates.filter { 2 * c[2] + 6 * c[3] * $0 > 0 }
        guard let t0 = minima.min(by: { abs($0) < abs($1) }) else {
            throw PlaneWaveError.numerical("the energies have no minimum as a function of volume (no equation-of-state fit)")
        }
        let x0 = mean + scale * t0
        guard x0 > 0 else { throw PlaneWaveError.numerical("equation-of-state minimum at a non-physical volume") }
        // Derivatives in x, then in V through x(V) = V^{−2/3}.
        let ex = (c[1] + 2 * c[2] * t0 + 3 * c[3] * t0 * t0) / scale
        let exx = (2 * c[2] + 6 * c[3] * t0) / (scale * scale)
        let exxx = 6 * c[3] / (scale * scale * scale)
        let v = pow(x0, -1.5)
        let x1 = -2.0 / 3 * pow(v, -5.0 / 3), x2 = 10.0 / 9 * pow(v, -8.0 / 3), x3 = -80.0 / 27 * pow(v, -11.0 / 3)
        let evv = exx * x1 * x1 + ex * x2
        let evvv = exxx * x1 * x1 * x1 + 3 * exx * x1 * x2 + ex * x3
        let e0 = c[0] + c[1] * t0 + c[2] * t0 * t0 + c[3] * t0 * t0 * t0
        var fit = BirchMurnaghanFit(v0: v, e0: e0, b0: v * evv, b0Prime: -1 - v * evvv / evv)
        let r2 = zip(volumes, energies).reduce(0.0) { let d = fit.energy(volume: $1.0) - $1.1; return $0 + d * d }
        fit.rmsResidual = (r2 / Double(volumes.count)).squareRoot()
        return fit
    }
}

/// Gaussian elimination with partial pivoting for a small dense system; nil if singular.
func solveLinearSystem(_ matrix: [[Double]], _ rhs: [Double]) -> [Double]? {
    let n = rhs.count
    var a = matrix, b = rhs
    let norm = a.flatMap { $0 }.map(abs).max() ?? 0
    guard norm > 0 else { return nil }
    for col in 0..<n {
        let pivot = (col..<n).max { abs(a[$0][col]) < abs(a[$1][col]) }!
        guard abs(a[pivot][col]) > 1e-14 * norm else { return nil }
        a.swapAt(col, pivot); b.swapAt(col, pivot)
        for row in (col + 1)..<n {
            let f = a[row][col] / a[col][col]
            if f == 0 { continue }
            for k in col..<n { a[row][k] -= f * a[col][k] }
            b[row] -= f * b[col]
        }
    }
    var x = [Double](repeating: 0, count: n)
    for row in stride(from: n - 1, through: 0, by: -1) {
        var s = b[row]
        for k in (row + 1)..<n { s -= a[row][k] * x[k] }
        x[row] = s / a[row][row]
    }
    return x
}
