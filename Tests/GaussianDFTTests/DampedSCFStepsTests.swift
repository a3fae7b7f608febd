import ChemistryCore
import LinearAlgebra
import Testing
@testable import GaussianDFT

/// `HamiltonianEnergy.dampedSteps`: damped Roothaan steps after a predicted density.
@Suite struct DampedSCFStepsTests {
    /// From the converged SCF density the steps change nothing: the aufbau density of F[D_scf] is
    /// D_scf, so E stays at E_SCF (to 1e-9 Ha; the SCF is converged to 1e-12 Ha and an orbital
    /// gradient of 1e-9, and E is stationary). From the core-Hamiltonian density (W = 0, tens of
    /// mHa above the SCF for water), two half-damped steps lower the energy and stay above E_SCF
    /// (variational; 1e-9 Ha slack for the grid and convergence). Zero steps return the input.
    @Test(arguments: ["hf", "b3lyp5"])
    func stepsKeepTheSolutionAndLowerTheEnergy(_ xc: String) throws {
        let energy = try DifferentiableEnergyTests.setup(waterAnchor, xc)
        let (scf, density, fock) = try energy.calculation.runWithFock()
        let e0 = energy.energy(density: density).energy
        let atSolution = try energy.dampedSteps(density: density, fock: fock, energy: e0, steps: 2)
        print("damped steps \(xc): from the SCF density ΔE = \(atSolution.energy.total - scf.energy)")
        #expect(abs(atSolution.energy.total - scf.energy) < 1e-9)

        let n = energy.aoCount
        let start = try energy.evaluate(correction: Matrix(rows: n, columns: n), gradient: false)
        let none = try energy.dampedSteps(density: start.density, fock: start.fock, energy: start.components, steps: 0)
        #expect(none.energy.total == start.energy)
        let two = try energy.dampedSteps(density: start.density, fock: start.fock, energy: start.components, steps: 2)
        print("damped steps \(xc): W = 0 gap \(start.energy - scf.energy) → after 2 steps \(two.energy.total - scf.energy) Ha")
        #expect(start.energy - scf.energy > 1e-3)
        #expect(two.energy.total < start.energy)
        #expect(two.energy.total > scf.energy - 1e-9)
        // The returned Fock matrix is F of the returned density.
        #expect((energy.energy(density: two.density).fock - two.fock).maxAbs < 1e-12)
    }
}
