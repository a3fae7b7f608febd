import ChemistryCore

/// One structure as a graph: atoms plus its directed neighbour pairs. The image offsets S·cell
/// are stored in Cartesian Å so that pair vectors can be recomputed from positions (forces).
/// Build once per structure and reuse every epoch.
public struct AtomGraph: Sendable {
    public let name: String
    public let atomicNumbers: [Int]
    public let positions: [SIMD3<Double>]
    public let centers: [Int]
    public let neighbors: [Int]
    public let offsets: [SIMD3<Double>]
    public let cutoff: Double
    /// Undirected pairs: (i, j, S) and (j, i, −S) have the same distance, so distance-only
    /// quantities (radial basis, SchNet's filters) are computed once per pair. `edgePair[e]`
    /// is the pair of edge e; `pairEdge[p]` the pair's canonical edge (the first of the two).
    public let edgePair: [Int]
    public let pairEdge: [Int]

    public init(_ structure: Structure, cutoff: Double) throws {
        guard structure.count > 0 else { throw GraphNetworkError.emptyStructure(structure.name) }
        let nl = try NeighborList(structure: structure, cutoff: cutoff)
        name = structure.name
        atomicNumbers = structure.atomicNumbers
        positions = structure.positions
        centers = nl.centers
        neighbors = nl.neighbors
        let cell = structure.lattice ?? [.zero, .zero, .zero]
        offsets = nl.shifts.map { Double($0.x) * cell[0] + Double($0.y) * cell[1] + Double($0.z) * cell[2] }
        self.cutoff = cutoff
        (edgePair, pairEdge) = pairEdges(centers: nl.centers, neighbors: nl.neighbors, shifts: nl.shifts)
    }

    public var atomCount: Int { atomicNumbers.count }
    public var edgeCount: Int { centers.count }
    public var pairCount: Int { pairEdge.count }
}

/// Matches each directed edge (i, j, S) with its reverse (j, i, −S). An edge without a reverse
/// (impossible for lists from `NeighborList`, whose distances are exactly symmetric) forms a
/// pair of its own.
func pairEdges(centers: [Int], neighbors: [Int], shifts: [SIMD3<Int>]) -> (edgePair: [Int], pairEdge: [Int]) {
    struct Key: Hashable { let i: Int, j: Int, s: SIMD3<Int> }
    var index: [Key: Int] = [:]
    index.reserveCapacity(centers.count)
    for e in 0..<centers.count { index[Key(i: centers[e], j: neighbors[e], s: shifts[e])] = e }
    var edgePair = [Int](repeating: -1, count: centers.count)
    var pairEdge: [Int] = []
    pairEdge.reserveCapacity(centers.count / 2 + 1)
    for e in 0..<centers.count where edgePair[e] < 0 {
        let p = pairEdge.count
        pairEdge.append(e)
        edgePair[e] = p
        if let r = index[Key(i: neighbors[e], j: centers[e], s: 0 &- shifts[e])], r != e, edgePair[r] < 0 {
            edgePair[r] = p
        }
    }
    return (edgePair, pairEdge)
}

/// Several structures joined into one disconnected graph: atoms concatenated, edge indices
/// shifted by each structure's first atom. Edges stay sorted by their centre atom, so the sum
/// over a centre's neighbours is a contiguous segment `centerStart[i] ..< centerStart[i + 1]`.
public struct GraphBatch: Sendable {
    public let structureCount: Int
    public let atomicNumbers: [Int]
    public var positions: [SIMD3<Double>]
    public let structureOfAtom: [Int]
    public let firstAtom: [Int]
    public let edgeCenter: [Int]
    public let edgeNeighbor: [Int]
    public let edgeOffset: [SIMD3<Double>]
    public let centerStart: [Int]
    /// Pair of each edge and canonical edge of each pair (see `AtomGraph.edgePair`).
    public let edgePair: [Int]
    public let pairEdge: [Int]

    public var pairCount: Int { pairEdge.count }
    public var atomCount: Int { atomicNumbers.count }
    public var edgeCount: Int { edgeCenter.count }

    public init(_ graphs: [AtomGraph]) {
        var z: [Int] = [], pos: [SIMD3<Double>] = [], sOf: [Int] = [], first: [Int] = []
        var ec: [Int] = [], en: [Int] = [], eo: [SIMD3<Double>] = []
        var ep: [Int] = [], pe: [Int] = []
        for (b, g) in graphs.enumerated() {
            let base = z.count
            let edgeBase = ec.count, pairBase = pe.count
            ep += g.edgePair.map { $0 + pairBase }
            pe += g.pairEdge.map { $0 + edgeBase }
            first.append(base)
            z += g.atomicNumbers
            pos += g.positions
            sOf += Array(repeating: b, count: g.atomCount)
            ec += g.centers.map { $0 + base }
            en += g.neighbors.map { $0 + base }
            eo += g.offsets
        }
        first.append(z.count)
        var start = [Int](repeating: 0, count: z.count + 1)
        for c in ec { start[c + 1] += 1 }
        for i in 0..<z.count { start[i + 1] += start[i] }
        structureCount = graphs.count
        atomicNumbers = z
        positions = pos
        structureOfAtom = sOf
        firstAtom = first
        edgeCenter = ec
        edgeNeighbor = en
        edgeOffset = eo
        centerStart = start
        edgePair = ep
        pairEdge = pe
    }

    public init(structures: [Structure], cutoff: Double) throws {
        self.init(try structures.map { try AtomGraph($0, cutoff: cutoff) })
    }

    /// Pair vectors R_ij = R_j − R_i + S·cell and their lengths, from the current positions,
    /// for every edge, or for the canonical edge of every pair when `pairs` is true.
    func geometry(pairs: Bool = false) -> (vectors: [SIMD3<Double>], distances: [Double]) {
        let count = pairs ? pairCount : edgeCount
        var v = [SIMD3<Double>](repeating: .zero, count: count)
        var d = [Double](repeating: 0, count: count)
        for k in 0..<count {
            let e = pairs ? pairEdge[k] : k
            let r = positions[edgeNeighbor[e]] - positions[edgeCenter[e]] + edgeOffset[e]
            v[k] = r
            d[k] = (r * r).sum().squareRoot()
        }
        return (v, d)
    }

    /// dL/dR_a from dL/dd_p for every pair p (the chain rule through d_p = |R_j − R_i + shift|
    /// of the pair's canonical edge i → j); `vectors`/`distances` as returned by `geometry(pairs: true)`.
    func positionGradients(vectors: [SIMD3<Double>], distances: [Double], distanceGradients dd: [Double]) -> [SIMD3<Double>] {
        var gr = [SIMD3<Double>](repeating: .zero, count: atomCount)
        for q in 0..<pairCount where distances[q] > 0 {
            let e = pairEdge[q]
            let u = vectors[q] / distances[q] * dd[q]
            gr[edgeNeighbor[e]] += u
            gr[edgeCenter[e]] -= u
        }
        return gr
    }

    /// Atom counts per structure.
    public var atomsPerStructure: [Int] { (0..<structureCount).map { firstAtom[$0 + 1] - firstAtom[$0] } }
}
