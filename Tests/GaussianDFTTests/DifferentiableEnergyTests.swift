import ChemistryCore
import LinearAlgebra
import Testing
@testable import GaussianDFT

/// `HamiltonianEnergy`: E_KS of the aufbau density of H_core + W and its gradient dE/dW.
/// References are independent of the code under test: central finite differences of the energy
/// itself, and the converged SCF (a stationary point of E over densities).
@Suite struct DifferentiableEnergyTests {
    static let formaldehyde = Structure(name: "formaldehyde", atomicNumbers: [6, 8, 1, 1], positions: [
        SIMD3(0, 0, 0), SIMD3(0, 0, 1.205), SIMD3(0, 0.943, -0.587), SIMD3(0, -0.943, -0.587)])

    static func setup(_ structure: Structure, _ xc: String) throws -> HamiltonianEnergy {
        setBLASThreads(1)
        var s = SCFSettings()
        s.functional = xc; s.basis = "sto-3g"
        s.energyTolerance = 1e-12; s.gradientTolerance = 1e-9
        return try HamiltonianEnergy(calculation: MolecularCalculation(structure: structure, settings: s))
    }

    /// A random symmetric matrix with entries uniform in (−scale, scale).
    static func randomSymmetric(_ n: Int, scale: Double, rng: inout SplitMix64) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for j in 0..<n { for i in 0...j { let v = scale * (2 * rng.uniform() - 1); m[i, j] = v; m[j, i] = v } }
        return m
    }

    /// dE/dW against the five-point central difference
    /// E′ ≈ [8(E(h) − E(−h)) − (E(2h) − E(−2h))] / 12h along random symmetric directions, at
    /// W = F_scf − H_core + R (R random symmetric, |R_μν| < 0.05 Ha, so the gradient is far from 0).
    /// h = 2.5e-4: the truncation error was measured to scale as h⁴ (B3LYP5 formaldehyde: 6e-6,
    /// 4e-7, 2e-8, 1.4e-9, 1.3e-10 Ha for h = 4, 2, 1, 0.5, 0.25 × 1e-3), and round-off is
    /// ≈ 1e-14·|E|/h ≈ 5e-9 Ha at worst. Tolerance: 1e-7 relative to the directional derivative
    /// (|dE| ≈ 0.05 to 0.7 here); observed ≤ 2e-8.
    @Test(arguments: [("hf", "water"), ("b3lyp5", "water"), ("hf", "formaldehyde"), ("b3lyp5", "formaldehyde")])
    func gradientMatchesFiniteDifferences(_ c: (String, String)) throws {
        let structure = c.1 == "water" ? waterAnchor : Self.formaldehyde
        let energy = try Self.setup(structure, c.0)
        let (_, _, fock) = try energy.calculation.runWithFock()
        var rng = SplitMix64(seed: 11)
        let n = energy.aoCount
        let w = fock - energy.coreHamiltonian + Self.randomSymmetric(n, scale: 0.05, rng: &rng)
        let grad = try #require(try energy.evaluate(correction: w).gradient)
        #expect((grad - grad.transposed).maxAbs == 0)
        let h = 2.5e-4
        for _ in 0..<3 {
            let dir = Self.randomSymmetric(n, scale: 1, rng: &rng)
            func e(_ t: Double) throws -> Double { try energy.evaluate(correction: w + t * dir, gradient: false).energy }
            let fd = (8 * (try e(h) - e(-h)) - (try e(2 * h) - e(-2 * h))) / (12 * h)
            let analytic = grad.dot(dir)
            let relative = abs(analytic - fd) / abs(fd)
            print("dE/dW \(c.0) \(c.1): analytic \(analytic) finite difference \(fd) relative error \(relative)")
            #expect(relative < 1e-7, "\(c): \(analytic) vs \(fd)")
        }
    }

    /// At W = F[D_scf] − H_core the Hamiltonian is the converged Fock matrix: its aufbau density is
    /// the SCF density, so E equals the SCF energy (to 1e-9 Ha; the SCF is converged to 1e-12 Ha
    /// and an orbital gradient of 1e-9, and E is stationary so the residual enters squared), the
    /// gradient vanishes (≤ 1e-6; it is proportional to the orbital gradient F̃_ai), and the HOMO
    /// and LUMO of F[D] equal the SCF's (1e-8 Ha).
    @Test(arguments: [("hf", "water"), ("b3lyp5", "water"), ("hf", "formaldehyde"), ("b3lyp5", "formaldehyde")])
    func convergedFockIsStationary(_ c: (String, String)) throws {
        let structure = c.1 == "water" ? waterAnchor : Self.formaldehyde
        let energy = try Self.setup(structure, c.0)
        let (result, _, fock) = try energy.calculation.runWithFock()
        #expect(result.converged)
        let ev = try energy.evaluate(correction: fock - energy.coreHamiltonian)
        let grad = try #require(ev.gradient)
        let (homo, lumo) = try energy.frontierOrbitalEnergies(fock: ev.fock)
        print("converged \(c.0) \(c.1): ΔE \(ev.energy - result.energy), max|dE/dW| \(grad.maxAbs), ΔHOMO \(homo - result.homo), ΔLUMO \(lumo - (result.lumo ?? .nan))")
        #expect(abs(ev.energy - result.energy) < 1e-9)
        #expect(grad.maxAbs < 1e-6)
        #expect(abs(homo - result.homo) < 1e-8)
        #expect(abs(lumo - (result.lumo ?? .nan)) < 1e-8)
    }

    /// Any other Hamiltonian gives a higher energy (variational principle): the core Hamiltonian
    /// (W = 0) is far above the SCF minimum.
    @Test func coreHamiltonianIsAboveSCF() throws {
        let energy = try Self.setup(waterAnchor, "hf")
        let scf = try energy.calculation.run().energy
        let core = try energy.evaluate(correction: Matrix(rows: energy.aoCount, columns: energy.aoCount), gradient: false)
        #expect(core.energy > scf + 0.1)
        #expect(abs(core.density.dot(energy.overlap) - 10) < 1e-10)
    }

    /// Open shells and malformed W are thrown as errors.
    @Test func rejectsBadInput() throws {
        var s = SCFSettings()
        s.functional = "hf"; s.spin = 2
        let oxygen = Structure(name: "o", atomicNumbers: [8], positions: [.zero])
        #expect(throws: DifferentiableEnergyError.self) {
            try HamiltonianEnergy(calculation: MolecularCalculation(structure: oxygen, settings: s))
        }
        let energy = try Self.setup(waterAnchor, "hf")
        #expect(throws: DifferentiableEnergyError.shape(expected: 7, rows: 3, columns: 3)) {
            try energy.evaluate(correction: Matrix(rows: 3, columns: 3))
        }
        var bad = Matrix(rows: 7, columns: 7)
        bad[0, 0] = .nan
        #expect(throws: DifferentiableEnergyError.notFinite) { try energy.evaluate(correction: bad) }
    }
}
