import ChemistryCore
import Foundation

/// Directed neighbour pairs within a cutoff, for molecules (open boundaries) and crystals
/// (periodic along the axes where `pbc` is true).
///
/// Each pair is (i, j, S) with an integer image shift S and the vector
/// R_ij = R_j − R_i + S · cell (S a row vector, cell rows the lattice vectors), |R_ij| < cutoff.
/// Both directions are listed. i = j is dropped only for S = 0, so an atom's own periodic
/// images are neighbours. Cutoffs longer than the cell are handled by looping over as many
/// images as needed: n_k = ⌈rc · |b_k|⌉ with b_k the k-th row of (cell⁻¹)ᵀ (the reciprocal
/// vector without 2π; 1/|b_k| is the spacing of the lattice planes normal to it).
///
/// Pairs are sorted by i, then j, then S (lexicographically), whatever the method, so the lists
/// are reproducible and a per-atom sum over neighbours is a sum over a contiguous segment.
public struct NeighborList: Sendable, Equatable {
    public enum Method: Sendable {
        /// Cell lists above 64 atoms, brute force below.
        case automatic
        /// All pairs × all images: O(N² · images). The reference.
        case bruteForce
        /// Linear-time cell lists: atoms binned in fractional coordinates with bins at least
        /// rc thick, so only neighbouring bins (and their images) are searched.
        case cellList
    }

    public let cutoff: Double
    public private(set) var centers: [Int] = []
    public private(set) var neighbors: [Int] = []
    public private(set) var shifts: [SIMD3<Int>] = []
    public private(set) var vectors: [SIMD3<Double>] = []
    public private(set) var distances: [Double] = []

    public var count: Int { centers.count }

    public init(structure: Structure, cutoff: Double, method: Method = .automatic) throws {
        guard cutoff > 0, cutoff.isFinite else { throw GraphNetworkError.invalidHyperparameter("cutoff \(cutoff)") }
        self.cutoff = cutoff
        let n = structure.count
        guard n > 0 else { return }
        for p in structure.positions where !(p.x.isFinite && p.y.isFinite && p.z.isFinite) {
            throw GraphNetworkError.invalidStructure("\(structure.name): non-finite position")
        }
        let periodic: [Bool] = (0..<3).map { k in structure.lattice != nil && structure.pbc.count == 3 && structure.pbc[k] }
        let cell = structure.lattice ?? [SIMD3(1, 0, 0), SIMD3(0, 1, 0), SIMD3(0, 0, 1)]
        guard cell.count == 3 else { throw GraphNetworkError.invalidStructure("\(structure.name): lattice needs 3 rows") }
        // Frame for fractional coordinates: the lattice if it is usable, else Cartesian axes.

        var inverse = invert3x3(cell)
        if inverse == nil {
            if periodic.contains(true) {
                throw GraphNetworkError.invalidStructure("\(structure.name): singular lattice")
            }
            inverse = [SIMD3(1, 0, 0), SIMD3(0, 1, 0), SIMD3(0, 0, 1)]
        }
        let inv = inverse!
        // f = r · inv(cell); b_k = column k of inv(cell) = row k of inv(cell)ᵀ.
        let b: [SIMD3<Double>] = (0..<3).map { k in SIMD3(inv[0][k], inv[1][k], inv[2][k]) }
        let reach: [Double] = (0..<3).map { k in cutoff * (b[k] * b[k]).sum().squareRoot() }  // rc·|b_k|

        // Fractional coordinates, wrapped into [0, 1) along periodic axes (W = the wrap).
        var frac = [SIMD3<Double>](repeating: .zero, count: n)
        var wrap = [SIMD3<Int>](repeating: .zero, count: n)
        for a in 0..<n {
            let r = structure.positions[a]
            var f = r.x * inv[0] + r.y * inv[1] + r.z * inv[2]
            for k in 0..<3 where periodic[k] {
                let w = f[k].rounded(.down)
                f[k] -= w
                if f[k] >= 1 { f[k] -= 1; wrap[a][k] = Int(w) + 1 } else { wrap[a][k] = Int(w) }
                if f[k] < 0 { f[k] = 0 }
            }
            frac[a] = f
        }

        let useCells: Bool
        switch method {
        case .automatic: useCells = n > 64
        case .bruteForce: useCells = false
        case .cellList: useCells = true
        }

        var lo = SIMD3<Double>(repeating: 0), extent = SIMD3<Double>(repeating: 1)
        var nb = SIMD3<Int>(repeating: 1)
        for k in 0..<3 where !periodic[k] {
            let values = frac.map { $0[k] }
            lo[k] = values.min()!
            extent[k] = values.max()! - lo[k]
        }
        if useCells {
            for k in 0..<3 {
                let cells = extent[k] / reach[k]
                nb[k] = max(1, min(Int(cells.isFinite ? cells.rounded(.down) : 1), 1 << 20))
            }
            // Keep the bin count proportional to N (sparse open structures).
            while nb[0] * nb[1] * nb[2] > max(27, 2 * n) {
                let k = nb[0] >= nb[1] && nb[0] >= nb[2] ? 0 : (nb[1] >= nb[2] ? 1 : 2)
                nb[k] = max(1, nb[k] / 2)
            }
        }
        // Bin width in fractional units and the bin reach r_k = ⌈rc|b_k| / w_k⌉.
        var width = SIMD3<Double>(repeating: 1), binReach = SIMD3<Int>(repeating: 0)
        for k in 0..<3 {
            width[k] = extent[k] > 0 ? extent[k] / Double(nb[k]) : 1
            binReach[k] = Int((reach[k] / width[k] + 1e-9).rounded(.up))
            if !periodic[k] { binReach[k] = min(binReach[k], nb[k] - 1) }
        }
        func binIndex(_ f: SIMD3<Double>) -> SIMD3<Int> {
            var c = SIMD3<Int>.zero
            for k in 0..<3 { c[k] = min(nb[k] - 1, max(0, Int(((f[k] - lo[k]) / width[k]).rounded(.down)))) }
            return c
        }
        let binCount = nb[0] * nb[1] * nb[2]
        var binStart = [Int](repeating: 0, count: binCount + 1)
        var binOf = [Int](repeating: 0, count: n)
        for a in 0..<n {
            let c = binIndex(frac[a])
            binOf[a] = (c[0] * nb[1] + c[1]) * nb[2] + c[2]
            binStart[binOf[a] + 1] += 1
        }
        for c in 0..<binCount { binStart[c + 1] += binStart[c] }
        var fill = binStart
        var binAtoms = [Int](repeating: 0, count: n)
        for a in 0..<n { binAtoms[fill[binOf[a]]] = a; fill[binOf[a]] += 1 }

        let rc2 = cutoff * cutoff
        let cellRows = cell
        var pairs: [(j: Int, s: SIMD3<Int>, v: SIMD3<Double>, d: Double)] = []
        for i in 0..<n {
            pairs.removeAll(keepingCapacity: true)
            let ci = binIndex(frac[i])
            var lower = SIMD3<Int>.zero, upper = SIMD3<Int>.zero
            for k in 0..<3 {
                lower[k] = ci[k] - binReach[k]
                upper[k] = ci[k] + binReach[k]
                if !periodic[k] { lower[k] = max(0, lower[k]); upper[k] = min(nb[k] - 1, upper[k]) }
            }
            for b0 in lower[0]...upper[0] {
                let (s0, c0) = floorDivMod(b0, nb[0])
                for b1 in lower[1]...upper[1] {
                    let (s1, c1) = floorDivMod(b1, nb[1])
                    for b2 in lower[2]...upper[2] {
                        let (s2, c2) = floorDivMod(b2, nb[2])
                        let bin = (c0 * nb[1] + c1) * nb[2] + c2
                        let sPrime = SIMD3(s0, s1, s2)
                        for t in binStart[bin]..<binStart[bin + 1] {
                            let j = binAtoms[t]
                            // Shift in terms of the original (unwrapped) positions.
                            let s = sPrime &- wrap[j] &+ wrap[i]
                            if i == j && s == .zero { continue }
                            let v = structure.positions[j] - structure.positions[i]
                                + Double(s[0]) * cellRows[0] + Double(s[1]) * cellRows[1] + Double(s[2]) * cellRows[2]
                            let d2 = (v * v).sum()
                            if d2 < rc2 { pairs.append((j, s, v, d2.squareRoot())) }
                        }
                    }
                }
            }
            pairs.sort { a, b in
                if a.j != b.j { return a.j < b.j }
                if a.s[0] != b.s[0] { return a.s[0] < b.s[0] }
                if a.s[1] != b.s[1] { return a.s[1] < b.s[1] }
                return a.s[2] < b.s[2]
            }
            for p in pairs {
                centers.append(i); neighbors.append(p.j); shifts.append(p.s)
                vectors.append(p.v); distances.append(p.d)
            }
        }
    }

    /// Number of image repeats per axis a brute-force search needs for atoms inside the cell:
    /// n_k = ⌈rc · |row_k((cell⁻¹)ᵀ)|⌉.
    public static func imageRepeats(lattice: [SIMD3<Double>], cutoff: Double) -> SIMD3<Int>? {
        guard let inv = invert3x3(lattice) else { return nil }
        var r = SIMD3<Int>.zero
        for k in 0..<3 {
            let b = SIMD3(inv[0][k], inv[1][k], inv[2][k])
            r[k] = Int((cutoff * (b * b).sum().squareRoot()).rounded(.up))
        }
        return r
    }
}

@inline(__always) func floorDivMod(_ a: Int, _ n: Int) -> (Int, Int) {
    let q = a >= 0 ? a / n : -((-a + n - 1) / n)
    return (q, a - q * n)
}

/// Inverse of a 3×3 matrix given as rows; nil when (nearly) singular.
func invert3x3(_ m: [SIMD3<Double>]) -> [SIMD3<Double>]? {
    let a = m[0], b = m[1], c = m[2]
    let r0 = SIMD3(b.y * c.z - b.z * c.y, a.z * c.y - a.y * c.z, a.y * b.z - a.z * b.y)
    let det = a.x * r0.x + b.x * r0.y + c.x * r0.z
    let scale = max((a * a).sum(), (b * b).sum(), (c * c).sum())
    guard det.isFinite, abs(det) > 1e-12 * pow(scale, 1.5) else { return nil }
    let r1 = SIMD3(b.z * c.x - b.x * c.z, a.x * c.z - a.z * c.x, a.z * b.x - a.x * b.z)
    let r2 = SIMD3(b.x * c.y - b.y * c.x, a.y * c.x - a.x * c.y, a.x * b.y - a.y * b.x)
    return [r0 / det, r1 / det, r2 / det]
}
