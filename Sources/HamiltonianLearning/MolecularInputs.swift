import ChemistryCore
import GaussianDFT
import LinearAlgebra

/// Everything the Hamiltonian model and the energy loss need for one geometry, computed once:
/// the DFT setup (basis, integrals, grid), the equivariant input matrices M_k and the AO layout.
public struct MolecularInputs {
    public let structure: Structure
    public let energy: HamiltonianEnergy
    /// Input matrices M_k in `HamiltonianModelConfiguration.matrixNames` order (AO basis).
    public let matrices: [Matrix]
    /// Atom of each AO and the index of its shell within that atom ("shell slot").
    public let aoAtom: [Int]
    public let aoSlot: [Int]
    /// Interatomic distances (Å), row-major N × N.
    public let distances: [Double]
    /// Fraction of exact exchange a_x of the functional.
    public let exactExchange: Double

    public var atomCount: Int { structure.count }
    public var aoCount: Int { energy.aoCount }

    /// Sets up the calculation with the configuration's basis, functional and grid and builds
    /// the input matrices. Throws for elements or shell counts the model does not cover, open
    /// shells, and anything `MolecularCalculation` rejects.
    ///
    /// - Parameters:
    ///   - aoCacheBytes: memory for AO values on the grid kept between energy evaluations (bytes;
    ///     `SCFSettings.aoCacheBytes`). Training evaluates every conformer once per epoch, so a
    ///     budget that holds the whole grid saves re-evaluating the AOs at every step.
    ///   - startGrids: also build the coarse grids the SCF starts on (`SCFSettings.startGridLevels`);
    ///     only worth it when `energy.calculation.run()` will be called (reference energies).
    public init(structure: Structure, configuration c: HamiltonianModelConfiguration,
                aoCacheBytes: Int = SCFSettings().aoCacheBytes, startGrids: Bool = false) throws {
        for z in structure.atomicNumbers where !c.elements.contains(z) {
            throw HamiltonianLearningError.unknownElement(z)
        }
        var s = SCFSettings()
        s.functional = c.functional
        s.basis = c.basis
        s.gridLevel = c.gridLevel
        s.cartesian = c.cartesian
        s.aoCacheBytes = aoCacheBytes
        if !startGrids { s.startGridLevels = [] }
        let calculation = try MolecularCalculation(structure: structure, settings: s)
        energy = try HamiltonianEnergy(calculation: calculation)
        self.structure = structure
        let basis = calculation.basis
        var atomOf = [Int](repeating: 0, count: basis.aoCount)
        var slot = [Int](repeating: 0, count: basis.aoCount)
        for (atom, range) in basis.atomShellRanges.enumerated() {
            if range.count > c.shellSlots {
                throw HamiltonianLearningError.tooManyShells(atomicNumber: structure.atomicNumbers[atom],
                                                             shells: range.count, slots: c.shellSlots)
            }
            for shell in range {
                let start = basis.aoOffsets[shell]
                for mu in start..<(start + basis.functionCount(ofShell: shell)) {
                    atomOf[mu] = atom
                    slot[mu] = shell - range.lowerBound
                }
            }
        }
        aoAtom = atomOf
        aoSlot = slot
        let g = try calculation.guessMatrices()
        var list: [Matrix] = []
        for name in c.matrixNames {
            switch name {
            case "overlap": list.append(g.overlap)
            case "kinetic": list.append(g.kinetic)
            case "nuclear_attraction": list.append(g.nuclearAttraction)
            case "coulomb_sad": list.append(g.coulomb)
            case "exchange_sad": list.append(g.exchange)
            case "xc_sad":
                guard let v = g.exchangeCorrelation else {
                    throw HamiltonianLearningError.invalidSetting("xc_sad needs a functional with an XC part, not \(c.functional)")
                }
                list.append(v)
            default: throw HamiltonianLearningError.invalidSetting("unknown input matrix '\(name)'")
            }
        }
        matrices = list
        exactExchange = g.exactExchange
        let n = structure.count
        var d = [Double](repeating: 0, count: n * n)
        for a in 0..<n { for b in 0..<n { d[a * n + b] = ((structure.positions[a] - structure.positions[b]) * (structure.positions[a] - structure.positions[b])).sum().squareRoot() } }
        distances = d
    }

    /// The energy of the aufbau density of H_core + W after `scfSteps` unrolled damped Roothaan
    /// steps (none: no SCF at all), and dE/dW through them if `gradient`.
    public func evaluate(correction w: Matrix, scfSteps: Int = 0, mixing: Double = 0.5,
                         gradient: Bool) throws -> HamiltonianEnergyEvaluation {
        try energy.evaluate(correction: w, scfSteps: scfSteps, mixing: mixing, gradient: gradient)
    }
}

/// Shell count per atom of `element` in `basis` (for choosing `shellSlots`).
public func shellCount(element z: Int, basis: String) throws -> Int {
    try BasisSetLibrary.shells(basis: BasisSetLibrary.canonicalName(basis), atomicNumber: z).count
}
