import ChemistryCore
import Foundation
import GraphNetworks

/// Structure matching by smoothed partial radial distribution functions, for deduplicating
/// candidates. Two crystals match when they have the same reduced composition and the same
/// fingerprint within a tolerance.
///
/// Fingerprint: the cell is first scaled isotropically to one atom per unit volume (lengths
/// divided by (V/N)^(1/3), as pymatgen's StructureMatcher with `scale=True`), so a uniformly
/// expanded copy matches. For each ordered pair of elements (A, B),
///
///     g_AB(r) = (1 / N_A) Σ_{a ∈ A} Σ_{b ∈ B, images, (a,b,S) ≠ (a,a,0)} exp(−(r − d_ab)² / 2σ²),
///
/// on a grid r ∈ [0, r_c] (pairs out to r_c + 6σ, so the curve on the grid is exact). g is
/// invariant under rotations, translations, permutations of atoms and the choice of supercell
/// (the 1/N_A average), and it separates structure types with different distance shells
/// (rocksalt: first A–B shell at 1.00, zincblende: 0.87 in these units).
/// Distance between fingerprints: max over pairs of ‖g¹ − g²‖₂ / max(‖g¹‖₂, ‖g²‖₂).
public struct StructureMatcher: Sendable {
    /// Cutoff in units of (V/N)^(1/3).
    public var cutoff = 3.0
    /// Gaussian width in the same units.
    public var sigma = 0.05
    public var gridStep = 0.01
    /// Match when the fingerprint distance is below this.
    public var tolerance = 0.05

    public init(tolerance: Double = 0.05) { self.tolerance = tolerance }

    public struct Fingerprint: Sendable {
        public var composition: [Int: Int64]
        /// (A, B) → g_AB on the grid.
        public var rdf: [SIMD2<Int32>: [Double]]
    }

    public func fingerprint(_ structure: Structure) throws -> Fingerprint {
        guard let lattice = structure.lattice, structure.isPeriodic, structure.count > 0 else {
            throw DiscoveryError.invalidStructure(structure.name, "matching needs a 3D periodic crystal with atoms")
        }
        let volume = cellVolume(lattice)
        guard volume > 1e-12 else { throw DiscoveryError.invalidStructure(structure.name, "zero cell volume") }
        let scale = Foundation.cbrt(Double(structure.count) / volume)
        var scaled = structure
        scaled.lattice = lattice.map { $0 * scale }
        scaled.positions = structure.positions.map { $0 * scale }
        let list: NeighborList
        do { list = try NeighborList(structure: scaled, cutoff: cutoff + 6 * sigma) } catch {
            throw DiscoveryError.invalidStructure(structure.name, "neighbour list failed: \(error)")
        }
        let points = Int((cutoff / gridStep).rounded()) + 1
        var counts: [Int: Int] = [:]
        for z in structure.atomicNumbers { counts[z, default: 0] += 1 }
        var rdf: [SIMD2<Int32>: [Double]] = [:]
        let window = Int((6 * sigma / gridStep).rounded(.up))
        for p in 0..<list.count {
            let za = structure.atomicNumbers[list.centers[p]], zb = structure.atomicNumbers[list.neighbors[p]]
            let key = SIMD2(Int32(za), Int32(zb))
            if rdf[key] == nil { rdf[key] = [Double](repeating: 0, count: points) }
            let d = list.distances[p]
            let centre = Int((d / gridStep).rounded())
            let w = 1 / Double(counts[za]!)
            let lo = max(0, centre - window), hi = min(points - 1, centre + window)
            guard lo <= hi else { continue }
            for k in lo...hi {
                let x = (Double(k) * gridStep - d) / sigma
                rdf[key]![k] += w * exp(-0.5 * x * x)
            }
        }
        return Fingerprint(composition: Composition(structure: structure).reducedKey, rdf: rdf)
    }

    /// ∞ for different reduced compositions, else the largest relative L2 difference of the g_AB.
    public func distance(_ a: Fingerprint, _ b: Fingerprint) -> Double {
        guard a.composition == b.composition else { return .infinity }
        var worst = 0.0
        for key in Set(a.rdf.keys).union(b.rdf.keys) {
            let x = a.rdf[key], y = b.rdf[key]
            let n = max(x?.count ?? 0, y?.count ?? 0)
            var diff = 0.0, nx = 0.0, ny = 0.0
            for k in 0..<n {
                let u = x?[k] ?? 0, v = y?[k] ?? 0
                diff += (u - v) * (u - v); nx += u * u; ny += v * v
            }
            let norm = max(nx, ny).squareRoot()
            if norm > 0 { worst = max(worst, diff.squareRoot() / norm) }
        }
        return worst
    }

    public func matches(_ a: Structure, _ b: Structure) throws -> Bool {
        distance(try fingerprint(a), try fingerprint(b)) < tolerance
    }

    /// Groups structures that match; returns, for each group, the indices of its members
    /// (the first member is the representative), groups ordered by their first member.
    /// Greedy: each structure joins the first earlier group whose representative it matches.
    public func deduplicate(_ structures: [Structure]) throws -> [[Int]] {
        let prints = try structures.map(fingerprint)
        var groups: [[Int]] = []
        for i in structures.indices {
            if let g = groups.firstIndex(where: { distance(prints[$0[0]], prints[i]) < tolerance }) {
                groups[g].append(i)
            } else {
                groups.append([i])
            }
        }
        return groups
    }
}
