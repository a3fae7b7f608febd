import ChemistryCore
import Foundation
import LinearAlgebra
import Testing
@testable import GaussianDFT

// Analytic nuclear gradients (Sources/GaussianDFT/Gradients, docs/molecular-gradients.md).
//
// * Hartree-Fock has no grid, so its analytic gradient is the exact derivative of our own SCF
//   energy: checked against central finite differences (step 5e-4 bohr, SCF converged to 1e-11 Ha
//   and orbital gradient 1e-8; truncation error h²/6·E''' ≈ 4e-8, energy noise 1e-11/1e-3 = 1e-8)
//   with tolerance 1e-6 Ha/bohr (observed ≤ 7.5e-8, UHF/6-31G* OH).
// * Kohn-Sham gradients without grid-weight response are not the derivative of the grid
//   energy, so they are checked against PySCF's analytic gradient with the same grid and
//   grids.response = False (Reference/gradients_pyscf.py). Tolerance 1e-6 Ha/bohr: our energies
//   agree with PySCF to 2e-8 Ha here (≤ 1e-11 for closed shells), the XC integrands are the same
//   on the same grid points, and PySCF's reference itself is converged to conv_tol 1e-11 (its
//   gradient moves by ~2e-8 between 1e-11 and 1e-12). Observed ≤ 5e-8 Ha/bohr for HF, LDA, PBE,
//   B3LYP, RKS and UKS.

/// A water molecule away from symmetry (Å), so that no gradient component vanishes by symmetry.
let distortedWater = Structure(name: "water-distorted", atomicNumbers: [8, 1, 1],
                               positions: [SIMD3(0.02, -0.03, 0.05), SIMD3(0.1, -0.74, 0.62), SIMD3(-0.05, 0.78, 0.55)])
/// OH radical (doublet), for the unrestricted gradient.
let distortedHydroxyl = Structure(name: "hydroxyl", atomicNumbers: [8, 1],
                                  positions: [SIMD3(0, 0, 0), SIMD3(0.05, 0.1, 0.97)])

func gradientSettings(_ xc: String, _ basis: String, spin: Int = 0, cartesian: Bool = false, grid: Int = 3) -> SCFSettings {
    var s = SCFSettings()
    s.functional = xc; s.basis = basis; s.spin = spin; s.cartesian = cartesian; s.gridLevel = grid
    s.energyTolerance = 1e-11
    s.gradientTolerance = 1e-8
    s.maxIterations = 200
    return s
}

/// Central finite difference of the SCF energy along coordinate `dir` of atom `atom` (step h bohr).
func finiteDifference(_ structure: Structure, _ settings: SCFSettings, atom: Int, dir: Int, h: Double = 5e-4) throws -> Double {
    var e = [Double]()
    for sign in [1.0, -1.0] {
        var s = structure
        s.positions[atom][dir] += sign * h * Units.bohrInAngstrom
        let r = try MolecularCalculation(structure: s, settings: settings).run()
        #expect(r.converged)
        e.append(r.energy)
    }
    return (e[0] - e[1]) / (2 * h)
}

/// max(|v_x|, |v_y|, |v_z|).
func largestComponent(_ v: SIMD3<Double>) -> Double { max(abs(v.x), abs(v.y), abs(v.z)) }

/// PySCF 2.14 analytic gradients (Ha/bohr), grid response off; printed by
/// Reference/gradients_pyscf.py: (molecule, functional, basis, spin, grid level, energy, gradient).
let pyscfGradients: [(String, String, String, Int, Int, Double, [SIMD3<Double>])] = [
    ("water-distorted", "hf", "sto-3g", 0, 3, -74.954346787084, [SIMD3(0.007061495979, -0.049524345950, 0.119876061236), SIMD3(-0.008198540902, 0.068057822877, -0.083306510412), SIMD3(0.001137044923, -0.018533476927, -0.036569550824)]),
    ("water-distorted", "lda", "6-31g*", 0, 3, -75.836838225592, [SIMD3(0.004907229852, -0.038260867729, 0.062791417007), SIMD3(-0.005748789270, 0.049624832294, -0.048330491874), SIMD3(0.000844868025, -0.011362206704, -0.014456691359)]),
    ("water-distorted", "pbe", "6-31g*", 0, 3, -76.315473178452, [SIMD3(0.004879545670, -0.037574334468, 0.064941850767), SIMD3(-0.005578873756, 0.047730919653, -0.049165706520), SIMD3(0.000701875932, -0.010151375855, -0.015774017504)]),
    ("water-distorted", "b3lyp", "6-31g*", 0, 3, -76.403225028851, [SIMD3(0.004751002576, -0.037958726062, 0.055971596710), SIMD3(-0.004990949195, 0.042645796581, -0.044276551310), SIMD3(0.000242585226, -0.004685225525, -0.011692711191)]),
    ("water-distorted", "b3lyp", "sto-3g", 0, 3, -75.300596045530, [SIMD3(0.007292559029, -0.044579998571, 0.158258303658), SIMD3(-0.010644786868, 0.089318781327, -0.103112691865), SIMD3(0.003357145694, -0.044735643253, -0.055143296176)]),
    ("hydroxyl", "pbe", "6-31g", 1, 3, -75.621605225693, [SIMD3(0.001336602691, 0.002673736653, 0.025937790729), SIMD3(-0.001337036929, -0.002673969221, -0.025936561325)]),
    ("hydroxyl", "b3lyp", "6-31g", 1, 3, -75.708210349910, [SIMD3(0.000917567404, 0.001834269869, 0.017794571367), SIMD3(-0.000917333008, -0.001834489146, -0.017793907954)]),
]

@Suite struct GradientTests {
    /// (molecule, method, basis, spin, cartesian, coordinates checked as (atom, direction)).
    /// STO-3G: every coordinate; 6-31G* spherical and cartesian (d shells, the cartesian→spherical
    /// density transformation); UHF on OH (α/β exchange densities).
    @Test(arguments: [
        ("water", "hf", "sto-3g", 0, false, [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (2, 0), (2, 1), (2, 2)]),
        ("water", "hf", "6-31g*", 0, false, [(0, 2), (1, 1), (2, 0)]),
        ("water", "hf", "6-31g*", 0, true, [(0, 1), (2, 2)]),
        ("hydroxyl", "hf", "6-31g*", 1, false, [(0, 2), (1, 0)]),
    ])
    func hartreeFockGradientMatchesFiniteDifferences(_ c: (String, String, String, Int, Bool, [(Int, Int)])) throws {
        setBLASThreads(1)
        let molecule = c.0 == "water" ? distortedWater : distortedHydroxyl
        let settings = gradientSettings(c.1, c.2, spin: c.3, cartesian: c.4)
        let g = try MolecularCalculation(structure: molecule, settings: settings).nuclearGradient()
        #expect(g.result.converged)
        for (atom, dir) in c.5 {
            let fd = try finiteDifference(molecule, settings, atom: atom, dir: dir)
            #expect(abs(g.gradient[atom][dir] - fd) < 1e-6, "\(c.2) atom \(atom) dir \(dir): analytic \(g.gradient[atom][dir]) FD \(fd)")
        }
    }

    /// HF (an independent check of the FD test), LDA, GGA, hybrid; restricted and unrestricted;
    /// against PySCF (see file header).
    @Test(arguments: pyscfGradients.indices)
    func gradientMatchesPySCF(_ index: Int) throws {
        setBLASThreads(1)
        let (name, xc, basis, spin, level, energy, reference) = pyscfGradients[index]
        let molecule = name == "hydroxyl" ? distortedHydroxyl : distortedWater
        let g = try MolecularCalculation(structure: molecule, settings: gradientSettings(xc, basis, spin: spin, grid: level))
            .nuclearGradient()
        #expect(g.result.converged)
        #expect(abs(g.result.energy - energy) < 1e-6, "\(xc)/\(basis) energy \(g.result.energy) vs \(energy)")
        for a in reference.indices {
            let err = largestComponent(g.gradient[a] - reference[a])
            #expect(err < 1e-6, "\(xc)/\(basis) atom \(a): \(g.gradient[a]) vs PySCF \(reference[a]) (error \(err))")
        }
    }

    /// Translational invariance: the analytic HF forces sum to zero to rounding (every derivative
    /// integral's centre derivatives sum to zero). Without grid response the KS forces do not
    /// (the grid stays with the atoms but the weights are not differentiated); their sum is the
    /// grid error, small at level 3 (observed: HF 1e-13, PBE/6-31G* 5e-6 Ha/bohr).
    @Test func forcesSumToZero() throws {
        setBLASThreads(1)
        let hf = try MolecularCalculation(structure: distortedWater, settings: gradientSettings("hf", "6-31g*")).nuclearGradient()
        let hfSum = hf.gradient.reduce(SIMD3<Double>.zero, +)
        #expect(largestComponent(hfSum) < 1e-10, "HF Σ dE/dR = \(hfSum)")
        let ks = try MolecularCalculation(structure: distortedWater, settings: gradientSettings("pbe", "6-31g*")).nuclearGradient()
        let ksSum = ks.gradient.reduce(SIMD3<Double>.zero, +)
        #expect(largestComponent(ksSum) < 5e-5, "PBE Σ dE/dR = \(ksSum)")
    }

    /// Rotating the molecule rotates the gradient: g(R x) = R g(x). Exact for HF (observed 1e-13,
    /// tolerance 1e-10); for DFT the angular grids do not rotate with the molecule, so only up to
    /// the grid error (B3LYP/6-31G* level 3: observed 5.5e-6, tolerance 5e-5 Ha/bohr).
    @Test(arguments: [("hf", 1e-10), ("b3lyp", 5e-5)])
    func gradientRotatesWithTheMolecule(_ c: (String, Double)) throws {
        setBLASThreads(1)
        // Rotation by 0.7 rad about the axis (1, 2, 3)/√14 (Rodrigues).
        let axis = SIMD3<Double>(1, 2, 3) / 14.0.squareRoot()
        let angle = 0.7
        func rotate(_ v: SIMD3<Double>) -> SIMD3<Double> {
            let cross = SIMD3(axis.y * v.z - axis.z * v.y, axis.z * v.x - axis.x * v.z, axis.x * v.y - axis.y * v.x)
            return v * cos(angle) + cross * sin(angle) + axis * ((axis * v).sum() * (1 - cos(angle)))
        }
        var rotated = distortedWater
        rotated.positions = distortedWater.positions.map(rotate)
        let settings = gradientSettings(c.0, "6-31g*")
        let g0 = try MolecularCalculation(structure: distortedWater, settings: settings).nuclearGradient()
        let g1 = try MolecularCalculation(structure: rotated, settings: settings).nuclearGradient()
        for a in 0..<3 {
            let err = largestComponent(g1.gradient[a] - rotate(g0.gradient[a]))
            #expect(err < c.1, "\(c.0) atom \(a): rotated gradient off by \(err)")
        }
    }

    /// Forces are −gradient, and eV/Å uses the CODATA factors of ChemistryCore.Units.
    @Test func forceUnits() throws {
        setBLASThreads(1)
        let g = try MolecularCalculation(structure: distortedWater, settings: gradientSettings("hf", "sto-3g")).nuclearGradient()
        let f = g.forcesEVPerAngstrom
        for a in 0..<3 {
            #expect(largestComponent(f[a] + g.gradient[a] * 27.211386245988 / 0.529177210903) < 1e-12)
            #expect(g.forces[a] == -g.gradient[a])
        }
    }
}
