import LinearAlgebra

// Every gradient term is a contraction of derivative integrals with a density-like matrix
// (D, W, D⊗D). With spherical AOs χ_m = Σ_c T[c, m] φ_c (Shell.swift), any such contraction
// equals the same contraction over the *cartesian* functions φ_c with the matrix
//   P_cart = T P Tᵀ   (T block-diagonal, one ncart × nsph block per shell),
// so all gradient code works on the cartesian basis only and never transforms integrals.

extension MolecularBasis {
    /// The same shells with cartesian AOs (identical to `self` when already cartesian).
    var cartesianCounterpart: MolecularBasis {
        spherical ? MolecularBasis(shells: shells, spherical: false, atomicNumbers: atomicNumbers, positions: positions) : self
    }

    /// P_cart = T P Tᵀ for a matrix `p` over this basis's AOs, in the AO order of
    /// `cartesianCounterpart` (returns `p` when the basis is cartesian).
    func cartesianMatrix(_ p: Matrix) -> Matrix {
        guard spherical else { return p }
        let cart = cartesianCounterpart
        let nc = cart.aoCount, ns = aoCount
        // T as a dense nc × ns matrix (small molecules: fine).
        var t = Matrix(rows: nc, columns: ns)
        for (i, s) in shells.enumerated() {
            let l = s.angularMomentum
            let tr = sphericalTransform(l: l)
            let oc = cart.aoOffsets[i], os = aoOffsets[i]
            for m in 0..<tr.columns { for c in 0..<tr.rows { t[oc + c, os + m] = tr[c, m] } }
        }
        var tp = Matrix(rows: nc, columns: ns)
        gemm(t, p, into: &tp)
        var out = Matrix(rows: nc, columns: nc)
        gemm(tp, t, transposeB: true, into: &out)
        return out
    }
}
