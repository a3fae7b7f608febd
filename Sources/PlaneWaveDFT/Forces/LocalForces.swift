import Foundation

extension AtomicLocalTerm {
    /// Hellmann-Feynman forces of the local pseudopotential (hartree/bohr, Cartesian) at fixed ρ.
    ///
    /// The energy is E = (Ω/N) Σ_r V(r) ρ(r) with V(r) = Re Σ_G V̂(G) e^{iG·r} and
    /// V̂(G) = Ω⁻¹ Σ_a e^{−iG·τ_a} v_a(|G|) (G = 0 dropped), exactly as `potential(basis:)` builds it,
    /// so differentiating the structure factor gives, with ρ̂(G) = N⁻¹ Σ_r ρ(r) e^{−iG·r},
    ///
    ///   F_a = −∂E/∂τ_a = Σ_{G≠0} G v_a(|G|) Re[i e^{−iG·τ_a} ρ̂(G)*]
    ///
    /// (Nyquist planes of even grids included, the sum runs over the whole FFT grid as the potential does).
    func forces(basis: PlaneWaveBasis, density rho: [Double]) -> [SIMD3<Double>] {
        let model = basis.model
        let rhat = basis.fft.realToFourier(rho)
        var forces = [SIMD3<Double>](repeating: .zero, count: model.atomCount)
        var formFactors = LocalFormFactors(model: model)
        for j in 0..<basis.gridCount {
            let g2 = basis.gridG2[j]
            if g2 == 0 { continue }
            let g = basis.gridG[j]
            let gc = basis.gridGCart[j]
            let rr = rhat[2 * j], ri = rhat[2 * j + 1]
            for a in 0..<model.atomCount {
                let ff = formFactors.value(species: model.species[a], g2: g2)
                let p = model.positions[a]
                let t = -2 * Double.pi * (Double(g.x) * p.x + Double(g.y) * p.y + Double(g.z) * p.z)
                // i e^{it} (rr − i ri) = i(c + i s)(rr − i ri); real part = −(s rr − c ri) = c ri − s rr
                let re = cos(t) * ri - sin(t) * rr
                forces[a] += (ff * re) * gc
            }
        }
        return forces
    }
}
