import ChemistryCore
import ExchangeCorrelation
import Foundation
import LinearAlgebra

/// One molecular calculation set up and ready to run: basis, integrals, grid, functional.
///
/// `MolecularCalculation(structure:settings:)` validates the input (geometry, electron count
/// against spin, basis coverage, functional) and throws a one-line error for anything a user
/// can get wrong; `run()` performs the SCF and the properties.
public struct MolecularCalculation {
    public let structure: Structure
    public let settings: SCFSettings
    public let basis: MolecularBasis
    public let functional: ExchangeCorrelationFunctional
    public let grid: MolecularGrid?
    /// Canonical basis-set name ("6-31g*").
    public let basisName: String
    let electrons: ElectronCounts
    let model: KohnShamModel
    /// The same model on each coarse start grid, coarsest first.
    let startModels: [(level: Int, model: KohnShamModel)]
    let atomPositions: [SIMD3<Double>]
    /// Wall time per stage, filled during setup and `run()`.
    public let timings = Timings()
    /// Wall time spent in `init` (integrals, grid, XC setup).
    let setupSeconds: Double

    public init(structure: Structure, settings: SCFSettings) throws {
        let setupStart = Date()
        self.structure = structure
        self.settings = settings
        if let (i, j, d) = structure.closestPair(), d < settings.minimumDistance {
            throw DFTError.atomsTooClose(i: i, j: j, distance: d, minimum: settings.minimumDistance)
        }
        guard (0...9).contains(settings.gridLevel) else { throw DFTError.gridLevel(settings.gridLevel) }
        guard settings.maxIterations > 0, settings.energyTolerance > 0 else {
            throw DFTError.invalidSetting("max iterations and convergence tolerance must be positive")
        }
        guard settings.aoCutoff >= 0, settings.aoCutoff < 1, settings.eriPrimitiveThreshold >= 0,
              settings.eriPrimitiveThreshold < 1 else {
            throw DFTError.invalidSetting("the AO cutoff and the ERI primitive threshold must lie in [0, 1)")
        }
        electrons = try ElectronCounts(nuclearCharge: structure.atomicNumbers.reduce(0, +),
                                       charge: settings.charge, spin: settings.spin)
        functional = try ExchangeCorrelationFunctional(settings.functional)
        let positions = structure.positionsBohr
        atomPositions = positions
        let name = try BasisSetLibrary.canonicalName(settings.basis)
        basisName = name
        let basis = try MolecularBasis(
            atoms: zip(structure.atomicNumbers, positions).map { (atomicNumber: $0, position: $1) },
            definitions: { try BasisSetLibrary.shells(basis: name, atomicNumber: $0) },
            spherical: !settings.cartesian)
        self.basis = basis
        let unrestricted = settings.unrestricted || settings.spin != 0
        let charges = structure.atomicNumbers.map(Double.init)
        let timings = self.timings
        let (hcore, overlap) = timings.measure("one_electron") {
            let m = oneElectronMatrices(basis, charges: charges, positions: positions)
            return (m.kinetic + m.nuclearAttraction, m.overlap)
        }
        let functional = self.functional
        let grid = functional.isHartreeFock ? nil : try timings.measure("grid") {
            try MolecularGrid(atomicNumbers: structure.atomicNumbers, positions: positions, level: settings.gridLevel)
        }
        self.grid = grid
        let aoCacheBytes = settings.aoCacheBytes
        func integrator(_ grid: MolecularGrid, aoCutoff: Double) throws -> XCIntegrator {
            try XCIntegrator(basis: basis, grid: grid, evaluator: functional.evaluator(polarized: unrestricted),
                             cacheBudgetBytes: aoCacheBytes, aoCutoff: aoCutoff)
        }
        let xc = try timings.measure("xc_setup") { try grid.map { try integrator($0, aoCutoff: settings.aoCutoff) } }
        let startLevels = functional.isHartreeFock ? [] : settings.effectiveStartGridLevels
        let startXC = try timings.measure("start_grid_setup") {
            try startLevels.map { level in
                try integrator(MolecularGrid(atomicNumbers: structure.atomicNumbers, positions: positions, level: level),
                               aoCutoff: settings.startGridAOCutoff)
            }
        }
        let twoElectron = timings.measure("two_electron_setup") {
            makeTwoElectronOperator(basis: basis, memoryBudgetBytes: settings.eriMemoryBudget,
                                    exchange: functional.exactExchange != 0,
                                    primitiveThreshold: settings.eriPrimitiveThreshold)
        }
        model = KohnShamModel(
            coreHamiltonian: hcore,
            overlap: overlap,
            twoElectron: twoElectron,
            xc: xc,
            exactExchange: functional.exactExchange,
            nuclearRepulsion: nuclearRepulsionEnergy(charges: charges, positions: positions),
            unrestricted: unrestricted,
            timings: timings)
        let model = self.model
        startModels = zip(startLevels, startXC).map { ($0, model.replacingXC($1)) }
        setupSeconds = Date().timeIntervalSince(setupStart)
    }

    /// Method label as users write it, e.g. "b3lyp5/sto-3g".
    public var methodLabel: String { "\(settings.functional.lowercased())/\(settings.basis.lowercased())" }

    /// Runs the SCF; `progress` receives (iteration, energy) after every iteration.
    public func run(progress: ((Int, Double) -> Void)? = nil) throws -> SCFResult {
        try runWithDensity(progress: progress).result
    }

    /// The SCF result and its total (α + β) density matrix, for tests and tools that need it.
    func runWithDensity(progress: ((Int, Double) -> Void)? = nil) throws -> (result: SCFResult, density: Matrix) {
        let start = Date()
        let state = try solve(progress: progress)
        let density = model.unrestricted ? state.densities[0] + state.densities[1] : state.densities[0]
        return (properties(of: state, density: density, seconds: setupSeconds + Date().timeIntervalSince(start)), density)
    }

    /// The SCF from the initial guess: on each start grid to the loose start tolerance, then on
    /// the full grid from the density reached.
    func solve(progress: ((Int, Double) -> Void)? = nil) throws -> SCFDriver.State {
        let guess = try timings.measure("guess") { try initialDensities() }
        var done = 0, history: [Double] = [], perLevel: [Int] = []
        var handover: SCFDriver.Handover? = nil
        var loose = settings
        loose.energyTolerance = max(settings.energyTolerance, settings.startTolerance.energy)
        loose.gradientTolerance = max(settings.effectiveGradientTolerance, settings.startTolerance.gradient)
        for (_, startModel) in startModels {
            // Not converging on a start grid is not an error: the next grid takes over from there.
            loose.maxIterations = max(1, min(settings.maxIterations - done, settings.startMaxIterations))
            let offset = done
            let coarse = try SCFDriver(model: startModel, settings: loose, electrons: electrons)
                .run(initialDensities: guess, continuing: handover, handOver: true,
                     progress: progress.map { p in { p($0 + offset, $1) } })
            handover = coarse.handover
            done += coarse.iterations
            perLevel.append(coarse.iterations)
            history += coarse.history
        }
        var full = settings
        full.maxIterations = max(1, settings.maxIterations - done)
        var state = try SCFDriver(model: model, settings: full, electrons: electrons)
            .run(initialDensities: guess, continuing: handover, progress: progress.map { p in { p($0 + done, $1) } })
        state.iterations += done
        state.startGridIterations = perLevel
        state.history = history + state.history
        return state
    }

    func initialDensities() throws -> [Matrix] {
        let total: Matrix
        switch settings.initialGuess {
        case .core:
            let (_, c) = try generalizedSymmetricEigen(model.coreHamiltonian, metric: model.overlap)
            total = densityMatrix(orbitals: c, occupations: aufbauOccupations(count: basis.aoCount, electrons: electrons.total, perOrbital: 2))
        case .atomicDensities:
            total = try superpositionOfAtomicDensities(structure: structure, settings: settings, basis: basis)
        }
        // Scale the guess to the molecule's electron count (charged molecules, odd electrons).
        let n = total.dot(model.overlap)
        let scaled = n > 0 ? (Double(electrons.total) / n) * total : total
        if model.unrestricted {
            let fa = Double(electrons.alpha) / Double(electrons.total)
            return [fa * scaled, (1 - fa) * scaled]
        }
        return [scaled]
    }

    /// Dipole, Mulliken charges and frontier orbitals of a finished SCF; `total` = D_α + D_β.
    func properties(of s: SCFDriver.State, density total: Matrix, seconds: Double) -> SCFResult {
        // Dipole: μ = Σ_A Z_A R_A − tr(D r), origin at (0,0,0) of the input frame (as PySCF).
        let r = dipoleMatrices(basis, origin: .zero)
        var mu = SIMD3<Double>.zero
        for (z, p) in zip(structure.atomicNumbers, atomPositions) { mu += Double(z) * p }
        mu -= SIMD3(total.dot(r[0]), total.dot(r[1]), total.dot(r[2]))
        // Mulliken: q_A = Z_A − Σ_{μ∈A} (D S)_μμ.
        let ds = multiply(total, model.overlap)
        var charges = structure.atomicNumbers.map(Double.init)
        for mu in 0..<basis.aoCount { charges[basis.aoAtom[mu]] -= ds[mu, mu] }
        func frontier(_ e: [Double], _ occ: [Double]) -> (Double?, Double?) {
            (e.indices.filter { occ[$0] > 0 }.map { e[$0] }.max(), e.indices.filter { occ[$0] == 0 }.map { e[$0] }.min())
        }
        var homo = -Double.infinity, lumo: Double? = nil
        for k in 0..<s.energies.count {
            let (h, l) = frontier(s.energies[k], s.occupations[k])
            if let h { homo = max(homo, h) }
            if let l { lumo = min(lumo ?? l, l) }
        }
        return SCFResult(
            name: structure.name, formula: structure.formula, method: methodLabel,
            libxc: functional.libxcDescription, basis: basisName, gridLevel: grid == nil ? nil : settings.gridLevel,
            gridPoints: grid?.count ?? 0, basisFunctions: basis.aoCount, charge: settings.charge,
            spin: settings.spin, unrestricted: model.unrestricted,
            energy: s.energy.total, components: s.energy,
            orbitalEnergiesAlpha: s.energies[0], orbitalEnergiesBeta: model.unrestricted ? s.energies[1] : nil,
            occupationsAlpha: s.occupations[0], occupationsBeta: model.unrestricted ? s.occupations[1] : nil,
            homo: homo, lumo: lumo, dipoleDebye: mu * Units.auDipoleInDebye, mullikenCharges: charges,
            iterationEnergies: s.history, iterations: s.iterations,
            startGridLevels: startModels.map(\.level),
            startGridIterations: s.startGridIterations, converged: s.converged,
            gradientNorm: s.gradientNorm, seconds: seconds, timings: timings.snapshot)
    }
}
