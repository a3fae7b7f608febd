import ChemistryCore
import Testing
@testable import GraphNetworks

/// An independent O(N² · images) reference: every atom pair and every image shift in a range
/// generously larger than needed, on the positions exactly as given (no wrapping).
func referencePairs(_ s: Structure, cutoff: Double) -> [String: Double] {
    var out: [String: Double] = [:]
    var range = SIMD3<Int>.zero
    if let lattice = s.lattice {
        let reps = NeighborList.imageRepeats(lattice: lattice, cutoff: cutoff)!
        // Positions may lie outside the cell: widen by how far out they are.
        let inv = invert3x3(lattice)!
        var spread = 0.0
        for p in s.positions {
            let f = p.x * inv[0] + p.y * inv[1] + p.z * inv[2]
            spread = max(spread, abs(f.x), abs(f.y), abs(f.z))
        }
        for k in 0..<3 where s.pbc[k] { range[k] = reps[k] + Int(spread.rounded(.up)) + 1 }
    }
    let cell = s.lattice ?? [.zero, .zero, .zero]
    for i in 0..<s.count { for j in 0..<s.count {
        for a in -range[0]...range[0] { for b in -range[1]...range[1] { for c in -range[2]...range[2] {
            if i == j && a == 0 && b == 0 && c == 0 { continue }
            let v = s.positions[j] - s.positions[i] + Double(a) * cell[0] + Double(b) * cell[1] + Double(c) * cell[2]
            let d = (v * v).sum().squareRoot()
            if d < cutoff { out["\(i) \(j) \(a) \(b) \(c)"] = d }
        } } }
    } }
    return out
}

func pairs(_ n: NeighborList) -> [String: Double] {
    var out: [String: Double] = [:]
    for e in 0..<n.count {
        let s = n.shifts[e]
        let key = "\(n.centers[e]) \(n.neighbors[e]) \(s.x) \(s.y) \(s.z)"
        #expect(out[key] == nil, "duplicate pair \(key)")
        out[key] = n.distances[e]
    }
    return out
}

func checkAgainstReference(_ s: Structure, cutoff: Double, expectedCount: Int? = nil) throws {
    let ref = referencePairs(s, cutoff: cutoff)
    for method in [NeighborList.Method.bruteForce, .cellList, .automatic] {
        let nl = try NeighborList(structure: s, cutoff: cutoff, method: method)
        let got = pairs(nl)
        let diff = Set(got.keys).symmetricDifference(Set(ref.keys))
        #expect(diff.isEmpty, "\(s.name) \(method): \(got.count) pairs, reference \(ref.count), e.g. \(diff.sorted().prefix(4))")
        for (k, d) in got { #expect(abs(d - (ref[k] ?? -1)) < 1e-12) }
        // Vectors obey R_ij = R_j − R_i + S·cell and the list is sorted by centre.
        let cell = s.lattice ?? [.zero, .zero, .zero]
        for e in 0..<nl.count {
            let sh = nl.shifts[e]
            let v = s.positions[nl.neighbors[e]] - s.positions[nl.centers[e]]
                + Double(sh.x) * cell[0] + Double(sh.y) * cell[1] + Double(sh.z) * cell[2]
            #expect(((v - nl.vectors[e]) * (v - nl.vectors[e])).sum() < 1e-24)
            if e > 0 { #expect(nl.centers[e - 1] <= nl.centers[e]) }
        }
        if let n = expectedCount { #expect(nl.count == n, "\(s.name) \(method)") }
    }
}

func randomCluster(atoms: Int, radius: Double, minDistance: Double, rng: inout SplitMix64,
                   elements: [Int] = [1, 6, 7, 8], name: String = "cluster") -> Structure {
    var pos: [SIMD3<Double>] = []
    while pos.count < atoms {
        let p = SIMD3(rng.uniform() * 2 - 1, rng.uniform() * 2 - 1, rng.uniform() * 2 - 1) * radius
        if (p * p).sum() > radius * radius { continue }
        if pos.allSatisfy({ (($0 - p) * ($0 - p)).sum() >= minDistance * minDistance }) { pos.append(p) }
    }
    let z = (0..<atoms).map { _ in elements[Int(rng.next() % UInt64(elements.count))] }
    return Structure(name: name, atomicNumbers: z, positions: pos)
}

@Suite struct NeighborListTests {
    @Test func moleculeMatchesBruteForce() throws {
        var rng = SplitMix64(seed: 7)
        let s = randomCluster(atoms: 90, radius: 6, minDistance: 0.9, rng: &rng)
        try checkAgainstReference(s, cutoff: 3.2)
        // Open boundaries: a lattice with pbc all false is ignored.
        var withBox = s
        withBox.lattice = [SIMD3(3, 0, 0), SIMD3(0, 3, 0), SIMD3(0, 0, 3)]
        try checkAgainstReference(withBox, cutoff: 3.2)
        // Two atoms: the pair in both directions, nothing at the cutoff itself.
        let h2 = Structure(name: "H2", atomicNumbers: [1, 1], positions: [.zero, SIMD3(0, 0, 0.74)])
        #expect(try NeighborList(structure: h2, cutoff: 0.74).count == 0)
        #expect(try NeighborList(structure: h2, cutoff: 0.75).count == 2)
        let one = Structure(name: "H", atomicNumbers: [1], positions: [.zero])
        #expect(try NeighborList(structure: one, cutoff: 5).count == 0)
    }

    @Test func singleAtomFCCCrystal() throws {
        // Primitive fcc, a = 3.6 Å: shells 12 × 2.546, 6 × 3.6, 24 × 4.409 (then 12 × 5.09).
        let a = 3.6
        let cell = [SIMD3(0, a / 2, a / 2), SIMD3(a / 2, 0, a / 2), SIMD3(a / 2, a / 2, 0)]
        let s = Structure(name: "Cu", atomicNumbers: [29], positions: [.zero], lattice: cell, pbc: [true, true, true])
        try checkAgainstReference(s, cutoff: 5.0, expectedCount: 42)
        // The same atom placed outside the cell gives the same list.
        var shifted = s
        shifted.positions = [SIMD3(7.3, -4.1, 2.2)]
        try checkAgainstReference(shifted, cutoff: 5.0, expectedCount: 42)
    }

    @Test func twoAtomCrystalAndCutoffLargerThanCell() throws {
        // Diamond silicon, 2 atoms; cutoff 4 Å: 4 + 12 neighbours each within 4 Å.
        let a = 5.43
        let cell = [SIMD3(0, a / 2, a / 2), SIMD3(a / 2, 0, a / 2), SIMD3(a / 2, a / 2, 0)]
        let si = Structure(name: "Si", atomicNumbers: [14, 14], positions: [.zero, SIMD3(repeating: a / 4)],
                           lattice: cell, pbc: [true, true, true])
        try checkAgainstReference(si, cutoff: 4.0, expectedCount: 32)
        // Cubic cell of 2 Å, cutoff 5 Å: 2.5 cells per axis, self-images included.
        let tiny = Structure(name: "tiny", atomicNumbers: [3, 1], positions: [.zero, SIMD3(1.0, 0.9, 1.1)],
                             lattice: [SIMD3(2, 0, 0), SIMD3(0, 2, 0), SIMD3(0, 0, 2)], pbc: [true, true, true])
        try checkAgainstReference(tiny, cutoff: 5.0)
        let reps = NeighborList.imageRepeats(lattice: tiny.lattice!, cutoff: 5.0)
        #expect(reps == SIMD3(3, 3, 3))
    }

    @Test func skewedTriclinicCell() throws {
        var rng = SplitMix64(seed: 11)
        let cell = [SIMD3(3.1, 0, 0), SIMD3(2.2, 2.6, 0), SIMD3(-1.4, 1.1, 2.7)]
        var pos: [SIMD3<Double>] = []
        for _ in 0..<5 {
            let f = SIMD3(rng.uniform(), rng.uniform(), rng.uniform()) * 1.2 - 0.1
            pos.append(f.x * cell[0] + f.y * cell[1] + f.z * cell[2])
        }
        let s = Structure(name: "triclinic", atomicNumbers: [8, 8, 22, 22, 22], positions: pos, lattice: cell, pbc: [true, true, true])
        try checkAgainstReference(s, cutoff: 4.5)
        try checkAgainstReference(s, cutoff: 1.7)
        // Mixed boundaries (a slab periodic in a and c only).
        var slab = s
        slab.pbc = [true, false, true]
        try checkAgainstReference(slab, cutoff: 4.5)
    }

    @Test func largeCrystalCellListMatchesReference() throws {
        // 2×2×3 conventional fcc argon (48 atoms) with a little noise, cutoff 4.5 Å (2×2×3 bins).
        var rng = SplitMix64(seed: 3)
        let a = 5.26
        let basis = [SIMD3<Double>(0, 0, 0), SIMD3(0.5, 0.5, 0), SIMD3(0.5, 0, 0.5), SIMD3(0, 0.5, 0.5)]
        var pos: [SIMD3<Double>] = []
        for i in 0..<2 { for j in 0..<2 { for k in 0..<3 { for b in basis {
            let noise = SIMD3(rng.uniform(), rng.uniform(), rng.uniform()) * 0.2 - 0.1
            pos.append((SIMD3(Double(i), Double(j), Double(k)) + b) * a + noise)
        } } } }
        let cell = [SIMD3(2 * a, 0, 0), SIMD3(0, 2 * a, 0), SIMD3(0, 0, 3 * a)]
        let ar = Structure(name: "Ar48", atomicNumbers: Array(repeating: 18, count: 48), positions: pos,
                           lattice: cell, pbc: [true, true, true])
        let ref = referencePairs(ar, cutoff: 4.5)
        let cl = try NeighborList(structure: ar, cutoff: 4.5, method: .cellList)
        #expect(Set(pairs(cl).keys) == Set(ref.keys))
        #expect(cl.count == 48 * 12)
        // Non-periodic argon cluster, same positions.
        var cluster = ar
        cluster.lattice = nil
        cluster.pbc = [false, false, false]
        let refCluster = referencePairs(cluster, cutoff: 4.5)
        #expect(Set(pairs(try NeighborList(structure: cluster, cutoff: 4.5, method: .cellList)).keys) == Set(refCluster.keys))
    }

    @Test func badInputsThrow() {
        let s = Structure(name: "flat", atomicNumbers: [1], positions: [.zero],
                          lattice: [SIMD3(1, 0, 0), SIMD3(2, 0, 0), SIMD3(0, 0, 1)], pbc: [true, true, true])
        #expect(throws: GraphNetworkError.self) { try NeighborList(structure: s, cutoff: 3) }
        #expect(throws: GraphNetworkError.self) { try NeighborList(structure: s, cutoff: -1) }
    }
}
