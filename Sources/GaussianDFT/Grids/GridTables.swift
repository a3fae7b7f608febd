// Element data and grid-size tables for molecular quadrature, following PySCF 2.x
// (`pyscf/dft/gen_grid.py`, `pyscf/dft/radi.py`, `pyscf/data/radii.py`).

/// Errors raised while building molecular integration grids.
public enum GridError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Grid level outside 0...9.
    case unsupportedLevel(Int)
    /// Atomic number without tabulated grid parameters (supported: 1...103).
    case unsupportedElement(Int)
    /// Number of Lebedev points that is not one of `LebedevGrids.pointCounts`.
    case unsupportedAngularGrid(Int)
    /// `atomicNumbers` and `positions` differ in length.
    case mismatchedInput(atoms: Int, positions: Int)
    /// Two atoms at the same position (the Becke partition is undefined).
    case coincidentAtoms(Int, Int)
    /// The bundled Lebedev table could not be read.
    case missingResource(String)

    public var description: String {
        switch self {
        case .unsupportedLevel(let l): return "grid level \(l) is outside 0...9"
        case .unsupportedElement(let z): return "no grid parameters for atomic number \(z) (supported: 1...\(GridTables.maxAtomicNumber))"
        case .unsupportedAngularGrid(let n): return "\(n) is not a supported Lebedev grid size"
        case .mismatchedInput(let a, let p): return "\(a) atomic numbers but \(p) positions"
        case .coincidentAtoms(let i, let j): return "atoms \(i) and \(j) are at the same position"
        case .missingResource(let s): return "missing grid resource: \(s)"
        }
    }
}

/// Tables that define PySCF's grid levels and atomic parameters.
public enum GridTables {
    /// Bohr radius in Å as PySCF 2.x uses it for its radii tables (`pyscf.data.nist.BOHR`,
    /// CODATA 2010). Kept private to the grids so the Bragg radii in bohr match PySCF's
    /// bit for bit.
    static let pyscfBohrInAngstrom = 0.52917721092

    /// Largest atomic number with tabulated parameters (Treutler ξ stops at Lr).
    public static let maxAtomicNumber = 103

    /// Bragg-Slater radii in Å (J. C. Slater, JCP 41, 3199 (1964); PySCF `radii.BRAGG`),
    /// indexed by atomic number; index 0 is PySCF's value for ghost atoms.
    static let braggRadiiAngstrom: [Double] = [
        1.999999,
        0.35, 1.40,
        1.45, 1.05, 0.85, 0.70, 0.65, 0.60, 0.50, 1.50,
        1.80, 1.50, 1.25, 1.10, 1.00, 1.00, 1.00, 1.80,
        2.20, 1.80,
        1.60, 1.40, 1.35, 1.40, 1.40, 1.40, 1.35, 1.35, 1.35, 1.35,
        1.30, 1.25, 1.15, 1.15, 1.15, 1.90,
        2.35, 2.00,
        1.80, 1.55, 1.45, 1.45, 1.35, 1.30, 1.35, 1.40, 1.60, 1.55,
        1.55, 1.45, 1.45, 1.40, 1.40, 2.10,
        2.60, 2.15,
        1.95, 1.85, 1.85, 1.85, 1.85, 1.85, 1.85,
        1.80, 1.75, 1.75, 1.75, 1.75, 1.75, 1.75, 1.75,
        1.55, 1.45, 1.35, 1.35, 1.30, 1.35, 1.35, 1.35, 1.50,
        1.90, 1.80, 1.60, 1.90, 1.45, 2.10,
        1.80, 2.15,
        1.95, 1.80, 1.80, 1.75, 1.75, 1.75, 1.75,
        1.75, 1.75, 1.75, 1.75, 1.75, 1.75, 1.75,
        1.75,                                       // Lr; PySCF continues with 1.75 to Z = 130
    ]

    /// Treutler-Ahlrichs radial scale ξ per element (JCP 102, 346 (1995) for H-Kr; heavier
    /// elements as PySCF copies them from Psi4: `radi._treutler_ahlrichs_xi`). Index 0: ghost.
    static let treutlerXiTable: [Double] = [
        1.0,
        0.8, 0.9,
        1.8, 1.4, 1.3, 1.1, 0.9, 0.9, 0.9, 0.9,
        1.4, 1.3, 1.3, 1.2, 1.1, 1.0, 1.0, 1.0,
        1.5, 1.4,
        1.3, 1.2, 1.2, 1.2, 1.2, 1.2, 1.2, 1.1, 1.1, 1.1,
        1.1, 1.0, 0.9, 0.9, 0.9, 0.9,
        2.000, 1.700,
        1.500, 1.500, 1.350, 1.350, 1.250, 1.200, 1.250, 1.300, 1.500, 1.500,
        1.300, 1.200, 1.200, 1.150, 1.150, 1.150,
        2.500, 2.200,
        2.500, 1.500, 1.500, 1.500, 1.500, 1.500, 1.500,
        1.500, 1.500, 1.500, 1.500, 1.500, 1.500, 1.500, 1.500,
        1.500, 1.500, 1.500, 1.500, 1.500, 1.500, 1.500, 1.500, 1.500,
        1.500, 1.500, 1.500, 1.500, 1.500, 1.500,
        2.500, 2.100,
        3.685, 1.500, 1.500, 1.500, 1.500, 1.500, 1.500,
        1.500, 1.500, 1.500, 1.500, 1.500, 1.500, 1.500, 1.500,
    ]

    /// Bragg radius in bohr, computed as PySCF does (`1/BOHR * radius_in_Å`).
    public static func braggRadius(_ z: Int) -> Double {
        (1.0 / pyscfBohrInAngstrom) * braggRadiiAngstrom[z]
    }

    /// Treutler-Ahlrichs ξ for an element (PySCF's `ATOM_SPECIFIC_TREUTLER_GRIDS = True`).
    public static func treutlerXi(_ z: Int) -> Double { treutlerXiTable[z] }

    /// Whether grid parameters exist for atomic number `z`.
    public static func isSupported(_ z: Int) -> Bool { (1...maxAtomicNumber).contains(z) }

    /// Row of `radialCounts`/`angularOrders` for an element: 0 for H-He, 1 for Li-Ne,
    /// 2 for Na-Ar, 3 for K-Kr, 4 for Rb-Xe, 5 for Cs-Rn, 6 beyond (PySCF `_default_rad`).
    public static func periodIndex(_ z: Int) -> Int {
        let bounds = [2, 10, 18, 36, 54, 86, 118]
        return bounds.reduce(0) { $0 + (z > $1 ? 1 : 0) }
    }

    /// Radial points per level (rows 0...9) and period (columns): PySCF `RAD_GRIDS`.
    public static let radialCounts: [[Int]] = [
        [10, 15, 20, 30, 35, 40, 50],
        [30, 40, 50, 60, 65, 70, 75],
        [40, 60, 65, 75, 80, 85, 90],
        [50, 75, 80, 90, 95, 100, 105],
        [60, 90, 95, 105, 110, 115, 120],
        [70, 105, 110, 120, 125, 130, 135],
        [80, 120, 125, 135, 140, 145, 150],
        [90, 135, 140, 150, 155, 160, 165],
        [100, 150, 155, 165, 170, 175, 180],
        [200, 200, 200, 200, 200, 200, 200],
    ]

    /// Lebedev degree per level and period: PySCF `ANG_ORDER` (degree 29 = 302 points).
    public static let angularOrders: [[Int]] = [
        [11, 15, 17, 17, 17, 17, 17],
        [17, 23, 23, 23, 23, 23, 23],
        [23, 29, 29, 29, 29, 29, 29],
        [29, 29, 35, 35, 35, 35, 35],
        [35, 41, 41, 41, 41, 41, 41],
        [41, 47, 47, 47, 47, 47, 47],
        [47, 53, 53, 53, 53, 53, 53],
        [53, 59, 59, 59, 59, 59, 59],
        [59, 59, 59, 59, 59, 59, 59],
        [65, 65, 65, 65, 65, 65, 65],
    ]

    /// Number of radial points for an element at a grid level (PySCF `_default_rad`).
    public static func radialCount(atomicNumber z: Int, level: Int) -> Int {
        radialCounts[level][periodIndex(z)]
    }

    /// Maximum number of Lebedev points for an element at a grid level (`_default_ang`).
    public static func angularCount(atomicNumber z: Int, level: Int) -> Int {
        LebedevGrids.pointCount(degree: angularOrders[level][periodIndex(z)])!
    }

    /// NWChem pruning as PySCF's `nwchem_prune`: the number of Lebedev points on each
    /// radial shell. Shells are classified by r / R_Bragg against the thresholds
    /// (0.25, 0.5, 1.0, 4.5) for H-He, (0.1667, 0.5, 0.9, 3.5) for Li-Ne and
    /// (0.1, 0.4, 0.8, 2.5) beyond; the five regions get the Lebedev grids with list
    /// positions (1, 3, k-1, k, k-1) in [38, 50, 74, 86, 110, ...], k the position of
    /// `maxAngular` ((1, 2, 2, 2, 1) when `maxAngular` is 50; no pruning below 50).
    public static func nwchemPrune(atomicNumber z: Int, radii: [Double], maxAngular: Int) throws -> [Int] {
        if maxAngular < 50 { return [Int](repeating: maxAngular, count: radii.count) }
        let list = LebedevGrids.pointCounts.filter { $0 >= 38 }   // PySCF LEBEDEV_NGRID[4:]
        let regions: [Int]
        if maxAngular == 50 {
            regions = [1, 2, 2, 2, 1]
        } else {
            guard let k = list.firstIndex(of: maxAngular) else { throw GridError.unsupportedAngularGrid(maxAngular) }
            regions = [1, 3, k - 1, k, k - 1]
        }
        let alphas: [Double]
        if z <= 2 {
            alphas = [0.25, 0.5, 1.0, 4.5]
        } else if z <= 10 {
            alphas = [0.1667, 0.5, 0.9, 3.5]
        } else {
            alphas = [0.1, 0.4, 0.8, 2.5]
        }
        let rAtom = braggRadius(z) + 1e-200
        return radii.map { r in
            let x = r / rAtom
            var place = 0
            for a in alphas where x > a { place += 1 }
            return list[regions[place]]
        }
    }
}
