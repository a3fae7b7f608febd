import ChemistryCore
import CSpglib
import Foundation

/// What spglib (Togo, Shinohara & Tanaka, Sci. Technol. Adv. Mater. Meth. 4, 2384822 (2024))
/// says about a crystal: space group, symmetry operations, and which atoms share a Wyckoff orbit.
public struct SpaceGroupAnalysis: Sendable {
    /// International space-group number, 1–230.
    public var number: Int
    public var internationalSymbol: String
    /// Operations x ↦ W x + w in the fractional coordinates of the input cell.
    public var rotations: [[[Int]]]
    public var translations: [SIMD3<Double>]
    /// For each atom, the index of the first atom of its orbit (spglib's `equivalent_atoms`).
    public var equivalentAtoms: [Int]
    /// Wyckoff letter of each atom in spglib's standard setting.
    public var wyckoffLetters: [Character]
    /// Site-symmetry symbol of each atom (e.g. "m-3m").
    public var siteSymmetries: [String]

    /// Orbits as lists of atom indices, ordered by their first atom.
    public var orbits: [[Int]] {
        var groups: [Int: [Int]] = [:]
        for (i, r) in equivalentAtoms.enumerated() { groups[r, default: []].append(i) }
        return groups.keys.sorted().map { groups[$0]! }
    }

    /// Analyses a periodic structure. `types` overrides the species spglib sees (default: Z).
    /// - Parameter symprec: distance tolerance in Å.
    public init(structure: Structure, types: [Int]? = nil, symprec: Double = 1e-5) throws {
        guard let lattice = structure.lattice, structure.isPeriodic else {
            throw DiscoveryError.invalidStructure(structure.name, "symmetry analysis needs a 3D periodic crystal")
        }
        let n = structure.count
        guard n > 0 else { throw DiscoveryError.invalidStructure(structure.name, "no atoms") }
        let typeList = types ?? structure.atomicNumbers
        guard typeList.count == n else { throw DiscoveryError.invalidArgument("one type per atom is needed") }
        guard let frac = fractionalCoordinates(structure) else {
            throw DiscoveryError.invalidStructure(structure.name, "singular lattice")
        }
        // spglib: lattice[i][j] = component i of vector j.
        var lat = [Double](repeating: 0, count: 9)
        for i in 0..<3 { for j in 0..<3 { lat[3 * i + j] = lattice[j][i] } }
        var pos = frac.flatMap { [$0.x, $0.y, $0.z] }
        let typesC = typeList.map { Int32($0) }
        SpglibGate.lock.lock(); defer { SpglibGate.lock.unlock() }
        let dataset = lat.withUnsafeMutableBytes { l in pos.withUnsafeMutableBytes { p in typesC.withUnsafeBufferPointer { t in
            spg_get_dataset(l.baseAddress!.assumingMemoryBound(to: (Double, Double, Double).self),
                            p.baseAddress!.assumingMemoryBound(to: (Double, Double, Double).self),
                            t.baseAddress!, Int32(n), symprec)
        } } }
        guard let ds = dataset else {
            let message = String(cString: spg_get_error_message(spg_get_error_code()))
            throw DiscoveryError.symmetryAnalysisFailed("\(structure.name): \(message)")
        }
        defer { spg_free_dataset(ds) }
        let d = ds.pointee
        number = Int(d.spacegroup_number)
        internationalSymbol = withUnsafeBytes(of: d.international_symbol) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        var rots: [[[Int]]] = []
        var trans: [SIMD3<Double>] = []
        for k in 0..<Int(d.n_operations) {
            let r = d.rotations[k]
            rots.append([[Int(r.0.0), Int(r.0.1), Int(r.0.2)], [Int(r.1.0), Int(r.1.1), Int(r.1.2)], [Int(r.2.0), Int(r.2.1), Int(r.2.2)]])
            let t = d.translations[k]
            trans.append(SIMD3(t.0, t.1, t.2))
        }
        rotations = rots
        translations = trans
        equivalentAtoms = (0..<n).map { Int(d.equivalent_atoms[$0]) }
        let letters = Array("abcdefghijklmnopqrstuvwxyzα")
        wyckoffLetters = (0..<n).map { letters[min(Int(d.wyckoffs[$0]), letters.count - 1)] }
        siteSymmetries = (0..<n).map { i in
            withUnsafeBytes(of: d.site_symmetry_symbols[i]) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                .trimmingCharacters(in: .whitespaces)
        }
    }

    /// The atom permutation of each operation: `permutations[k][i]` is the atom that operation k
    /// sends atom i onto (matched modulo lattice translations within `tolerance`, fractional).
    public func atomPermutations(of structure: Structure, tolerance: Double = 1e-4) throws -> [[Int]] {
        guard let frac = fractionalCoordinates(structure) else {
            throw DiscoveryError.invalidStructure(structure.name, "singular lattice")
        }
        var result: [[Int]] = []
        for (w, t) in zip(rotations, translations) {
            var perm = [Int](repeating: -1, count: frac.count)
            for (i, x) in frac.enumerated() {
                let y = SIMD3((0..<3).map { r in Double(w[r][0]) * x.x + Double(w[r][1]) * x.y + Double(w[r][2]) * x.z }) + t
                for (j, z) in frac.enumerated() where structure.atomicNumbers[j] == structure.atomicNumbers[i] {
                    var d = y - z
                    d -= d.rounded(.toNearestOrAwayFromZero)
                    if abs(d.x) < tolerance && abs(d.y) < tolerance && abs(d.z) < tolerance { perm[i] = j; break }
                }
                if perm[i] < 0 {
                    throw DiscoveryError.symmetryAnalysisFailed("\(structure.name): operation does not map atom \(i) onto an atom")
                }
            }
            result.append(perm)
        }
        return result
    }
}

/// spglib keeps global error state; calls are serialised.
enum SpglibGate { static let lock = NSLock() }

/// Fractional coordinates f with r = f · L (lattice rows), or nil for a singular lattice.
func fractionalCoordinates(_ structure: Structure) -> [SIMD3<Double>]? {
    guard let l = structure.lattice, let inv = inverse3x3(l) else { return nil }
    return structure.positions.map { r in SIMD3((0..<3).map { k in r.x * inv[0][k] + r.y * inv[1][k] + r.z * inv[2][k] }) }
}

/// Inverse of a 3×3 matrix given as rows (nil when |det| < 1e-12).
func inverse3x3(_ m: [SIMD3<Double>]) -> [SIMD3<Double>]? {
    let a = m[0], b = m[1], c = m[2]
    let det = a.x * (b.y * c.z - b.z * c.y) - a.y * (b.x * c.z - b.z * c.x) + a.z * (b.x * c.y - b.y * c.x)
    guard abs(det) > 1e-12 else { return nil }
    let inv: [SIMD3<Double>] = [
        SIMD3(b.y * c.z - b.z * c.y, a.z * c.y - a.y * c.z, a.y * b.z - a.z * b.y),
        SIMD3(b.z * c.x - b.x * c.z, a.x * c.z - a.z * c.x, a.z * b.x - a.x * b.z),
        SIMD3(b.x * c.y - b.y * c.x, a.y * c.x - a.x * c.y, a.x * b.y - a.y * b.x),
    ]
    return inv.map { $0 / det }
}

/// Cell volume |a · (b × c)| in Å³.
func cellVolume(_ l: [SIMD3<Double>]) -> Double {
    let a = l[0], b = l[1], c = l[2]
    return abs(a.x * (b.y * c.z - b.z * c.y) - a.y * (b.x * c.z - b.z * c.x) + a.z * (b.x * c.y - b.y * c.x))
}
