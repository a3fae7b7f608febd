import ChemistryCore
import Foundation

/// What `relaxStructure` optimises.
public enum RelaxationMode: String, Sendable, Codable, CaseIterable {
    /// Isotropic volume from a Birch-Murnaghan fit (fractional positions fixed).
    case volume
    /// Atomic positions by forces (cell fixed).
    case positions
    /// Volume, then positions, then volume once more.
    case full
}

/// Parameters of the relaxations (Å, eV/Å for the user-facing thresholds).
public struct RelaxationOptions: Sendable {
    /// Volumes per equation-of-state scan (at least 4).
    public var eosPoints: Int
    /// Scan V_centre·(1 − range) … V_centre·(1 + range); 0.06 = 0.94–1.06.
    public var eosRange: Double
    /// Further scans, re-centred on the fitted V0, when V0 falls outside the scanned volumes.
    public var maxRecentering: Int
    /// Positions are relaxed when max_a |F_a| is below this (eV/Å).
    public var forceTolerance: Double
    /// Largest number of force evaluations (SCF runs) in a position relaxation.
    public var maxSteps: Int
    /// Largest displacement of any atom in one step (Å).
    public var maxStep: Double
    /// Initial BFGS Hessian α·I (eV/Å², ASE's default 70).
    public var initialHessian: Double
    /// One line per SCF of the relaxation.
    public var log: (@Sendable (String) -> Void)?

    public init(eosPoints: Int = 7, eosRange: Double = 0.06, maxRecentering: Int = 3, forceTolerance: Double = 0.01,
                maxSteps: Int = 50, maxStep: Double = 0.2, initialHessian: Double = 70,
                log: (@Sendable (String) -> Void)? = nil) {
        self.eosPoints = eosPoints; self.eosRange = eosRange; self.maxRecentering = maxRecentering
        self.forceTolerance = forceTolerance; self.maxSteps = maxSteps; self.maxStep = maxStep
        self.initialHessian = initialHessian; self.log = log
    }

    func validate() throws {
        guard eosPoints >= 4 else { throw PlaneWaveError.badSettings("eosPoints must be at least 4 (got \(eosPoints))") }
        guard eosRange > 0, eosRange < 0.5 else { throw PlaneWaveError.badSettings("eosRange must be in (0, 0.5) (got \(eosRange))") }
        guard maxRecentering >= 0 else { throw PlaneWaveError.badSettings("maxRecentering must not be negative") }
        guard forceTolerance > 0, forceTolerance.isFinite else { throw PlaneWaveError.badSettings("forceTolerance must be positive (eV/Å)") }
        guard maxSteps > 0 else { throw PlaneWaveError.badSettings("maxSteps must be positive") }
        guard maxStep > 0, maxStep.isFinite else { throw PlaneWaveError.badSettings("maxStep must be positive (Å)") }
        guard initialHessian > 0, initialHessian.isFinite else { throw PlaneWaveError.badSettings("initialHessian must be positive (eV/Å²)") }
    }
}

/// One SCF of an equation-of-state scan.
public struct EquationOfStatePoint: Sendable, Codable, Equatable {
    public var volumeAngstrom3: Double
    public var energyHartree: Double
    public var converged: Bool
}

/// One force evaluation of a position relaxation.
public struct PositionStep: Sendable, Codable, Equatable {
    public var energyHartree: Double
    public var maxForceEVPerAngstrom: Double
    /// Cartesian positions (Å) at which the energy and forces were computed.
    public var positionsAngstrom: [[Double]]
}

/// Outcome of `relaxVolume`, `relaxPositions` or `relaxStructure`.
public struct RelaxationResult: Sendable {
    /// The relaxed structure (Å).
    public var structure: Structure
    /// SCF of the relaxed structure: energy, forces (eV/Å), convergence.
    public var final: PlaneWaveResult
    /// The last Birch-Murnaghan fit (volume and full modes).
    public var equationOfState: BirchMurnaghanFit?
    /// Every equation-of-state point, in the order computed.
    public var eosPoints: [EquationOfStatePoint]
    /// Whether V0 fell inside the volumes of the last scan (volume and full modes; true otherwise).
    public var volumeBracketed: Bool
    /// Every force evaluation of the position relaxations.
    public var positionSteps: [PositionStep]
    /// max |F| < forceTolerance at the end (true for a volume-only relaxation).
    public var forcesConverged: Bool
    /// Human-readable log, one line per SCF plus summaries.
    public var log: [String]
}

extension Structure {
    /// Cell volume |a1 · (a2 × a3)| in Å³ (0 without a lattice).
    var cellVolumeAngstrom3: Double {
        guard let l = lattice, l.count == 3 else { return 0 }
        return abs(vdot(l[0], vcross(l[1], l[2])))
    }

    /// The same crystal with the lattice and the Cartesian positions scaled isotropically to `volume` (Å³).
    func scaled(toVolume volume: Double) -> Structure {
        let f = cbrt(volume / cellVolumeAngstrom3)
        var s = self
        s.lattice = lattice?.map { $0 * f }
        s.positions = positions.map { $0 * f }
        return s
    }
}
