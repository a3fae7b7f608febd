import Foundation

/// Ion-ion (Ewald) energy of point charges Zion in a neutralising uniform background.
///
/// E = ½ Σ_ij Σ'_L Z_i Z_j erfc(η|τ_ij + L|)/|τ_ij + L|
///   + (2π/Ω) Σ_{G≠0} e^{−G²/4η²}/G² |Σ_i Z_i e^{iG·τ_i}|²  − η/√π Σ_i Z_i²  − π (Σ_i Z_i)²/(2Ωη²).
public func ewaldIonEnergy(lattice: Mat3, fractionalPositions: [SIMD3<Double>], charges: [Double]) -> Double {
    let volume = lattice.determinant
    let recip = (2 * Double.pi) * lattice.inverse.transposed
    // Balance the two sums: η ~ √π / Ω^{1/3}.
    let eta = Double.pi.squareRoot() / cbrt(volume)
    let tol = 1e-16
    let logTol = -log(tol)   // ≈ 36.8
    let rmax = (logTol.squareRoot() + 2) / eta
    let gmax = 2 * eta * (logTol.squareRoot() + 2)
    // |n_i| bound for |A n| ≤ r: |n_i| ≤ r |b_i| / 2π, and for |B m| ≤ g: |m_i| ≤ g |a_i| / 2π.
    let nR = (0..<3).map { Int(ceil(rmax * vnorm(recip.columns[$0]) / (2 * Double.pi))) + 1 }
    let nG = (0..<3).map { Int(ceil(gmax * vnorm(lattice.columns[$0]) / (2 * Double.pi))) }
    let cart = fractionalPositions.map { lattice * $0 }
    let n = charges.count

    var real = 0.0
    for i in 0..<n { for j in 0..<n {
        let dij = cart[j] - cart[i]
        for a in -nR[0]...nR[0] { for b in -nR[1]...nR[1] { for c in -nR[2]...nR[2] {
            if i == j && a == 0 && b == 0 && c == 0 { continue }
            let r = vnorm(dij + lattice * SIMD3(Double(a), Double(b), Double(c)))
            if r > rmax { continue }
            real += 0.5 * charges[i] * charges[j] * erfc(eta * r) / r
        } } }
    } }
    var reciprocal = 0.0
    for a in -nG[0]...nG[0] { for b in -nG[1]...nG[1] { for c in -nG[2]...nG[2] {
        if a == 0 && b == 0 && c == 0 { continue }
        let gf = SIMD3(Double(a), Double(b), Double(c))
        let g = recip * gf
        let g2 = vdot(g, g)
        if g2 > gmax * gmax { continue }
        var sr = 0.0, si = 0.0
        for i in 0..<n {
            let phase = 2 * Double.pi * vdot(gf, fractionalPositions[i])
            sr += charges[i] * cos(phase); si += charges[i] * sin(phase)
        }
        reciprocal += exp(-g2 / (4 * eta * eta)) / g2 * (sr * sr + si * si)
    } } }
    reciprocal *= 2 * Double.pi / volume
    let total = charges.reduce(0, +)
    let selfTerm = -eta / Double.pi.squareRoot() * charges.reduce(0) { $0 + $1 * $1 }
    let background = -Double.pi * total * total / (2 * volume * eta * eta)
    return real + reciprocal + selfTerm + background
}

extension Model {
    /// Ewald energy of the ionic charges Zion.
    public var ewaldEnergy: Double {
        ewaldIonEnergy(lattice: lattice, fractionalPositions: positions,
                                 charges: (0..<atomCount).map { Double(zion(atom: $0)) })
    }

    /// The pseudopotential G = 0 correction (DFTK's PspCorrection):
    /// (N_el/Ω) Σ_atoms lim_{q→0} [V̂_loc(q) + 4π Zion/q²].
    public var pspCorrectionEnergy: Double {
        let sum = species.reduce(0.0) { $0 + pseudopotentials[$1].localLimitNonCoulomb }
        return Double(electronCount) / volume * sum
    }
}
