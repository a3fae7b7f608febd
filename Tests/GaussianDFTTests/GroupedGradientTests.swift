import ChemistryCore
import Foundation
import LinearAlgebra
import Testing
@testable import GaussianDFT

// The grouped two-electron gradient (GroupedTwoElectronGradient.swift) against the quartet-by-
// quartet one (TwoElectronGradient.swift), which the finite-difference and PySCF gradient tests
// (GradientTests.swift) hold to 1e-6 Ha/bohr. Same integrals and Γ, summed in another order and
// screened per group quartet instead of per shell quartet, so they agree to rounding plus what
// screening at 1e-14 drops: 1e-10 Ha/bohr. Densities are arbitrary symmetric matrices (no SCF),
// so every component pair carries weight.

@Suite struct GroupedGradientTests {
    /// Cartesian bases with sp groups (STO-3G, 6-31G*), d and f shells (the custom basis) and
    /// four separated waters; restricted (one exchange density) and unrestricted (two) exchange,
    /// and none (pure DFT).
    @Test func matchesTheQuartetByQuartetGradient() throws {
        let water: [(atomicNumber: Int, position: SIMD3<Double>)] = [
            (8, SIMD3(0.02, -0.03, 0.05) * Units.angstromInBohr), (1, SIMD3(0.1, -0.74, 0.62) * Units.angstromInBohr),
            (1, SIMD3(-0.05, 0.78, 0.55) * Units.angstromInBohr), (6, SIMD3(1.4, 0.3, -0.8) * Units.angstromInBohr)]
        var bases: [MolecularBasis] = []
        for name in ["sto-3g", "6-31g*"] {
            bases.append(try MolecularBasis(atoms: water, definitions: { try BasisSetLibrary.shells(basis: name, atomicNumber: $0) },
                                            spherical: false))
        }
        bases.append(IntegralsFixtures.custom(spherical: false))
        bases.append(try CoulombTensorTests.waterCluster().cartesianCounterpart)
        for (index, basis) in bases.enumerated() {
            let n = basis.aoCount
            let d = IntegralsFixtures.density(n)
            var p = Matrix(rows: n, columns: n)
            for i in 0..<n { for j in 0..<n { p[i, j] = 0.3 * cos(0.21 * Double(i + j) + 0.05 * Double(i * j)) } }
            let cases: [[(density: Matrix, factor: Double)]] = [[], [(d, 0.1)], [(d, 0.2), (p, 0.2)]]
            for exchange in cases {
                let reference = twoElectronGradientByQuartet(basis: basis, density: d, exchange: exchange)
                let grouped = twoElectronGradient(basis: basis, density: d, exchange: exchange)
                var worst = 0.0, largest = 0.0
                for (a, b) in zip(reference, grouped) {
                    worst = max(worst, largestComponent(a - b)); largest = max(largest, largestComponent(a))
                }
                #expect(worst < 1e-10, "basis \(index), \(exchange.count) exchange densities: \(worst) (largest \(largest))")
                #expect(largest > 1e-3)
            }
        }
    }
}
