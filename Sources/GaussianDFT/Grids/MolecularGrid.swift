import Foundation

/// Quadrature points and weights for integrating over all space around a molecule (bohr).
///
/// `MolecularGrid(atomicNumbers:positions:level:)` builds what PySCF 2.x builds for
/// `dft.Grids(mol)` with `grids.level = level` and every other option at its default:
///
/// - radial: Treutler-Ahlrichs M4 with PySCF's element-specific ξ
///   (`radi.treutler`, `ATOM_SPECIFIC_TREUTLER_GRIDS = True`);
/// - sizes: `RAD_GRIDS` / `ANG_ORDER` by period (`GridTables`); e.g. level 3 is (50, 302)
///   for H-He, (75, 302) for Li-Ne, (80, 434) for Na-Ar, (90, 434) for K-Kr;
/// - angular: Lebedev-Laikov grids, NWChem pruning (`nwchem_prune`, Bragg radii);
/// - partition: Becke (3 iterations) with Treutler's size adjustment from Bragg radii
///   (`radii_adjust = treutler_atomic_radii_adjust`, `atomic_radii = BRAGG_RADII`);
/// - point order: PySCF's `arg_group_grids` (stable sort into boxes of ≈1.2 bohr), so
///   the points come out in PySCF's order.
///
/// PySCF keeps every point after partitioning (it drops nothing; density-based pruning,
/// `small_rho_cutoff`, defaults to 0 in 2.14). It then appends zero-weight points at
/// (1e-4, 1e-4, 1e-4) until the count is a multiple of 8 (`Grids.alignment`) for memory
/// alignment; this grid does not pad, so `count` is PySCF's `grids.size` rounded down by
/// those padding points, and all other points and weights agree.
public struct MolecularGrid: Sendable {
    /// Points in bohr.
    public let points: [SIMD3<Double>]
    /// Partitioned weights.
    public let weights: [Double]
    /// Index of the atom whose single-centre grid each point came from.
    public let atomOfPoint: [Int32]?

    public var count: Int { points.count }

    /// PySCF's default grid at `level` (0...9) for atoms at `positions` (bohr). Throws for a
    /// level outside 0...9, an atomic number outside 1...103, mismatched array lengths or
    /// coincident atoms.
    public init(atomicNumbers: [Int], positions: [SIMD3<Double>], level: Int = 3) throws {
        try self.init(atomicNumbers: atomicNumbers, positions: positions, level: level, threads: 1)
    }

    /// As `init(atomicNumbers:positions:level:)`, with the Becke partition spread over
    /// `threads` threads (results are identical for any thread count).
    public init(atomicNumbers: [Int], positions: [SIMD3<Double>], level: Int, threads: Int) throws {
        guard (0...9).contains(level) else { throw GridError.unsupportedLevel(level) }
        guard atomicNumbers.count == positions.count else {
            throw GridError.mismatchedInput(atoms: atomicNumbers.count, positions: positions.count)
        }
        for z in atomicNumbers where !GridTables.isSupported(z) { throw GridError.unsupportedElement(z) }
        var templates: [Int: AtomicGrid] = [:]
        for z in Set(atomicNumbers) { templates[z] = try AtomicGrid(atomicNumber: z, level: level) }
        try self.init(atomicNumbers: atomicNumbers, positions: positions,
                      atomicGrids: atomicNumbers.map { templates[$0]! },
                      adjustment: BeckePartition.treutlerAdjustment(atomicNumbers: atomicNumbers),
                      threads: threads)
    }

    /// Assembles a molecular grid from one atomic grid per atom and a Becke size-adjustment
    /// table (nil: no adjustment, PySCF `radii_adjust=None`), then sorts the points into
    /// PySCF's box order.
    public init(atomicNumbers: [Int], positions: [SIMD3<Double>], atomicGrids: [AtomicGrid],
                adjustment: [Double]?, threads: Int = 1) throws {
        let natm = positions.count
        guard atomicNumbers.count == natm, atomicGrids.count == natm else {
            throw GridError.mismatchedInput(atoms: atomicNumbers.count, positions: natm)
        }
        let total = atomicGrids.reduce(0) { $0 + $1.count }
        var pts = [SIMD3<Double>](); pts.reserveCapacity(total)
        var q = [Double](); q.reserveCapacity(total)
        var owner = [Int32](); owner.reserveCapacity(total)
        for (a, g) in atomicGrids.enumerated() {
            let R = positions[a]
            for p in g.points { pts.append(p + R) }
            q.append(contentsOf: g.weights)
            owner.append(contentsOf: repeatElement(Int32(a), count: g.count))
        }
        let w = try BeckePartition.partitionedWeights(points: pts, owners: owner, quadratureWeights: q,
                                                      atomPositions: positions, adjustment: adjustment,
                                                      threads: threads)
        let order = MolecularGrid.boxOrder(points: pts, atomPositions: positions)
        self.points = order.map { pts[$0] }
        self.weights = order.map { w[$0] }
        self.atomOfPoint = order.map { owner[$0] }
    }

    /// PySCF's `arg_group_grids`: the box holding each point, boxes of about 1.2 bohr over
    /// the atoms' bounding box widened by 4.2 bohr (points outside go to the edge boxes),
    /// and a stable sort of the points by (bx, by, bz). Returns the permutation.
    static func boxOrder(points: [SIMD3<Double>], atomPositions: [SIMD3<Double>],
                         boxSize: Double = 1.2, margin: Double = 4.2) -> [Int] {
        guard let first = atomPositions.first, !points.isEmpty else { return Array(points.indices) }
        var lo = first, hi = first
        for r in atomPositions { lo = pointwiseMin(lo, r); hi = pointwiseMax(hi, r) }
        lo = lo - margin
        hi = hi + margin
        var nbox = [Int](repeating: 0, count: 3)
        var scale = [Double](repeating: 0, count: 3)
        for k in 0..<3 {
            nbox[k] = max(1, Int(((hi[k] - lo[k]) * (1.0 / boxSize)).rounded(.toNearestOrEven)))
            scale[k] = 1.0 / ((hi[k] - lo[k]) / Double(nbox[k]))
        }
        // Box indices run from -1 to nbox[k]; shift by one for a dense key.
        let ny = nbox[1] + 2, nz = nbox[2] + 2
        let nkeys = (nbox[0] + 2) * ny * nz
        var keys = [Int](repeating: 0, count: points.count)
        for (n, r) in points.enumerated() {
            var id = [0, 0, 0]
            for k in 0..<3 {
                let f = ((r[k] - lo[k]) * scale[k]).rounded(.down)
                id[k] = Int(min(max(f, -1), Double(nbox[k]))) + 1
            }
            keys[n] = (id[0] * ny + id[1]) * nz + id[2]
        }
        // Stable counting sort.
        var start = [Int](repeating: 0, count: nkeys + 1)
        for k in keys { start[k + 1] += 1 }
        for k in 0..<nkeys { start[k + 1] += start[k] }
        var order = [Int](repeating: 0, count: points.count)
        for (n, k) in keys.enumerated() {
            order[start[k]] = n
            start[k] += 1
        }
        return order
    }
}
