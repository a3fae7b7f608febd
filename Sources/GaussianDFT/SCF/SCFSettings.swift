/// How to start the SCF.
public enum InitialGuess: String, Sendable, Codable, CaseIterable {
    /// Diagonalise the core Hamiltonian (T + V_nuc).
    case core
    /// Superposition of spherically averaged atomic Hartree-Fock densities in the same basis.
    case atomicDensities = "sad"
}

/// Everything that defines one molecular calculation except the geometry.
///
/// Defaults follow PySCF 2.14: conv_tol 1e-9 Ha, orbital-gradient tolerance √conv_tol,
/// CDIIS with 8 vectors, grid level 3, spherical basis functions.
public struct SCFSettings: Sendable, Equatable {
    /// Exchange-correlation functional (libxc names/ids or an alias; "hf" for Hartree-Fock).
    public var functional: String = "b3lyp"
    /// Basis-set name ("sto-3g", "6-31g*", "def2-svp", …).
    public var basis: String = "sto-3g"
    /// Molecular grid level 0–9, as PySCF's `grids.level`.
    public var gridLevel: Int = 3
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
    /// DIIS subspace size.
    public var diisSpace: Int = 8
    public var initialGuess: InitialGuess = .atomicDensities
    /// Memory allowed for the in-core ERI tensor before switching to direct J/K builds (bytes).
    public var eriMemoryBudget: Int = 1 << 30
    /// Closest allowed interatomic distance (Å).
    public var minimumDistance: Double = 0.1

    public init() {}

    public var effectiveGradientTolerance: Double { gradientTolerance ?? energyTolerance.squareRoot() }
}
