import LinearAlgebra

extension MolecularCalculation {
    /// The converged SCF with its total density and the Fock matrix F[D] at that density.
    /// W = F − H_core reproduces the SCF energy in `HamiltonianEnergy.evaluate`, with zero gradient.
    public func runWithFock(progress: ((Int, Double) -> Void)? = nil) throws -> (result: SCFResult, density: Matrix, fock: Matrix) {
        let (result, density) = try runWithDensity(progress: progress)
        let (focks, _) = model.fock(densities: [density])
        return (result, density, model.unrestricted ? 0.5 * (focks[0] + focks[1]) : focks[0])
    }
}
