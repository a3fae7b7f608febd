import LinearAlgebra

extension HamiltonianEnergy {
    /// k damped Roothaan steps from a density D₀ with Fock matrix F₀ = F[D₀] (not differentiated):
    ///
    ///     F_j C = S C ε,   D'_j = 2 C_occ C_occᵀ,   D_{j+1} = (1 − α) D_j + α D'_j,   F_{j+1} = F[D_{j+1}]
    ///
    /// with mixing α (α = 1: plain Roothaan steps; α = ½: the (D + D_new)/2 of QPT, Mathiasen et
    /// al. arXiv 2402.04030). Each step costs one diagonalisation and one Fock build, about one SCF
    /// iteration. A mixed density need not be idempotent; E_KS[D] and F[D] are evaluated for it as
    /// the SCF does with damping. Returns the energy terms, density and Fock matrix after the last
    /// step (D₀, F₀ and their energy when `steps` = 0).
    public func dampedSteps(density d0: Matrix, fock f0: Matrix, energy e0: EnergyComponents, steps: Int,
                            mixing alpha: Double = 0.5) throws -> (energy: EnergyComponents, density: Matrix, fock: Matrix) {
        precondition(steps >= 0 && alpha > 0 && alpha <= 1, "steps ≥ 0 and 0 < mixing ≤ 1")
        var (d, f, e) = (d0, f0, e0)
        for _ in 0..<steps {
            let (_, c) = try generalizedSymmetricEigen(f, metric: overlap)
            let cOcc = c.columns(0..<occupiedCount)
            var next = Matrix(rows: aoCount, columns: aoCount)
            gemm(cOcc, cOcc, transposeB: true, alpha: 2, into: &next)
            d = ((1 - alpha) * d + alpha * next).symmetrized
            (e, f) = energy(density: d)
        }
        return (e, d, f)
    }
}
