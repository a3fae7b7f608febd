import Foundation

/// Becke's fuzzy-cell partition of space among atoms (A. D. Becke, JCP 88, 2547 (1988)),
/// with an optional atomic-size adjustment, computed the way PySCF's C routine
/// `VXCgen_grid` does (same operations in the same order):
///
///   μ_ij = (|r − R_i| − |r − R_j|) / |R_i − R_j|,   ν_ij = μ_ij + a_ij (1 − μ_ij²),
///   s = ½ p(p(p(ν))) with p(x) = (3x − x³)/2,
///   P_i *= ½ − s,  P_j *= ½ + s   for every pair j < i,
///
/// and the weight of a point from atom A's grid is q · P_A / Σ_B P_B.
public enum BeckePartition {
    /// Points per block; scratch memory is natm × blockSize doubles twice.
    public static let blockSize = 512

    /// Treutler's size adjustment (JCP 102, 346 (1995)) as PySCF's
    /// `treutler_atomic_radii_adjust` with Bragg radii: with R = √(R_Bragg) (bohr),
    /// a_ij = ¼ (R_j/R_i − R_i/R_j), clamped to [−½, ½]. Row-major natm × natm.
    public static func treutlerAdjustment(atomicNumbers: [Int]) -> [Double] {
        adjustment(radii: atomicNumbers.map { (GridTables.braggRadius($0)).squareRoot() + 1e-200 })
    }

    /// Becke's own size adjustment (PySCF `becke_atomic_radii_adjust` with Bragg radii):
    /// the same formula with R = R_Bragg. Not PySCF's default; provided for comparison.
    public static func beckeAdjustment(atomicNumbers: [Int]) -> [Double] {
        adjustment(radii: atomicNumbers.map { GridTables.braggRadius($0) + 1e-200 })
    }

    /// a_ij = ¼ (R_j/R_i − R_i/R_j) clamped to [−½, ½], written with PySCF's roundings:
    /// rr_ij = R_i · (1/R_j), a_ij = ¼ (rr_ji − rr_ij).
    static func adjustment(radii rad: [Double]) -> [Double] {
        let n = rad.count
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n {
                let rrIJ = rad[i] * (1.0 / rad[j])
                let rrJI = rad[j] * (1.0 / rad[i])
                a[i * n + j] = min(max(0.25 * (rrJI - rrIJ), -0.5), 0.5)
            }
        }
        return a
    }

    /// Inverse interatomic distances 1/|R_i − R_j| for j < i (row-major natm × natm;
    /// other entries 0). Throws if two atoms coincide.
    static func inverseDistances(_ atoms: [SIMD3<Double>]) throws -> [Double] {
        let n = atoms.count
        var inv = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<i {
                let dx = atoms[i].x - atoms[j].x, dy = atoms[i].y - atoms[j].y, dz = atoms[i].z - atoms[j].z
                let d2 = dx * dx + dy * dy + dz * dz
                guard d2 > 0 else { throw GridError.coincidentAtoms(j, i) }
                inv[i * n + j] = 1 / d2.squareRoot()
            }
        }
        return inv
    }

    /// Cell functions P_A(r) for every atom at every point (row-major natm × npoints),
    /// unnormalised, like PySCF's `VXCgen_grid` output. `adjustment` is an natm × natm
    /// table such as `treutlerAdjustment`, or nil for Becke's partition without size
    /// adjustment.
    public static func cellFunctions(points: [SIMD3<Double>], atomPositions: [SIMD3<Double>],
                                     adjustment: [Double]?) throws -> [Double] {
        let natm = atomPositions.count, np = points.count
        let inv = try inverseDistances(atomPositions)
        var out = [Double](repeating: 0, count: natm * np)
        let B = blockSize
        let dist = UnsafeMutablePointer<Double>.allocate(capacity: natm * B)
        let buf = UnsafeMutablePointer<Double>.allocate(capacity: natm * B)
        defer { dist.deallocate(); buf.deallocate() }
        points.withUnsafeBufferPointer { pts in
            atomPositions.withUnsafeBufferPointer { atm in
                inv.withUnsafeBufferPointer { invp in
                    withOptionalPointer(adjustment) { adj in
                        out.withUnsafeMutableBufferPointer { o in
                            var p0 = 0
                            while p0 < np {
                                let ngs = min(B, np - p0)
                                cellBlock(points: pts.baseAddress! + p0, count: ngs, atoms: atm.baseAddress!,
                                          natm: natm, invDist: invp.baseAddress!, adjust: adj,
                                          dist: dist, buf: buf)
                                for a in 0..<natm {
                                    (o.baseAddress! + a * np + p0).update(from: buf + a * B, count: ngs)
                                }
                                p0 += ngs
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Partitioned weights: point k, taken from atom A = owners[k]'s grid with quadrature
    /// weight q_k, gets q_k · P_A(r_k) / Σ_B P_B(r_k) (PySCF: `vol * pbecke[ia] / pbecke.sum(0)`).
    /// Cost O(natm² × npoints); scratch is O(natm × blockSize) per thread, no per-point
    /// allocation. `threads > 1` splits the blocks over that many threads.
    public static func partitionedWeights(points: [SIMD3<Double>], owners: [Int32], quadratureWeights: [Double],
                                          atomPositions: [SIMD3<Double>], adjustment: [Double]?,
                                          threads: Int = 1) throws -> [Double] {
        let natm = atomPositions.count, np = points.count
        precondition(owners.count == np && quadratureWeights.count == np)
        if let a = adjustment { precondition(a.count == natm * natm) }
        let inv = try inverseDistances(atomPositions)
        var out = [Double](repeating: 0, count: np)
        if np == 0 { return out }
        let B = blockSize
        let nblocks = (np + B - 1) / B
        let nthreads = max(1, min(threads, nblocks))
        points.withUnsafeBufferPointer { pts in
            owners.withUnsafeBufferPointer { own in
                quadratureWeights.withUnsafeBufferPointer { q in
                    atomPositions.withUnsafeBufferPointer { atm in
                        inv.withUnsafeBufferPointer { invp in
                            withOptionalPointer(adjustment) { adj in
                                out.withUnsafeMutableBufferPointer { o in
                                    // Raw addresses so the worker closure is Sendable.
                                    let ctx = Context(points: pts.baseAddress!, owners: own.baseAddress!,
                                                      q: q.baseAddress!, atoms: atm.baseAddress!,
                                                      invDist: invp.baseAddress!, adjust: adj,
                                                      out: o.baseAddress!, natm: natm, np: np)
                                    if nthreads == 1 {
                                        ctx.run(blocks: 0..<nblocks)
                                    } else {
                                        DispatchQueue.concurrentPerform(iterations: nthreads) { t in
                                            ctx.run(blocks: (t * nblocks / nthreads)..<((t + 1) * nblocks / nthreads))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Pointers shared by the worker threads; each thread writes a disjoint range of `out`.
    private struct Context: @unchecked Sendable {
        let points: UnsafePointer<SIMD3<Double>>
        let owners: UnsafePointer<Int32>
        let q: UnsafePointer<Double>
        let atoms: UnsafePointer<SIMD3<Double>>
        let invDist: UnsafePointer<Double>
        let adjust: UnsafePointer<Double>?
        let out: UnsafeMutablePointer<Double>
        let natm: Int
        let np: Int

        func run(blocks: Range<Int>) {
            let B = BeckePartition.blockSize
            let dist = UnsafeMutablePointer<Double>.allocate(capacity: natm * B)
            let buf = UnsafeMutablePointer<Double>.allocate(capacity: natm * B)
            let sum = UnsafeMutablePointer<Double>.allocate(capacity: B)
            defer { dist.deallocate(); buf.deallocate(); sum.deallocate() }
            for b in blocks {
                let p0 = b * B
                let ngs = min(B, np - p0)
                BeckePartition.cellBlock(points: points + p0, count: ngs, atoms: atoms, natm: natm,
                                         invDist: invDist, adjust: adjust, dist: dist, buf: buf)
                // Σ_B P_B accumulated atom by atom, as numpy's sum over axis 0.
                sum.update(from: buf, count: ngs)
                for a in 1..<max(natm, 1) {
                    let row = buf + a * B
                    for n in 0..<ngs { sum[n] += row[n] }
                }
                let own = owners + p0, qq = q + p0, o = out + p0
                for n in 0..<ngs {
                    let pa = buf[Int(own[n]) * B + n]
                    o[n] = (qq[n] * pa) * (1 / sum[n])
                }
            }
        }
    }

    /// Cell functions for one block of `count` ≤ blockSize points into `buf`
    /// (row a at buf + a·blockSize); `dist` is scratch of the same shape. The pair loop is
    /// PySCF's, operation for operation (the compiler vectorises it; a hand-written SIMD4
    /// version was slower with the baseline x86-64 target), so the results agree bit for bit.
    @inline(__always)
    static func cellBlock(points: UnsafePointer<SIMD3<Double>>, count ngs: Int,
                          atoms: UnsafePointer<SIMD3<Double>>, natm: Int,
                          invDist: UnsafePointer<Double>, adjust: UnsafePointer<Double>?,
                          dist: UnsafeMutablePointer<Double>, buf: UnsafeMutablePointer<Double>) {
        let B = blockSize
        for i in 0..<natm {
            let ax = atoms[i].x, ay = atoms[i].y, az = atoms[i].z
            let d = dist + i * B, p = buf + i * B
            for n in 0..<ngs {
                let r = points[n]
                let dx = r.x - ax, dy = r.y - ay, dz = r.z - az
                d[n] = (dx * dx + dy * dy + dz * dz).squareRoot()
            }
            for n in 0..<ngs { p[n] = 1 }
        }
        for i in 0..<natm {
            let di = dist + i * B, pi = buf + i * B
            for j in 0..<i {
                let dj = dist + j * B, pj = buf + j * B
                let fac = invDist[i * natm + j]
                let a = adjust?[i * natm + j] ?? 0
                if a != 0 {
                    for n in 0..<ngs {
                        var g = (di[n] - dj[n]) * fac
                        g += a * (1 - g * g)
                        g = (3 - g * g) * g * 0.5
                        g = (3 - g * g) * g * 0.5
                        g = ((3 - g * g) * g * 0.5) * 0.5
                        pi[n] *= 0.5 - g
                        pj[n] *= 0.5 + g
                    }
                } else {
                    for n in 0..<ngs {
                        var g = (di[n] - dj[n]) * fac
                        g = (3 - g * g) * g * 0.5
                        g = (3 - g * g) * g * 0.5
                        g = ((3 - g * g) * g * 0.5) * 0.5
                        pi[n] *= 0.5 - g
                        pj[n] *= 0.5 + g
                    }
                }
            }
        }
    }

    private static func withOptionalPointer<R>(_ a: [Double]?, _ body: (UnsafePointer<Double>?) throws -> R) rethrows -> R {
        guard let a else { return try body(nil) }
        return try a.withUnsafeBufferPointer { try body($0.baseAddress) }
    }
}
