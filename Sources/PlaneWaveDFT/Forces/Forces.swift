import Foundation

/// Hellmann-Feynman forces per atom and per term (hartree/bohr, Cartesian axes of the lattice).
///
/// Only the terms with an explicit dependence on the ionic positions contribute: the local
/// pseudopotential (at fixed ρ), the nonlocal projectors (at fixed ψ) and the Ewald sum. Kinetic,
/// Hartree and XC have none (no nonlinear core correction), PspCorrection is position-independent.
/// The SCF energy is variational, so F = −dE/dτ up to the SCF residual (first order in it).
public struct ForceBreakdown: Sendable, Codable, Equatable {
    public var local: [SIMD3<Double>]
    public var nonlocal: [SIMD3<Double>]
    public var ewald: [SIMD3<Double>]
    /// Sum of the three, symmetrised over the operations used for the k-point reduction.
    public var total: [SIMD3<Double>]
}

/// Forces of a converged SCF state (DFTK's `compute_forces`). With symmetry-reduced k-points the
/// sum is symmetrised over the basis's space-group operations (`symmetrizeForces`).
func computeForces(solver: SCFSolver, state: SCFState) throws -> ForceBreakdown {
    let basis = solver.basis
    let model = basis.model
    let local = AtomicLocalTerm().forces(basis: basis, density: state.density)
    let nonlocal = AtomicNonlocalTerm().forces(basis: basis, projectors: solver.projectors,
                                               orbitals: state.orbitals, occupations: state.occupations)
    let ewald = model.ewaldForces
    let raw = (0..<model.atomCount).map { local[$0] + nonlocal[$0] + ewald[$0] }
    let total = try symmetrizeForces(raw, model: model, symmetries: basis.symmetries)
    return ForceBreakdown(local: local, nonlocal: nonlocal, ewald: ewald, total: total)
}
