/// A molecule or crystal: atoms with positions in Å, optionally a lattice.
///
/// This is the value that crosses every module boundary (readers → DFT → datasets → networks).
public struct Structure: Equatable, Sendable {
    /// A name for reports and datasets (from the file's comment line or its index).
    public var name: String
    /// Atomic numbers Z, one per atom.
    public var atomicNumbers: [Int]
    /// Cartesian positions in Å, one per atom.
    public var positions: [SIMD3<Double>]
    /// Lattice vectors as rows, in Å; nil for a molecule.
    public var lattice: [SIMD3<Double>]?
    /// Periodicity along each lattice vector.
    public var pbc: [Bool]
    /// Free-form per-structure properties read from the file (extended XYZ key=value pairs).
    public var properties: [String: String]

    public init(name: String, atomicNumbers: [Int], positions: [SIMD3<Double>],
                lattice: [SIMD3<Double>]? = nil, pbc: [Bool] = [false, false, false],
                properties: [String: String] = [:]) {
        precondition(atomicNumbers.count == positions.count)
        self.name = name
        self.atomicNumbers = atomicNumbers
        self.positions = positions
        self.lattice = lattice
        self.pbc = pbc
        self.properties = properties
    }

    public var count: Int { atomicNumbers.count }

    /// Hill-order formula, e.g. "CH4O".
    public var formula: String {
        var counts: [Int: Int] = [:]
        for z in atomicNumbers { counts[z, default: 0] += 1 }
        func term(_ z: Int) -> String { Elements.symbol(z) + (counts[z]! > 1 ? "\(counts[z]!)" : "") }
        var parts: [String] = []
        if counts[6] != nil {
            parts.append(term(6))
            if counts[1] != nil { parts.append(term(1)) }
        }
        let rest = counts.keys.filter { counts[6] == nil || ($0 != 6 && $0 != 1) }
            .sorted { Elements.symbol($0) < Elements.symbol($1) }
        parts += rest.map(term)
        return parts.joined()
    }

    /// Positions in bohr, for the DFT codes.
    public var positionsBohr: [SIMD3<Double>] { positions.map { $0 * Units.angstromInBohr } }

    /// The smallest interatomic distance in Å and the pair realising it (nil for < 2 atoms).
    public func closestPair() -> (i: Int, j: Int, distance: Double)? {
        guard count > 1 else { return nil }
        var best = (0, 1, Double.infinity)
        for i in 0..<count { for j in (i + 1)..<count {
            let d = positions[i] - positions[j]
            let r = (d * d).sum().squareRoot()
            if r < best.2 { best = (i, j, r) }
        } }
        return (best.0, best.1, best.2)
    }
}
