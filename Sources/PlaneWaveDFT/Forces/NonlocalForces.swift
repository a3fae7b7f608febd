import Foundation

extension AtomicNonlocalTerm {
    /// Columns of `projectors(basis:kpoint:)` that belong to each atom (same order: atoms, then
    /// channels with projectors, then m, then i).
    static func projectorRanges(model: Model) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        for a in 0..<model.atomCount {
            let psp = model.pseudopotentials[model.species[a]]
            let n = psp.channels.filter { $0.count > 0 }.reduce(0) { $0 + (2 * $1.l + 1) * $1.count }
            ranges.append(start..<(start + n))
            start += n
        }
        return ranges
    }

    /// Hellmann-Feynman forces of the nonlocal pseudopotential (hartree/bohr, Cartesian) at fixed ψ.
    ///
    /// E_nl = Σ_k w_k Σ_n f_nk P_nᴴ D P_n with P = Bᴴψ and B[G, p] ∝ e^{−i(k+G)·τ_a} for the
    /// projectors p of atom a, so ∂B/∂τ_a,α = −i(k+G)_α B and
    ///
    ///   F_a,α = −Σ_k w_k Σ_n f_nk 2 Re Σ_{p∈a} [(∂_α B)ᴴ ψ_n]_p* [D Bᴴ ψ_n]_p
    ///
    /// (DFTK `compute_forces` for `TermAtomicNonlocal`). Summed over the k-points given, i.e. the
    /// irreducible ones when symmetry is used: symmetrise afterwards (`symmetrizeForces`).
    func forces(basis: PlaneWaveBasis, projectors: [NonlocalProjectors], orbitals: [ComplexMatrix],
                occupations: [[Double]]) -> [SIMD3<Double>] {
        let model = basis.model
        let ranges = Self.projectorRanges(model: model)
        var forces = [SIMD3<Double>](repeating: .zero, count: model.atomCount)
        for (ik, kp) in basis.kpoints.enumerated() where projectors[ik].count > 0 {
            let b = projectors[ik].b
            let psi = orbitals[ik]
            let p = zgemm(b, psi, adjointA: true)
            let dp = zgemm(projectors[ik].d, p)
            let bands = min(occupations[ik].count, psi.columns)
            for alpha in 0..<3 {
                // ∂B = −i q_α B: (re + i im)(−i q) = q im − i q re.
                var db = b
                for col in 0..<b.columns {
                    for g in 0..<b.rows {
                        let k = 2 * (g + col * b.rows)
                        let q = kp.kPlusG[g][alpha]
                        let re = b.data[k], im = b.data[k + 1]
                        db.data[k] = q * im; db.data[k + 1] = -q * re
                    }
                }
                let dproj = zgemm(db, psi, adjointA: true)
                for n in 0..<bands where occupations[ik][n] != 0 {
                    let weight = kp.weight * occupations[ik][n]
                    for a in 0..<model.atomCount {
                        var s = 0.0
                        for r in ranges[a] {
                            let k = 2 * (r + n * p.rows)
                            // Re[conj(dproj) · dp]
                            s += dproj.data[k] * dp.data[k] + dproj.data[k + 1] * dp.data[k + 1]
                        }
                        forces[a][alpha] -= 2 * weight * s
                    }
                }
            }
        }
        return forces
    }
}
