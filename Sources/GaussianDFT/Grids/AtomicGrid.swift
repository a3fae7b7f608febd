/// The single-centre grid of one element: radial shells times (pruned) Lebedev spheres,
/// before Becke partitioning. Coordinates are relative to the nucleus.
public struct AtomicGrid: Sendable {
    /// Points relative to the nucleus (bohr).
    public let points: [SIMD3<Double>]
    /// Quadrature weights 4π r² dr × w_Lebedev (PySCF's `quadrature_weights`).
    public let weights: [Double]
    /// The radial rule.
    public let radial: RadialGrid
    /// Lebedev points on each radial shell (same order as `radial.r`).
    public let angularCounts: [Int]

    public var count: Int { points.count }

    /// PySCF's default atomic grid at `level` (0...9): Treutler-Ahlrichs radial grid with
    /// the element's ξ, `RAD_GRIDS`/`ANG_ORDER` sizes for the element's period, NWChem
    /// pruning.
    public init(atomicNumber z: Int, level: Int) throws {
        guard (0...9).contains(level) else { throw GridError.unsupportedLevel(level) }
        guard GridTables.isSupported(z) else { throw GridError.unsupportedElement(z) }
        try self.init(atomicNumber: z,
                      radialCount: GridTables.radialCount(atomicNumber: z, level: level),
                      angularCount: GridTables.angularCount(atomicNumber: z, level: level))
    }

    /// An atomic grid with explicit sizes, like PySCF's `atom_grid = (nrad, nang)`.
    /// `prune: false` keeps `angularCount` points on every shell (PySCF `prune=None`).
    public init(atomicNumber z: Int, radialCount: Int, angularCount: Int, prune: Bool = true) throws {
        guard GridTables.isSupported(z) else { throw GridError.unsupportedElement(z) }
        guard LebedevGrids.pointCounts.contains(angularCount) else {
            throw GridError.unsupportedAngularGrid(angularCount)
        }
        let radial = try RadialGrid.treutlerAhlrichs(count: radialCount, atomicNumber: z)
        let angs = prune
            ? try GridTables.nwchemPrune(atomicNumber: z, radii: radial.r, maxAngular: angularCount)
            : [Int](repeating: angularCount, count: radialCount)
        let volume = radial.volumeWeights

        // Point order follows PySCF's gen_atomic_grids: Lebedev sizes ascending; for each,
        // the shells that use it in chunks of 12; within a chunk the angular index is the
        // slow one. The order only matters for reproducing PySCF's final point order.
        var pts: [SIMD3<Double>] = []
        var wts: [Double] = []
        let total = angs.reduce(0, +)
        pts.reserveCapacity(total)
        wts.reserveCapacity(total)
        for n in Set(angs).sorted() {
            let sphere = try LebedevGrids.grid(points: n)
            let shells = angs.indices.filter { angs[$0] == n }
            var c0 = 0
            while c0 < shells.count {
                let chunk = shells[c0..<min(c0 + 12, shells.count)]
                for j in 0..<sphere.count {
                    let u = sphere.points[j], v = sphere.weights[j]
                    for i in chunk {
                        pts.append(radial.r[i] * u)
                        wts.append(volume[i] * v)
                    }
                }
                c0 += 12
            }
        }
        self.points = pts
        self.weights = wts
        self.radial = radial
        self.angularCounts = angs
    }
}
