import ChemistryCore
import LinearAlgebra
import Testing
@testable import GaussianDFT

let waterAnchor = Structure(name: "water", atomicNumbers: [8, 1, 1],
                            positions: [SIMD3(0, 0, 0), SIMD3(0, -0.757, 0.587), SIMD3(0, 0.757, 0.587)])

func scf(_ structure: Structure, _ xc: String, _ basis: String, cartesian: Bool = false,
         guess: InitialGuess = .atomicDensities, tolerance: Double = 1e-11) throws -> (MolecularCalculation, SCFResult) {
    setBLASThreads(1)
    var s = SCFSettings()
    s.functional = xc; s.basis = basis; s.cartesian = cartesian; s.initialGuess = guess
    s.energyTolerance = tolerance
    let c = try MolecularCalculation(structure: structure, settings: s)
    return (c, try c.run())
}

@Suite struct SCFTests {
    /// PySCF 2.14, conv_tol 1e-11, default grid (level 3), water at the anchors.md geometry.
    /// Cartesian 6-31G* (19 AOs) and def2-TZVP (43 AOs, with f functions on O) cover cartesian
    /// d and spherical f shells in a full SCF. Tolerance 1e-6 Ha: the bundled BSE 6-31G* differs
    /// from PySCF's copy in the 6th digit of some coefficients (observed difference 1e-8).
    @Test(arguments: [
        ("hf", "6-31g*", true, -76.01049616963621, 19),
        ("hf", "def2-tzvp", false, -76.0589907065195, 43),
        ("b3lyp", "def2-tzvp", false, -76.46292761088074, 43),
    ])
    func waterMatchesPySCF(_ c: (String, String, Bool, Double, Int)) throws {
        let (calc, r) = try scf(waterAnchor, c.0, c.1, cartesian: c.2)
        #expect(calc.basis.aoCount == c.4)
        #expect(r.converged)
        #expect(abs(r.energy - c.3) < 1e-6, "\(c.0)/\(c.1): \(r.energy) vs \(c.3)")
    }

    /// HCl PBE/def2-TZVP (second-row atom with f functions): PySCF -460.6261125857421 Ha.
    @Test func hydrogenChlorideWithFFunctions() throws {
        let hcl = Structure(name: "hcl", atomicNumbers: [17, 1], positions: [.zero, SIMD3(0, 0, 1.27)])
        let (_, r) = try scf(hcl, "pbe", "def2-tzvp")
        #expect(abs(r.energy - -460.6261125857421) < 1e-6, "\(r.energy)")
    }

    /// The grid integrates the converged density to the electron count: Σ_p w_p ρ(r_p) = N to 1e-5.
    @Test(arguments: [("sto-3g", 3), ("6-31g*", 3), ("def2-svp", 3), ("def2-svp", 0)])
    func gridIntegratesDensityToElectronCount(_ c: (String, Int)) throws {
        var s = SCFSettings()
        s.functional = "lda"; s.basis = c.0; s.gridLevel = c.1
        let calc = try MolecularCalculation(structure: waterAnchor, settings: s)
        let (r, d) = try calc.runWithDensity()
        #expect(r.converged)
        // Evaluate ρ = Σ D_μν φ_μ φ_ν on the calculation's grid.
        let grid = calc.grid!
        let ao = AtomicOrbitalEvaluator(basis: calc.basis)
        let n = calc.basis.aoCount
        var electrons = 0.0
        var values = [Double](repeating: 0, count: n)
        for (p, w) in zip(grid.points, grid.weights) {
            var indices: [Int] = []
            values.withUnsafeMutableBufferPointer { v in
                [p].withUnsafeBufferPointer { pp in
                    ao.evaluate(points: pp, shellIndices: Array(ao.shells.indices), values: v.baseAddress!, gradients: nil, aoIndex: &indices)
                }
            }
            var rho = 0.0
            for (a, mu) in indices.enumerated() { for (b, nu) in indices.enumerated() { rho += d[mu, nu] * values[a] * values[b] } }
            electrons += w * rho
        }
        let tolerance = c.1 == 0 ? 1e-2 : 1e-5 // level 0 is QM1B's coarse grid: ∫ρ is off by ~4e-3 here
        #expect(abs(electrons - 10) < tolerance, "\(c.0) level \(c.1): ∫ρ = \(electrons)")
    }

    /// Core and SAD guesses converge to the same state; SAD needs no more iterations.
    @Test func initialGuessesAgree() throws {
        let (_, core) = try scf(waterAnchor, "b3lyp", "6-31g*", guess: .core)
        let (_, sad) = try scf(waterAnchor, "b3lyp", "6-31g*", guess: .atomicDensities)
        #expect(abs(core.energy - sad.energy) < 1e-9)
        #expect(sad.iterations <= core.iterations)
    }

    /// The energy is reported with its parts; they sum to the total, and iteration energies end at it.
    @Test func energyComponentsSumToTotal() throws {
        let (_, r) = try scf(waterAnchor, "pbe0", "def2-svp")
        let c = r.components
        #expect(abs(c.nuclearRepulsion + c.oneElectron + c.coulomb + c.exactExchange + c.exchangeCorrelation - r.energy) < 1e-12)
        #expect(c.exactExchange < 0 && c.exchangeCorrelation < 0)
        #expect(abs(r.iterationEnergies.last! - r.energy) < 1e-12)
        #expect(r.homo < (r.lumo ?? 0))
        #expect(abs(r.mullikenCharges.reduce(0, +)) < 1e-10) // neutral molecule
    }

    /// With an unreachable gradient tolerance the SCF runs through the whole schedule: DIIS,
    /// then level shift + damping from iteration max/2, then DIIS with a small shift. It must
    /// report non-convergence, yet stay at the SCF energy (PySCF RHF/STO-3G -74.96306312972911 Ha;
    /// 1e-7 allows for the basis-data difference seen in every STO-3G comparison, 2.4e-8).
    @Test func fallbackScheduleKeepsTheSolutionAndReportsNonConvergence() throws {
        var s = SCFSettings()
        s.functional = "hf"; s.basis = "sto-3g"; s.initialGuess = .core
        s.maxIterations = 30
        s.gradientTolerance = 1e-30
        let r = try MolecularCalculation(structure: waterAnchor, settings: s).run()
        #expect(r.iterations == 30)
        #expect(!r.converged)
        #expect(abs(r.energy - -74.96306312972911) < 1e-7)
        #expect(r.iterationEnergies[14...].allSatisfy { abs($0 - r.energy) < 1e-7 }) // fallback did not wander off
    }
}
