/// How to start the SCF.
public enum InitialGuess: String, Sendable, Codable, CaseIterable {
    /// Diagonalise the core Hamiltonian (T + V_nuc).
    case core
    /// Superposition of spherically averaged atomic Hartree-Fock densities in the same basis.
    case atomicDensities = "sad"
}

/// Everything that defines one molecular calculation except the geometry.
///
/// Defaults follow PySCF 2.14 (conv_tol 1e-9 Ha, orbital-gradient tolerance √conv_tol, CDIIS,
/// grid level 3, spherical basis functions), except that DIIS keeps 12 vectors, not 8.
public struct SCFSettings: Sendable, Equatable {
    /// Exchange-correlation functional (libxc names/ids or an alias; "hf" for Hartree-Fock).
    public var functional: String = "b3lyp"
    /// Basis-set name ("sto-3g", "6-31g*", "def2-svp", …).
    public var basis: String = "sto-3g"
    /// Molecular grid level 0–9, as PySCF's `grids.level`.
    public var gridLevel: Int = 3
    /// Coarse grid levels for the first SCF iterations, coarsest first: the SCF converges on each
    /// to `startTolerance` and continues on the next from the density reached, finishing on
    /// `gridLevel` with the full tolerances, so the result is the `gridLevel` result (converged to
    /// the same tolerances) at a fraction of the cost. Levels above `gridLevel − 2` are skipped;
    /// [] runs every iteration on `gridLevel` (PySCF's behaviour). Level 1 has about a third of
    /// level 3's points; adding level 0 before it saved nothing measurable (caffeine B3LYP5/STO-3G)
    /// and costs iterations where J/K dominate (PBE/6-31G*), so the default is level 1 alone.
    public var startGridLevels: [Int] = [1]
    /// Loose convergence (|ΔE| in Ha, orbital-gradient norm) that ends each start-grid phase. A
    /// start-grid density differs from the final one by that grid's integration error (≈1e-5 Ha in
    /// energy for level 1), so converging it further buys nothing.
    public var startTolerance = Tolerance(energy: 1e-7, gradient: 1e-4)
    /// |φ| below which an AO is dropped from a start-grid block (the final grid uses `aoCutoff`,
    /// by default 1e-10). A start grid only has to bring the density
    /// close, and its own integration error (≈1e-5 Ha on level 1) is far above what the looser
    /// cutoff adds, so blocks can carry fewer functions: caffeine PBE/6-31G* start-grid XC
    /// 3.1 → 2.4 s, aspirin 2.2 → 1.7 s, with the same iteration counts and final energies to
    /// 1e-10 Ha. At 1e-4 caffeine needed one more final-grid iteration.
    public var startGridAOCutoff: Double = 1e-5
    /// |φ| below which an AO is dropped from a block of the final grid (`defaultAOCutoff`,
    /// 1e-10, unless a coarse grid's own integration error leaves room for more: see
    /// `GenerationPreset.qm1b`).
    public var aoCutoff: Double = defaultAOCutoff
    /// Primitive quartets of the two-electron integrals whose estimate is below this are skipped
    /// (`defaultERIPrimitiveThreshold`, 1e-15).
    public var eriPrimitiveThreshold: Double = defaultERIPrimitiveThreshold
    /// Iteration cap of each start-grid phase; a phase that reaches it hands its density on unconverged.
    public var startMaxIterations = 30
    /// Cartesian instead of spherical d and f functions.
    public var cartesian: Bool = false
    /// Total charge (e).
    public var charge: Int = 0
    /// Number of unpaired electrons, 2S (PySCF's `spin`).
    public var spin: Int = 0
    /// Force an unrestricted calculation; by default closed shells are restricted and open shells unrestricted.
    public var unrestricted: Bool = false
    public var maxIterations: Int = 100
    /// Convergence on the change of total energy between iterations (Ha).
    public var energyTolerance: Double = 1e-9
    /// Convergence on the orbital-gradient norm; nil = √energyTolerance.
    public var gradientTolerance: Double? = nil
    /// DIIS subspace size. PySCF keeps 8; 12 never took more iterations on the public set
    /// (PBE/6-31G*: 172 → 168 iterations over the 16 molecules, one fewer on each of caffeine and
    /// aspirin) and makes no difference to B3LYP5/STO-3G on level 0, which converges
    /// in about 10 iterations. Larger spaces (16, 20) changed nothing more.
    public var diisSpace: Int = 12
    public var initialGuess: InitialGuess = .atomicDensities
    /// Memory allowed for the in-core ERI tensor before switching to direct J/K builds (bytes).
    public var eriMemoryBudget: Int = 1 << 30
    /// Memory for AO values (and gradients) cached between SCF iterations, per grid (bytes); blocks
    /// beyond it are evaluated again on every pass. Re-evaluating costs about 0.2 ms per MiB of
    /// values per pass; fresh memory costs 0.3–2 ms per MiB to fault in (the high end in virtual
    /// machines that hand idle memory back to the host), so with the 5–10 passes a grid sees
    /// with start grids, caching pays only for small grids. 32 MiB holds a level-0 grid of a
    /// QM1B-sized molecule (11 heavy atoms, STO-3G) completely.
    public var aoCacheBytes: Int = 32 << 20
    /// Closest allowed interatomic distance (Å).
    public var minimumDistance: Double = 0.1

    public init() {}

    /// A pair of SCF convergence thresholds.
    public struct Tolerance: Sendable, Equatable {
        /// |ΔE| between iterations (Ha).
        public var energy: Double
        /// Orbital-gradient norm.
        public var gradient: Double
        public init(energy: Double, gradient: Double) { self.energy = energy; self.gradient = gradient }
    }

    public var effectiveGradientTolerance: Double { gradientTolerance ?? energyTolerance.squareRoot() }

    /// The start-grid levels actually used.
    public var effectiveStartGridLevels: [Int] {
        Array(Set(startGridLevels.filter { $0 >= 0 && $0 <= gridLevel - 2 })).sorted()
    }
}
