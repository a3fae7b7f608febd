import Foundation

/// Forces (hartree/bohr, Cartesian) of the Ewald ion-ion energy of point charges Zion in a
/// neutralising background: F_i = −∂E_Ewald/∂τ_i, with E as in `ewaldIonEnergy` (same η and
/// cutoffs, so the two are consistent to the summation tolerance 1e-16).
///
/// Real space: F_i = Σ_j Σ'_L Z_i Z_j [erfc(ηr)/r² + (2η/√π) e^{−η²r²}/r] (τ_i − τ_j − L)/r,
/// r = |τ_i − τ_j − L|.
/// Reciprocal space: F_i = (4π/Ω) Z_i Σ_{G≠0} e^{−G²/4η²}/G² · G · Im[e^{iG·τ_i} S*(G)],
/// S(G) = Σ_j Z_j e^{iG·τ_j}. The self and background terms do not depend on positions.
public func ewaldIonForces(lattice: Mat3, fractionalPositions: [SIMD3<Double>], charges: [Double]) -> [SIMD3<Double>] {
    let (volume, recip, eta, rmax, gmax, nR, nG) = EwaldSplitting(lattice: lattice).tuple
    let cart = fractionalPositions.map { lattice * $0 }
    let n = charges.count
    var forces = [SIMD3<Double>](repeating: .zero, count: n)
    let twoEtaOverSqrtPi = 2 * eta / Double.pi.squareRoot()

    for i in 0..<n { for j in 0..<n {
        let dij = cart[i] - cart[j]
        for a in -nR[0]...nR[0] { for b in -nR[1]...nR[1] { for c in -nR[2]...nR[2] {
            if i == j && a == 0 && b == 0 && c == 0 { continue }
            let d = dij - lattice * SIMD3(Double(a), Double(b), Double(c))
            let r = vnorm(d)
            if r > rmax { continue }
            let magnitude = erfc(eta * r) / (r * r) + twoEtaOverSqrtPi * exp(-eta * eta * r * r) / r
            forces[i] += (charges[i] * charges[j] * magnitude / r) * d
        } } }
    } }

    for a in -nG[0]...nG[0] { for b in -nG[1]...nG[1] { for c in -nG[2]...nG[2] {
        if a == 0 && b == 0 && c == 0 { continue }
        let gf = SIMD3(Double(a), Double(b), Double(c))
        let g = recip * gf
        let g2 = vdot(g, g)
        if g2 > gmax * gmax { continue }
        var phases = [(Double, Double)](repeating: (0, 0), count: n)
        var sr = 0.0, si = 0.0
        for i in 0..<n {
            let t = 2 * Double.pi * vdot(gf, fractionalPositions[i])
            phases[i] = (cos(t), sin(t))
            sr += charges[i] * phases[i].0; si += charges[i] * phases[i].1
        }
        let pref = 4 * Double.pi / volume * exp(-g2 / (4 * eta * eta)) / g2
        for i in 0..<n {
            // Im[(cos + i sin)(sr − i si)] = sin·sr − cos·si
            let im = phases[i].1 * sr - phases[i].0 * si
            forces[i] += (pref * charges[i] * im) * g
        }
    } } }
    return forces
}

extension Model {
    /// Ewald forces on the ionic charges Zion (hartree/bohr, Cartesian).
    public var ewaldForces: [SIMD3<Double>] {
        ewaldIonForces(lattice: lattice, fractionalPositions: positions,
                       charges: (0..<atomCount).map { Double(zion(atom: $0)) })
    }
}
