/// Parts of the total energy (Ha).
public struct EnergyComponents: Sendable, Codable, Equatable {
    public var nuclearRepulsion = 0.0
    /// tr(D H_core): kinetic plus electron-nuclear attraction.
    public var oneElectron = 0.0
    /// ½ tr(D J).
    public var coulomb = 0.0
    /// Exact-exchange energy including its fraction a_x.
    public var exactExchange = 0.0
    /// E_xc from the libxc functional on the grid.
    public var exchangeCorrelation = 0.0

    public init() {}

    public var total: Double { nuclearRepulsion + oneElectron + coulomb + exactExchange + exchangeCorrelation }
}

/// The outcome of one molecular SCF calculation (atomic units unless a name says otherwise).
public struct SCFResult: Sendable, Codable {
    public var name: String
    public var formula: String
    public var method: String
    /// Resolved libxc ids and names, or "hartree-fock".
    public var libxc: String
    public var basis: String
    public var gridLevel: Int?
    public var gridPoints: Int
    public var basisFunctions: Int
    public var charge: Int
    public var spin: Int
    public var unrestricted: Bool

    public var energy: Double
    public var components: EnergyComponents
    /// Orbital energies (Ha), α then β for unrestricted.
    public var orbitalEnergiesAlpha: [Double]
    public var orbitalEnergiesBeta: [Double]?
    public var occupationsAlpha: [Double]
    public var occupationsBeta: [Double]?
    public var homo: Double
    public var lumo: Double?
    public var gap: Double? { lumo.map { $0 - homo } }
    /// Dipole moment (Debye) about the origin of the input coordinates, as PySCF reports it.
    public var dipoleDebye: SIMD3<Double>
    /// Mulliken charges (e) per atom.
    public var mullikenCharges: [Double]
    /// Total energy after each iteration.
    public var iterationEnergies: [Double]
    public var iterations: Int
    /// Levels of the coarse grids the first iterations ran on ([]: none; see `SCFSettings.startGridLevels`).
    public var startGridLevels: [Int]
    /// How many of `iterations` ran on each start grid.
    public var startGridIterations: [Int]
    public var converged: Bool
    /// Final orbital-gradient norm.
    public var gradientNorm: Double
    /// Wall time of the whole calculation, setup and SCF (seconds).
    public var seconds: Double
    /// Wall time per stage, setup included (see `Timings`).
    public var timings: [String: Double]
}
