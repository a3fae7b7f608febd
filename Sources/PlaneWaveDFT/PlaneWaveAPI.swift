import ChemistryCore
import Foundation

/// Settings of a plane-wave Kohn-Sham calculation (atomic units: hartree, bohr).
public struct PlaneWaveSettings: Sendable {
    /// Functional: "lda" (lda_x + lda_c_vwn with GTH-PADE pseudopotentials) or "pbe" (GTH-PBE);
    /// any libxc LDA/GGA spec is accepted, the pseudopotential family follows from its name.
    public var xc: String
    /// Kinetic-energy cutoff, hartree (½|k+G|² ≤ ecut).
    public var ecut: Double
    /// Monkhorst-Pack grid.
    public var kgrid: SIMD3<Int>
    /// 0 = Γ-centred, 1 = shifted by half a grid step along that axis.
    public var kshift: SIMD3<Int>
    /// Smearing width σ (hartree); nil for an insulator with integer occupations.
    public var smearing: Double?
    public var smearingScheme: SmearingScheme
    public var maxIterations: Int
    /// |E_n − E_{n−1}| below this (hartree) …
    public var energyTolerance: Double
    /// … and ‖ρ_out − ρ_in‖₂ below this (electrons/bohr^{3/2}) ends the SCF.
    public var densityTolerance: Double
    /// Density preconditioner: nil = simple for insulators, Kerker with smearing.
    public var mixing: MixingScheme?
    /// Mixing weight α: nil = 0.8 for simple mixing, 1.0 with Kerker (ABINIT's diemix default);
    /// with Kerker's k_TF = 0.5 bohr⁻¹ (`AndersonMixer`) that took fcc Al, bcc Li and Na, fcc Mg
    /// and Ca (6×6×6, 0.01 Ha Fermi-Dirac) from 7, 8, 9, 7, 10 SCF steps (α 0.8, k_TF 0.8) to 5, 6, 6, 6, 7.
    public var damping: Double?
    /// Reduce k-points by the crystal symmetry (spglib) and time reversal.
    public var useSymmetry: Bool
    /// Override the FFT grid (default: from 2√(2 Ecut), sizes 2^a 3^b 5^c).
    public var fftSize: SIMD3<Int>?
    /// Bands computed beyond those converged (the block LOBPCG iterates; ABINIT iterates exactly
    /// the bands it needs). 1 was 16% faster than 3 for fcc Al (6×6×6, smearing) and 8% for Si
    /// at the same energies (benchmarks/planewave-vs-abinit).
    public var extraBands: Int
    /// Progress lines (one per SCF iteration).
    public var log: (@Sendable (String) -> Void)?

    public init(xc: String = "pbe", ecut: Double = 20, kgrid: SIMD3<Int> = SIMD3(3, 3, 3),
                kshift: SIMD3<Int> = .zero, smearing: Double? = nil, smearingScheme: SmearingScheme = .fermiDirac,
                maxIterations: Int = 100, energyTolerance: Double = 1e-8, densityTolerance: Double = 1e-6,
                mixing: MixingScheme? = nil, damping: Double? = nil, useSymmetry: Bool = true,
                fftSize: SIMD3<Int>? = nil, extraBands: Int = 1, log: (@Sendable (String) -> Void)? = nil) {
        self.xc = xc; self.ecut = ecut; self.kgrid = kgrid; self.kshift = kshift; self.smearing = smearing
        self.smearingScheme = smearingScheme; self.maxIterations = maxIterations
        self.energyTolerance = energyTolerance; self.densityTolerance = densityTolerance
        self.mixing = mixing; self.damping = damping; self.useSymmetry = useSymmetry; self.fftSize = fftSize
        self.extraBands = extraBands; self.log = log
    }

    /// Convenience for an [Int] grid such as [3, 3, 3].
    public init(xc: String, ecut: Double, kgrid: [Int], kshift: [Int] = [0, 0, 0], smearing: Double? = nil) {
        precondition(kgrid.count == 3 && kshift.count == 3)
        self.init(xc: xc, ecut: ecut, kgrid: SIMD3(kgrid[0], kgrid[1], kgrid[2]),
                  kshift: SIMD3(kshift[0], kshift[1], kshift[2]), smearing: smearing)
    }
}

/// Outcome of `runPlaneWaveDFT` (energies in hartree unless named otherwise).
public struct PlaneWaveResult: Sendable, Codable {
    public var energyHartree: Double
    /// Kinetic, AtomicLocal, AtomicNonlocal, Hartree, Xc, Ewald, PspCorrection (+ Entropy).
    public var energyTerms: [String: Double]
    public var energyPerAtomEV: Double
    public var fermiLevelHartree: Double
    /// CBM − VBM when the occupations are integer and uniform over k, else nil.
    public var bandGapHartree: Double?
    public var converged: Bool
    public var iterations: Int
    public var energiesPerIteration: [Double]
    public var seconds: Double
    // Diagnostics.
    public var ecut: Double
    public var fftSize: [Int]
    /// The Monkhorst-Pack grid (nil in results stored before it was recorded).
    public var kgrid: [Int]?
    public var kpointCount: Int
    public var kpoints: [[Double]]
    public var kweights: [Double]
    public var planeWaveCounts: [Int]
    public var electronCount: Int
    public var pseudopotentials: [String]
    public var finalDensityChange: Double
    /// Hellmann-Feynman forces per atom, eV/Å, Cartesian axes of the input structure
    /// (local + nonlocal pseudopotential + Ewald, symmetrised when k-points are symmetry-reduced).
    public var forcesEVPerAngstrom: [[Double]]
    /// Largest |F| over the atoms, eV/Å.
    public var maxForceEVPerAngstrom: Double {
        forcesEVPerAngstrom.map { ($0.map { $0 * $0 }.reduce(0, +)).squareRoot() }.max() ?? 0
    }
}

/// Runs a plane-wave Kohn-Sham DFT calculation on a periodic structure (positions in Å).
///
/// Throws `PlaneWaveError` for a structure without a full 3D lattice, a zero/negative-volume
/// cell, atoms closer than 0.5 Å, an element without a bundled GTH pseudopotential, or
/// invalid settings. Non-convergence is not an error: `converged` is false in the result.
public func runPlaneWaveDFT(structure: Structure, settings: PlaneWaveSettings) throws -> PlaneWaveResult {
    let start = Date()
    guard settings.ecut > 0, settings.ecut.isFinite else {
        throw PlaneWaveError.badSettings("ecut must be positive (hartree), got \(settings.ecut)")
    }
    guard settings.kgrid.x > 0, settings.kgrid.y > 0, settings.kgrid.z > 0 else {
        throw PlaneWaveError.badSettings("k-grid entries must be positive, got \(settings.kgrid)")
    }
    guard [settings.kshift.x, settings.kshift.y, settings.kshift.z].allSatisfy({ $0 == 0 || $0 == 1 }) else {
        throw PlaneWaveError.badSettings("k-shift entries must be 0 or 1")
    }
    if let s = settings.smearing, !(s > 0) { throw PlaneWaveError.badSettings("smearing must be positive") }
    guard settings.maxIterations > 0 else { throw PlaneWaveError.badSettings("maxIterations must be positive") }

    let model = try Model(structure: structure, xc: settings.xc)
    let ops = settings.useSymmetry ? symmetryOperations(model: model) : [.identity]
    let kset = monkhorstPackGrid(size: settings.kgrid, shift: settings.kshift, symmetries: ops,
                                 timeReversal: true)
    let basis = try PlaneWaveBasis(model: model, ecut: settings.ecut, kpoints: kset, fftSize: settings.fftSize)
    let solver = try SCFSolver(basis: basis)
    var p = SCFParameters()
    p.smearing = settings.smearing
    p.scheme = settings.smearingScheme
    p.maxIterations = settings.maxIterations
    p.energyTolerance = settings.energyTolerance
    p.densityTolerance = settings.densityTolerance
    p.mixing = settings.mixing ?? (settings.smearing == nil ? .simple : .kerker)
    p.damping = settings.damping ?? (p.mixing == .kerker ? 1.0 : 0.8)
    p.extraBands = max(1, settings.extraBands)
    p.log = settings.log
    let state = try solver.run(p)
    let forces = try computeForces(solver: solver, state: state).total
    let forceUnit = Units.hartreeInEV / Units.bohrInAngstrom
    let e = state.energies.total
    return PlaneWaveResult(
        energyHartree: e, energyTerms: state.energies.dictionary,
        energyPerAtomEV: e * Units.hartreeInEV / Double(model.atomCount),
        fermiLevelHartree: state.fermiLevel, bandGapHartree: state.bandGap,
        converged: state.converged, iterations: state.iterations, energiesPerIteration: state.energyHistory,
        seconds: Date().timeIntervalSince(start), ecut: settings.ecut,
        fftSize: [basis.fftSize.x, basis.fftSize.y, basis.fftSize.z], kgrid: [settings.kgrid.x, settings.kgrid.y, settings.kgrid.z],
        kpointCount: basis.kpoints.count,
        kpoints: basis.kpoints.map { [$0.coordinate.x, $0.coordinate.y, $0.coordinate.z] },
        kweights: basis.kpoints.map(\.weight), planeWaveCounts: basis.kpoints.map(\.count),
        electronCount: model.electronCount, pseudopotentials: model.pseudopotentials.map(\.name),
        finalDensityChange: state.densityChange,
        forcesEVPerAngstrom: forces.map { [$0.x * forceUnit, $0.y * forceUnit, $0.z * forceUnit] })
}
