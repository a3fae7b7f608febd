import ChemistryCore
import LinearAlgebra
import Testing
@testable import GaussianDFT

/// SCF iterations that start on coarse grids must end at the full grid's solution: the last
/// phase runs on `gridLevel` with the full tolerances, so the start grids may change how many
/// iterations it takes, never the answer.
@Suite struct StartGridTests {
    func run(_ structure: Structure, xc: String = "b3lyp", basis: String = "def2-svp", spin: Int = 0,
             startLevels: [Int], startMaxIterations: Int = 30) throws -> SCFResult {
        setBLASThreads(1)
        var s = SCFSettings()
        s.functional = xc; s.basis = basis; s.spin = spin
        s.gridLevel = 3
        s.energyTolerance = 1e-11
        s.startGridLevels = startLevels
        s.startMaxIterations = startMaxIterations
        return try MolecularCalculation(structure: structure, settings: s).run()
    }

    /// Restricted B3LYP: start grids 0 and 1, then level 3. Converged to 1e-11 both ways, the
    /// energies agree to 1e-9 Ha (the SCF tolerance with room for the last iteration's step), and
    /// orbital energies and dipole to the accuracy a 1e-11 SCF pins them (1e-6 Ha, 1e-5 D).
    @Test func restrictedStartGridsEndAtTheFullGridSolution() throws {
        let plain = try run(waterAnchor, startLevels: [])
        let started = try run(waterAnchor, startLevels: [0, 1])
        #expect(plain.converged && started.converged)
        #expect(plain.startGridLevels.isEmpty && plain.startGridIterations.isEmpty)
        #expect(started.startGridLevels == [0, 1])
        #expect(started.startGridIterations.count == 2 && started.startGridIterations.allSatisfy { $0 > 0 })
        #expect(started.iterationEnergies.count >= started.iterations)
        #expect(abs(started.energy - plain.energy) < 1e-9, "\(started.energy) vs \(plain.energy)")
        #expect(abs(started.homo - plain.homo) < 1e-6)
        #expect(abs((started.lumo ?? 0) - (plain.lumo ?? 0)) < 1e-6)
        let dipoleChange: SIMD3<Double> = started.dipoleDebye - plain.dipoleDebye
        #expect((dipoleChange * dipoleChange).sum().squareRoot() < 1e-5)
        // The point: fewer iterations on the full grid.
        let fullGridIterations = started.iterations - started.startGridIterations.reduce(0, +)
        #expect(fullGridIterations < plain.iterations, "\(fullGridIterations) vs \(plain.iterations)")
    }

    /// Unrestricted (NH2 radical, doublet): the same agreement. (Not OH: its π hole can sit in
    /// π_x or π_y, two solutions whose energies differ only through the grid's anisotropy, 4e-7 Ha,
    /// and which of them an SCF reaches depends on its path.)
    @Test func unrestrictedStartGridEndsAtTheFullGridSolution() throws {
        let nh2 = Structure(name: "nh2", atomicNumbers: [7, 1, 1],
                            positions: [.zero, SIMD3(0, 0.80, 0.62), SIMD3(0, -0.80, 0.62)])
        let plain = try run(nh2, xc: "pbe", basis: "6-31g*", spin: 1, startLevels: [])
        let started = try run(nh2, xc: "pbe", basis: "6-31g*", spin: 1, startLevels: [1])
        #expect(plain.converged && started.converged)
        #expect(abs(started.energy - plain.energy) < 1e-9, "\(started.energy) vs \(plain.energy)")
    }

    /// A start phase that reaches its iteration cap (here 3, far from converged) hands over and the
    /// full grid still converges to the same solution.
    @Test func unconvergedStartPhaseHandsOver() throws {
        let plain = try run(waterAnchor, startLevels: [])
        let started = try run(waterAnchor, startLevels: [1], startMaxIterations: 3)
        #expect(started.startGridIterations == [3])
        #expect(started.converged)
        #expect(abs(started.energy - plain.energy) < 1e-9)
    }

    /// Levels within two of `gridLevel` are skipped; Hartree-Fock has no grid at all.
    @Test func startLevelsThatDoNotApplyAreSkipped() throws {
        var s = SCFSettings()
        s.gridLevel = 3
        s.startGridLevels = [2, 1, 1, 0, 7]
        #expect(s.effectiveStartGridLevels == [0, 1])
        s.gridLevel = 1
        #expect(s.effectiveStartGridLevels.isEmpty)
        let hf = try run(waterAnchor, xc: "hf", basis: "sto-3g", startLevels: [0, 1])
        #expect(hf.startGridLevels.isEmpty)
    }
}
