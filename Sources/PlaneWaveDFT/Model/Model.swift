import ChemistryCore
import Foundation

/// Errors raised while setting up or running a plane-wave calculation.
public enum PlaneWaveError: Error, CustomStringConvertible, Equatable {
    case notPeriodic(String)
    case badCell(String)
    case overlappingAtoms(i: Int, j: Int, distance: Double)
    case missingPseudopotential(String)
    case badSettings(String)
    case numerical(String)

    public var description: String {
        switch self {
        case .notPeriodic(let m): return "structure is not a periodic crystal: \(m)"
        case .badCell(let m): return "invalid cell: \(m)"
        case .overlappingAtoms(let i, let j, let d):
            return String(format: "atoms %d and %d are %.3f Å apart (periodic images included); below 0.5 Å", i, j, d)
        case .missingPseudopotential(let m): return m
        case .badSettings(let m): return "invalid settings: \(m)"
        case .numerical(let m): return "numerical failure: \(m)"
        }
    }
}

/// The physics of a periodic system (DFTK's `Model`): cell, atoms with pseudopotentials,
/// electron count, functional and smearing. Atomic units throughout (bohr, hartree).
public struct Model: Sendable {
    /// Lattice vectors as columns, bohr.
    public let lattice: Mat3
    /// Reciprocal lattice vectors as columns (a_i · b_j = 2π δ_ij), bohr⁻¹.
    public let reciprocalLattice: Mat3
    /// Cell volume Ω, bohr³.
    public let volume: Double
    /// Fractional coordinates per atom.
    public let positions: [SIMD3<Double>]
    /// Pseudopotential per atom (index into `pseudopotentials`).
    public let species: [Int]
    public let pseudopotentials: [GTHPseudopotential]
    public let atomicNumbers: [Int]
    public let electronCount: Int
    public let xc: String

    public init(latticeColumns lattice: Mat3, fractionalPositions: [SIMD3<Double>], atomicNumbers: [Int],
                pseudopotentials psps: [GTHPseudopotential], xc: String) throws {
        let det = lattice.determinant
        guard det.isFinite, abs(det) > 1e-6 else {
            throw PlaneWaveError.badCell(String(format: "cell volume %.3g bohr³ is zero or not finite", det))
        }
        guard det > 0 else {
            throw PlaneWaveError.badCell("lattice vectors form a left-handed set (negative volume); reorder them")
        }
        self.lattice = lattice
        self.volume = det
        self.reciprocalLattice = (2 * Double.pi) * lattice.inverse.transposed
        self.positions = fractionalPositions
        self.atomicNumbers = atomicNumbers
        var unique: [GTHPseudopotential] = []
        var species: [Int] = []
        for z in atomicNumbers {
            guard let psp = psps.first(where: { $0.atomicNumber == z }) else {
                throw PlaneWaveError.missingPseudopotential("no pseudopotential given for element \(Elements.symbol(z))")
            }
            if let k = unique.firstIndex(of: psp) { species.append(k) } else { unique.append(psp); species.append(unique.count - 1) }
        }
        self.species = species
        self.pseudopotentials = unique
        self.electronCount = species.reduce(0) { $0 + unique[$1].zion }
        self.xc = xc
    }

    /// A model from a `Structure` (Å) with the bundled GTH family matching `xc`.
    public init(structure: Structure, xc: String) throws {
        guard let rows = structure.lattice, rows.count == 3 else {
            throw PlaneWaveError.notPeriodic("no lattice vectors")
        }
        guard structure.pbc.allSatisfy({ $0 }) else {
            throw PlaneWaveError.notPeriodic("plane waves need periodicity along all three lattice vectors (pbc = \(structure.pbc))")
        }
        guard structure.count > 0 else { throw PlaneWaveError.badCell("no atoms") }
        let latticeBohr = Mat3(columns: rows.map { $0 * Units.angstromInBohr })
        var lat = latticeBohr
        let det = lat.determinant
        guard det.isFinite, abs(det) > 1e-6 else {
            throw PlaneWaveError.badCell(String(format: "cell volume %.3g Å³ is zero or not finite",
                                                det * pow(Units.bohrInAngstrom, 3)))
        }
        // A left-handed cell describes the same crystal: flip it (positions are Cartesian).
        if det < 0 { lat = Mat3(columns: [lat.columns[0], lat.columns[2], lat.columns[1]]) }
        let inv = lat.inverse
        let fractional = structure.positionsBohr.map { inv * $0 }
        let family: GTHLibrary.Family
        do { family = try GTHLibrary.family(forXC: xc) } catch {
            throw PlaneWaveError.missingPseudopotential("\(error)")
        }
        var psps: [GTHPseudopotential] = []
        for z in Set(structure.atomicNumbers).sorted() {
            do { psps.append(try GTHLibrary.pseudopotential(atomicNumber: z, family: family)) } catch {
                throw PlaneWaveError.missingPseudopotential("\(error)")
            }
        }
        try self.init(latticeColumns: lat, fractionalPositions: fractional, atomicNumbers: structure.atomicNumbers,
                      pseudopotentials: psps, xc: xc)
        if let (i, j, d) = closestPeriodicPair(), d * Units.bohrInAngstrom < 0.5 {
            throw PlaneWaveError.overlappingAtoms(i: i, j: j, distance: d * Units.bohrInAngstrom)
        }
    }

    public var atomCount: Int { positions.count }

    public func cartesian(_ fractional: SIMD3<Double>) -> SIMD3<Double> { lattice * fractional }

    public func zion(atom i: Int) -> Int { pseudopotentials[species[i]].zion }

    /// Smallest distance (bohr) between two atoms including periodic images (and an atom's own
    /// images), with the pair realising it.
    public func closestPeriodicPair() -> (Int, Int, Double)? {
        var best: (Int, Int, Double)? = nil
        let range = -1...1
        for i in 0..<atomCount { for j in i..<atomCount {
            for n1 in range { for n2 in range { for n3 in range {
                if i == j && n1 == 0 && n2 == 0 && n3 == 0 { continue }
                var d = positions[j] - positions[i]
                d -= d.rounded(.toNearestOrAwayFromZero)
                let r = vnorm(lattice * (d + SIMD3(Double(n1), Double(n2), Double(n3))))
                if best == nil || r < best!.2 { best = (i, j, r) }
            } } }
        } }
        return best
    }
}
