import Foundation

/// The Ewald splitting shared by the energy and the forces: η ~ √π / Ω^{1/3} balances the two sums;
/// both are cut where the Gaussian factors fall below 1e-16 (r_max = (√(−ln tol) + 2)/η in real space,
/// g_max = 2η(√(−ln tol) + 2) in reciprocal space), and nR/nG bound the lattice and reciprocal
/// translations inside those radii (|n_i| ≤ r |b_i| / 2π for |A n| ≤ r, |m_i| ≤ g |a_i| / 2π for |B m| ≤ g).
struct EwaldSplitting {
    let volume: Double
    let reciprocal: Mat3
    let eta: Double
    let rmax: Double
    let gmax: Double
    let nR: [Int]
    let nG: [Int]

    init(lattice: Mat3) {
        volume = lattice.determinant
        reciprocal = (2 * Double.pi) * lattice.inverse.transposed
        eta = Double.pi.squareRoot() / cbrt(volume)
        let logTol = -log(1e-16)   // ≈ 36.8
        rmax = (logTol.squareRoot() + 2) / eta
        gmax = 2 * eta * (logTol.squareRoot() + 2)
        let recip = reciprocal, r = rmax, g = gmax
        nR = (0..<3).map { Int(ceil(r * vnorm(recip.columns[$0]) / (2 * Double.pi))) + 1 }
        nG = (0..<3).map { Int(ceil(g * vnorm(lattice.columns[$0]) / (2 * Double.pi))) }
    }

    var tuple: (Double, Mat3, Double, Double, Double, [Int], [Int]) { (volume, reciprocal, eta, rmax, gmax, nR, nG) }
}

/// Ion-ion (Ewald) energy of point charges Zion in a neutralising uniform background.
///
/// E = ½ Σ_ij Σ'_L Z_i Z_j erfc(η|τ_ij + L|)/|τ_ij + L|
///   + (2π/Ω) Σ_{G≠0} e^{−G²/4η²}/G² |Σ_i Z_i e^{iG·τ_i}|²  − η/√π Σ_i Z_i²  − π (Σ_i Z_i)²/(2Ωη²).
public func ewaldIonEnergy(lattice: Mat3, fractionalPositions: [SIMD3<Double>], charges: [Double]) -> Double {
    let (volume, recip, eta, rmax, gmax, nR, nG) = EwaldSplitting(lattice: lattice).tuple
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
