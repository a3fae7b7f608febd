import ChemistryCore
import Foundation

/// Per-element radii and oxidation states (table in RadiiTable.swift, generated from pymatgen's
/// periodic-table data by Tests/DiscoveryTests/Reference/radii_table.py):
/// - atomic radius: Slater, J. Chem. Phys. 41, 3199 (1964), empirical radii from bond lengths
///   (Clementi et al., J. Chem. Phys. 47, 1300 (1967) where Slater gives none);
/// - ionic radius: Shannon, Acta Cryst. A32, 751 (1976), CN VI, for one common oxidation state;
/// - common oxidation states: pymatgen / Materials Project.
/// Covers Z = 1–94.
public enum Radii {
    static let byZ: [Int: (z: Int, atomic: Double, oxidationStates: [Int], ionicState: Int, ionic: Double)] =
        Dictionary(uniqueKeysWithValues: table.map { ($0.z, $0) })

    /// Slater's atomic radius in Å.
    public static func atomicRadius(_ z: Int) -> Double? { byZ[z]?.atomic }
    /// Common oxidation states (empty for noble gases).
    public static func commonOxidationStates(_ z: Int) -> [Int] { byZ[z]?.oxidationStates ?? [] }
    /// Shannon ionic radius (Å) and the oxidation state it belongs to, if tabulated.
    public static func ionicRadius(_ z: Int) -> (oxidationState: Int, radius: Double)? {
        guard let e = byZ[z], e.ionicState != 0, e.ionic > 0 else { return nil }
        return (e.ionicState, e.ionic)
    }

    /// Volume per atom (Å³) of element Z in a crystal of touching spheres of its atomic radius r at
    /// packing fraction φ: v = (4/3)π r³ / φ. φ = 0.74 is close packing (fcc/hcp).
    public static func atomicVolume(_ z: Int, packingFraction: Double = 0.74) throws -> Double {
        guard let r = atomicRadius(z) else {
            throw DiscoveryError.invalidArgument("no atomic radius for Z = \(z) (the table covers H–Pu)")
        }
        guard packingFraction > 0, packingFraction <= 1 else {
            throw DiscoveryError.invalidArgument("packing fraction must be in (0, 1], got \(packingFraction)")
        }
        return 4.0 / 3.0 * Double.pi * r * r * r / packingFraction
    }
}

/// Lattice estimate for a decorated prototype: scale the cell isotropically so its volume is the
/// sum of the atomic volumes, V = Σ_atoms (4/3)π r_Z³ / φ (Radii.atomicVolume). Fractional
/// coordinates and cell angles are kept. A starting point for relaxation, typically within ±25%
/// of the experimental volume for metals and ionic solids (open covalent networks such as
/// diamond-structure Si come out ~2.5× too dense — relaxation or a volume scan must follow).
public enum LatticeEstimate {
    /// Σ atomic volumes of the atoms, Å³.
    public static func estimatedVolume(atomicNumbers: [Int], packingFraction: Double = 0.74) throws -> Double {
        try atomicNumbers.reduce(0) { $0 + (try Radii.atomicVolume($1, packingFraction: packingFraction)) }
    }

    /// The structure scaled isotropically (lattice and positions) to `volume` Å³.
    public static func scaled(_ structure: Structure, toVolume volume: Double) throws -> Structure {
        guard let lattice = structure.lattice, structure.isPeriodic else {
            throw DiscoveryError.invalidStructure(structure.name, "scaling needs a 3D periodic crystal")
        }
        guard volume > 0, volume.isFinite else { throw DiscoveryError.invalidArgument("target volume must be positive") }
        let v0 = cellVolume(lattice)
        guard v0 > 1e-12 else { throw DiscoveryError.invalidStructure(structure.name, "zero cell volume") }
        let s = Foundation.cbrt(volume / v0)
        var out = structure
        out.lattice = lattice.map { $0 * s }
        out.positions = structure.positions.map { $0 * s }
        return out
    }

    /// The structure scaled to its estimated volume.
    public static func scaledToEstimate(_ structure: Structure, packingFraction: Double = 0.74) throws -> Structure {
        try scaled(structure, toVolume: try estimatedVolume(atomicNumbers: structure.atomicNumbers, packingFraction: packingFraction))
    }
}
