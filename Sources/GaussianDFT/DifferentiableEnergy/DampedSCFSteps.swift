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
        let r = try unrolledSteps(density: d0, fock: f0, energy: e0, steps: steps, mixing: alpha, adjoint: false)
        return (r.energy, r.density, r.fock)
    }

    /// The damped steps of `dampedSteps`, and with `adjoint` the derivative of the final energy
    /// with respect to the starting density, ∂E[D_k]/∂D₀ (symmetric), by reverse-mode
    /// differentiation through the steps. From Ā_k = F[D_k] = ∂E/∂D_k, for j = k−1 … 0:
    ///
    ///     F̄_j = α · (adjoint of D'_j = aufbau(F_j), `densityBackward` with Ā_{j+1}),
    ///     Ā_j = (1 − α) Ā_{j+1} + δF[D_j; F̄_j]   (`KohnShamModel.fockResponse`, self-adjoint),
    ///
    /// so each step's backward costs one Fock response (J, K and the XC kernel of a matrix). Restricted
    /// only; throws for a degenerate HOMO/LUMO of some F_j, or when libxc lacks second derivatives.
    func unrolledSteps(density d0: Matrix, fock f0: Matrix, energy e0: EnergyComponents, steps: Int,
                       mixing alpha: Double, adjoint: Bool) throws
        -> (energy: EnergyComponents, density: Matrix, fock: Matrix, densityAdjoint: Matrix?) {
        precondition(steps >= 0 && alpha > 0 && alpha <= 1, "steps ≥ 0 and 0 < mixing ≤ 1")
        let model = calculation.model
        if adjoint && steps > 0, let xc = model.xc, !xc.evaluator.hasSecondDerivatives {
            throw DifferentiableEnergyError.noXCKernel(functional: calculation.functional.libxcDescription)
        }
        var (d, f, e) = (d0, f0, e0)
        var tape: [(density: Matrix, orbitals: Matrix, energies: [Double])] = []
        for _ in 0..<steps {
            let (eps, c) = try generalizedSymmetricEigen(f, metric: overlap)
            if adjoint { tape.append((d, c, eps)) }
            d = ((1 - alpha) * d + alpha * aufbauDensity(orbitals: c)).symmetrized
            (e, f) = energy(density: d)
        }
        guard adjoint else { return (e, d, f, nil) }
        var a = f
        for step in tape.reversed() {
            let fockAdjoint = alpha * (try densityBackward(orbitals: step.orbitals, eigenvalues: step.energies, adjoint: a))
            a = ((1 - alpha) * a + model.fockResponse(density: step.density, perturbation: fockAdjoint)).symmetrized
        }
        return (e, d, f, a)
    }
}
