import LinearAlgebra

/// The Kohn-Sham (or Hartree-Fock) energy of the density a trial Hamiltonian produces, and its
/// exact gradient with respect to that Hamiltonian: the loss of energy-as-loss training
/// (Mathiasen et al., "Reducing the Cost of Quantum Chemical Data By Backpropagating Through
/// Density Functional Theory", arXiv 2402.04030). Closed-shell RHF/RKS only.
///
/// For a symmetric correction W (nao × nao, Ha) to the core Hamiltonian:
///
///     H = H_core + W,   H C = S C ε,   Cᵀ S C = 1,   D = 2 Σ_{i∈occ} C_i C_iᵀ,   E = E_KS[D]
///
/// with E_KS exactly the energy the SCF reports (`KohnShamModel.fock`, nuclear repulsion
/// included); no SCF iteration is run.
///
/// Gradient. E depends on H only through D, and ∂E/∂D = F[D], so dE = tr(F dD). With S fixed,
/// first-order perturbation theory of the generalised eigenproblem gives dC_i = Σ_p C_p U_pi with
/// U_pi = (Cᵀ dH C)_pi / (ε_i − ε_p) for p ≠ i and U_ii = −½ (Cᵀ dS C)_ii = 0. Then
///
///     dE = 2 Σ_i tr(F (dC_i C_iᵀ + C_i dC_iᵀ)) = 4 Σ_{i∈occ} Σ_p F̃_pi U_pi,   F̃ = Cᵀ F C.
///
/// For p = j occupied, U_ji = −U_ij while F̃ is symmetric, so occupied-occupied terms cancel in
/// pairs (the density is invariant to occupied rotations) and only p = a virtual survives:
///
///     dE = Σ_{i∈occ, a∈virt} X_ai (Cᵀ dH C)_ai,   X_ai = 4 F̃_ai / (ε_i − ε_a),
///        = tr(Gᵀ dH),   G = C_virt X C_occᵀ.
///
/// Only symmetric perturbations are meaningful, so the gradient returned is sym(G) = (G + Gᵀ)/2:
/// the unique symmetric matrix with dE = Σ_μν (∂E/∂W)_μν dW_μν for every symmetric dW (equivalently,
/// the gradient of E(sym(H)) with all n² entries independent). At a converged SCF, F̃_ai = 0
/// (Brillouin), so the gradient vanishes there. It is undefined when ε_HOMO = ε_LUMO.
public struct HamiltonianEnergy {
    public let calculation: MolecularCalculation
    /// Doubly occupied orbitals, N/2.
    public let occupiedCount: Int

    /// Throws for open shells and unrestricted settings (only RHF/RKS is differentiated).
    public init(calculation: MolecularCalculation) throws {
        guard !calculation.model.unrestricted, calculation.electrons.alpha == calculation.electrons.beta else {
            throw DifferentiableEnergyError.openShell(electrons: calculation.electrons.total, spin: calculation.settings.spin)
        }
        guard calculation.electrons.alpha < calculation.basis.aoCount else {
            throw DifferentiableEnergyError.noVirtualOrbitals
        }
        self.calculation = calculation
        occupiedCount = calculation.electrons.alpha
    }

    /// T + V_nuc (Ha), the H_core that W corrects.
    public var coreHamiltonian: Matrix { calculation.model.coreHamiltonian }
    /// AO overlap S.
    public var overlap: Matrix { calculation.model.overlap }
    public var aoCount: Int { calculation.basis.aoCount }

    /// The energy E_KS[D] (Ha) with its terms and the Fock matrix F[D] = ∂E/∂D for any
    /// closed-shell density (spin-summed).
    public func energy(density d: Matrix) -> (energy: EnergyComponents, fock: Matrix) {
        let (focks, e) = calculation.model.fock(densities: [d])
        return (e, focks[0])
    }

    /// E_KS of the aufbau density of H_core + W, and dE/dW if `gradient` is true.
    /// Throws if W is not aoCount × aoCount or not finite, if the diagonalisation fails, or (for
    /// the gradient) if the HOMO and LUMO of H are degenerate. `scfSteps` > 0 evaluates the energy
    /// after that many damped Roothaan steps from the predicted density instead, differentiated
    /// through the steps (`unrolledSteps` in DampedSCFSteps.swift).
    public func evaluate(correction w: Matrix, scfSteps: Int = 0, mixing: Double = 0.5,
                         gradient: Bool = true) throws -> HamiltonianEnergyEvaluation {
        let n = aoCount
        guard w.rows == n, w.columns == n else {
            throw DifferentiableEnergyError.shape(expected: n, rows: w.rows, columns: w.columns)
        }
        guard w.elements.allSatisfy({ $0.isFinite }) else { throw DifferentiableEnergyError.notFinite }
        let h = (coreHamiltonian + w).symmetrized
        let (eps, c) = try generalizedSymmetricEigen(h, metric: overlap)
        let d0 = aufbauDensity(orbitals: c)
        let (e0, f0) = energy(density: d0)
        let unrolled = try unrolledSteps(density: d0, fock: f0, energy: e0, steps: scfSteps, mixing: mixing,
                                         adjoint: gradient)
        // dE/dD₀ (F[D₀] without steps), through the eigenproblem of H to dE/dW.
        let grad = try unrolled.densityAdjoint.map { try densityBackward(orbitals: c, eigenvalues: eps, adjoint: $0) }
        return HamiltonianEnergyEvaluation(energy: unrolled.energy.total, components: unrolled.energy, density: unrolled.density,
                                           fock: unrolled.fock, orbitals: c, hamiltonianEigenvalues: eps, gradient: grad,
                                           occupiedCount: occupiedCount)
    }

    /// D = 2 C_occ C_occᵀ for S-orthonormal orbitals in order of increasing energy.
    func aufbauDensity(orbitals c: Matrix) -> Matrix {
        let cOcc = c.columns(0..<occupiedCount)
        var d = Matrix(rows: aoCount, columns: aoCount)
        gemm(cOcc, cOcc, transposeB: true, alpha: 2, into: &d)
        return d.symmetrized
    }

    /// Backpropagation through D = 2 C_occ C_occᵀ with H C = S C ε (S fixed): for a symmetric
    /// adjoint Ā = ∂L/∂D, the symmetric ∂L/∂H = sym(C_virt X C_occᵀ) with X_ai = 4 (Cᵀ Ā C)_ai /
    /// (ε_i − ε_a) (the derivation in the type's documentation, with F replaced by Ā). Throws if
    /// the HOMO and LUMO are degenerate.
    func densityBackward(orbitals c: Matrix, eigenvalues eps: [Double], adjoint a: Matrix) throws -> Matrix {
        let n = aoCount, nocc = occupiedCount
        let gap = eps[nocc] - eps[nocc - 1]
        guard gap > 1e-10 else { throw DifferentiableEnergyError.degenerateFrontier(gap: gap) }
        let cOcc = c.columns(0..<nocc), cVirt = c.columns(nocc..<n)
        var x = multiply(cVirt, multiply(a, cOcc), transposeA: true)
        for i in 0..<nocc { for v in 0..<(n - nocc) { x[v, i] *= 4 / (eps[i] - eps[nocc + v]) } }
        return multiply(multiply(cVirt, x), cOcc, transposeB: true).symmetrized
    }

    /// Frontier orbital energies of a density: one diagonalisation of F[D] (not of the trial H),
    /// F C = S C ε; HOMO = ε_{N/2}, LUMO = ε_{N/2+1} (Ha).
    public func frontierOrbitalEnergies(fock f: Matrix) throws -> (homo: Double, lumo: Double) {
        let (eps, _) = try generalizedSymmetricEigen(f, metric: overlap)
        return (eps[occupiedCount - 1], eps[occupiedCount])
    }
}

/// The outcome of `HamiltonianEnergy.evaluate` (Ha, AO basis).
public struct HamiltonianEnergyEvaluation {
    /// E_KS[D], the same total the SCF reports for that density.
    public let energy: Double
    public let components: EnergyComponents
    /// D = 2 C_occ C_occᵀ from the trial Hamiltonian.
    public let density: Matrix
    /// F[D] = ∂E/∂D.
    public let fock: Matrix
    /// Eigenvectors of the trial Hamiltonian (columns, S-orthonormal).
    public let orbitals: Matrix
    /// Eigenvalues of the trial Hamiltonian (not orbital energies of the density).
    public let hamiltonianEigenvalues: [Double]
    /// dE/dW (symmetric), nil unless requested.
    public let gradient: Matrix?
    public let occupiedCount: Int
}

/// Inputs the differentiable energy cannot handle.
public enum DifferentiableEnergyError: Error, CustomStringConvertible, Equatable {
    case openShell(electrons: Int, spin: Int)
    case noVirtualOrbitals
    case shape(expected: Int, rows: Int, columns: Int)
    case notFinite
    case degenerateFrontier(gap: Double)
    case noXCKernel(functional: String)

    public var description: String {
        switch self {
        case let .openShell(n, s):
            return "the differentiable energy is restricted closed-shell only (\(n) electrons, spin \(s))"
        case .noVirtualOrbitals: return "the basis has no virtual orbitals, so the density cannot change"
        case let .shape(e, r, c): return "Hamiltonian correction is \(r)x\(c), expected \(e)x\(e)"
        case .notFinite: return "Hamiltonian correction has non-finite elements"
        case .noXCKernel(let name):
            return "libxc provides no second derivatives (fxc) for \(name), so SCF steps cannot be differentiated"
        case .degenerateFrontier(let g):
            return "HOMO and LUMO of the predicted Hamiltonian are degenerate (gap \(g) Ha): the energy is not differentiable there"
        }
    }
}
