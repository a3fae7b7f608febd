import Foundation
import LinearAlgebra

/// The Coulomb matrix J[D]_μν = Σ_λσ (μν|λσ) D_λσ from electron repulsion integrals held in
/// memory in mixed precision, for methods without exact exchange (LDA, GGA): about half the
/// memory of `ElectronRepulsionTensor`, so half the bytes to fault in and to stream on every
/// SCF pass (caffeine 6-31G*: 1.06 GB → 0.55 GB).
///
/// AO pairs P = (μ ≥ ν) are ordered group pair by group pair (`GroupPairTable`), group pairs by
/// decreasing Schwarz factor q. Row P of the packed lower triangle holds the columns R ≤ P, whose
/// q_R ≥ q_P; every integral of the row is bounded by q_P q_R (Cauchy–Schwarz), which decreases
/// along the row, so the row splits into three runs:
/// - q_P q_R ≥ `doublePrecisionBound`: stored as `Double`;
/// - `threshold` ≤ q_P q_R < `doublePrecisionBound`: stored as `Float`. Rounding to single
///   precision changes an integral by at most 2⁻²⁴ of its size, below 6e-12 Ha for the default
///   bound 1e-4, about the accuracy the Schwarz threshold (1e-12) already gives up; on caffeine
///   PBE/6-31G* the SCF energy moves by under 1e-9 Ha;
/// - q_P q_R < `threshold`: not stored (zero, as screened integrals are in the Double tensor).
///
/// The contraction is J_P = Σ_R (P|R) d_R with d_R = D_λσ (2 − δ_λσ), so one pass over the
/// stored triangle updates J_P and J_R for each element (the diagonal element is stored halved).
public struct CoulombTensor: TwoElectronOperator {
    public let aoCount: Int
    /// Packed AO-pair index μ(μ+1)/2 + ν (μ ≥ ν) of each stored pair P, in storage order.
    let pairAO: [Int]
    /// Where row P starts in `doubles` and in `floats`, and how many of its columns (0 ..< c_P)
    /// are Double and how many (c_P ..< c_P + f_P) Float.
    let doubleStart: [Int], doubleCount: [Int]
    let floatStart: [Int], floatCount: [Int]
    private let doubles: HugePageBuffer
    /// Float storage (a Double buffer of half the element count, rebound).
    private let floatBuffer: HugePageBuffer
    var floats: UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer(floatBuffer.pointer).assumingMemoryBound(to: Float.self)
    }

    /// Stored elements: (Double, Float).
    public let storedCounts: (double: Int, float: Int)

    public static let defaultDoublePrecisionBound = 1e-4

    /// Which integrals go where, and how many bytes that takes, before anything is computed (so
    /// that `makeTwoElectronOperator` can check the memory budget).
    struct Layout {
        let shellPairs: ShellPairTable
        let table: GroupPairTable
        /// Group pairs stored, by decreasing Schwarz factor, and those factors.
        let order: [Int], orderedQ: [Double]
        let pairAO: [Int]
        let doubleStart: [Int], doubleCount: [Int], floatStart: [Int], floatCount: [Int]
        let doubleTotal: Int, floatTotal: Int
        let threshold: Double

        var storageBytes: Int { 8 * doubleTotal + 4 * floatTotal }

        init(basis: MolecularBasis, threshold: Double, doublePrecisionBound: Double) {
            self.threshold = threshold
            shellPairs = ShellPairTable(basis: basis)
            shellPairs.computeSchwarz(spherical: basis.spherical)
            table = GroupPairTable(basis: basis, shellPairs: shellPairs)
            let groups = table.groups
            let offsets = basis.aoOffsets
            var aoList = [[Int]](repeating: [], count: groups.count)
            for (g, members) in groups.members.enumerated() {
                for s in members { aoList[g] += Array(offsets[s]..<(offsets[s] + basis.functionCount(ofShell: s))) }
            }
            // Group pairs whose integrals can reach the threshold at all, by decreasing q.
            let q = table.schwarz
            let qMax = q.max() ?? 0
            order = (0..<table.pairCount).filter { q[$0] > 0 && q[$0] * qMax >= threshold }.sorted {
                q[$0] > q[$1] || (q[$0] == q[$1] && $0 < $1)
            }
            var groupsOfPair = [(Int, Int)](repeating: (0, 0), count: table.pairCount)
            for gi in 0..<groups.count { for gj in 0...gi { groupsOfPair[gi * (gi + 1) / 2 + gj] = (gi, gj) } }
            // AO pairs in storage order; pairStart[x] = first P of the x-th group pair in `order`.
            var pairAO: [Int] = [], pairStart: [Int] = []
            for gp in order {
                pairStart.append(pairAO.count)
                let (gi, gj) = groupsOfPair[gp]
                for mu in aoList[gi] {
                    for nu in aoList[gj] where gi != gj || mu >= nu {
                        let (m, n) = mu >= nu ? (mu, nu) : (nu, mu)
                        pairAO.append(m * (m + 1) / 2 + n)
                    }
                }
            }
            pairStart.append(pairAO.count)
            self.pairAO = pairAO
            let orderedQ = order.map { q[$0] }
            self.orderedQ = orderedQ
            // Number of leading columns whose bound q_x q_y reaches `bound`: q is decreasing.
            func columns(reaching bound: Double, rowQ: Double) -> Int {
                var lo = 0, hi = orderedQ.count
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if orderedQ[mid] * rowQ >= bound { lo = mid + 1 } else { hi = mid }
                }
                return pairStart[lo]
            }
            var doubleStart: [Int] = [], doubleCount: [Int] = [], floatStart: [Int] = [], floatCount: [Int] = []
            var nd = 0, nf = 0
            for (x, qx) in orderedQ.enumerated() {
                let dCols = columns(reaching: max(doublePrecisionBound, threshold), rowQ: qx)
                let zCols = columns(reaching: threshold, rowQ: qx)
                for p in pairStart[x]..<pairStart[x + 1] {
                    let c = min(dCols, p + 1), z = min(zCols, p + 1)
                    doubleStart.append(nd); doubleCount.append(c); nd += c
                    floatStart.append(nf); floatCount.append(z - c); nf += z - c
                }
            }
            self.doubleStart = doubleStart; self.doubleCount = doubleCount
            self.floatStart = floatStart; self.floatCount = floatCount
            doubleTotal = nd; floatTotal = nf
        }
    }

    public init(basis: MolecularBasis, threshold: Double = defaultERIScreeningThreshold,
                doublePrecisionBound: Double = defaultDoublePrecisionBound) {
        self.init(basis: basis, layout: Layout(basis: basis, threshold: threshold, doublePrecisionBound: doublePrecisionBound))
    }

    init(basis: MolecularBasis, layout: Layout, primitiveThreshold: Double = defaultERIPrimitiveThreshold) {
        aoCount = basis.aoCount
        pairAO = layout.pairAO
        doubleStart = layout.doubleStart; doubleCount = layout.doubleCount
        floatStart = layout.floatStart; floatCount = layout.floatCount
        // Components the engine screens out are never written: start from zeros.
        let nd = layout.doubleTotal, nf = layout.floatTotal
        storedCounts = (nd, nf)
        doubles = HugePageBuffer(count: nd)
        doubles.pointer.initialize(repeating: 0, count: nd)
        floatBuffer = HugePageBuffer(count: (nf + 1) / 2)
        floatBuffer.pointer.initialize(repeating: 0, count: (nf + 1) / 2)
        var rank = [Int32](repeating: -1, count: aoCount * (aoCount + 1) / 2)
        for (p, ao) in pairAO.enumerated() { rank[ao] = Int32(p) }
        let engine = ERIEngine(pairs: layout.shellPairs, spherical: basis.spherical, primitiveThreshold: primitiveThreshold,
                               useLanes: true)
        Self.fill(order: layout.order, orderedQ: layout.orderedQ, table: layout.table, engine: engine, basis: basis,
                  threshold: layout.threshold, rank: rank,
                  doubleStart: doubleStart, doubleCount: doubleCount, floatStart: floatStart, floatCount: floatCount,
                  doubles: doubles.pointer, floats: floats)
    }

    /// Computes every group quartet (X|Y), Y ≤ X in storage order, q_X q_Y ≥ `threshold`, and
    /// writes each integral to its row max(P, R), column min(P, R).
    private static func fill(order: [Int], orderedQ: [Double], table: GroupPairTable, engine: ERIEngine, basis: MolecularBasis,
                             threshold: Double, rank: [Int32], doubleStart: [Int], doubleCount: [Int],
                             floatStart: [Int], floatCount: [Int],
                             doubles: UnsafeMutablePointer<Double>, floats: UnsafeMutablePointer<Float>) {
        let offsets = basis.aoOffsets
        let maxBlock = 16 * 16
        let braRank = UnsafeMutablePointer<Int>.allocate(capacity: maxBlock)
        let ketRank = UnsafeMutablePointer<Int>.allocate(capacity: maxBlock)
        defer { braRank.deallocate(); ketRank.deallocate() }
        rank.withUnsafeBufferPointer { rank in
            func ranks(_ o1: Int, _ n1: Int, _ o2: Int, _ n2: Int, _ out: UnsafeMutablePointer<Int>) {
                for x in 0..<n1 {
                    for y in 0..<n2 {
                        let m = max(o1 + x, o2 + y), n = min(o1 + x, o2 + y)
                        out[x * n2 + y] = Int(rank[m * (m + 1) / 2 + n])
                    }
                }
            }
            for (x, gx) in order.enumerated() {
                for y in 0...x {
                    if orderedQ[x] * orderedQ[y] < threshold { break }
                    engine.computeGroupQuartet(bra: gx, ket: order[y], table: table, threshold: threshold) { block in
                        ranks(offsets[block.a], block.na, offsets[block.b], block.nb, braRank)
                        ranks(offsets[block.c], block.nc, offsets[block.d], block.nd, ketRank)
                        let nab = block.na * block.nb, ncd = block.nc * block.nd
                        let values = block.values
                        for k in 0..<nab {
                            let pk = braRank[k]
                            for cd in 0..<ncd {
                                let rc = ketRank[cd]
                                let (p, r) = pk >= rc ? (pk, rc) : (rc, pk)
                                let value = p == r ? 0.5 * values[cd * nab + k] : values[cd * nab + k]
                                if r < doubleCount[p] {
                                    doubles[doubleStart[p] + r] = value
                                } else if r - doubleCount[p] < floatCount[p] {
                                    floats[floatStart[p] + r - doubleCount[p]] = Float(value)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    public func coulombExchange(densities: [Matrix], exchange: Bool) -> (coulomb: [Matrix], exchange: [Matrix]) {
        precondition(!exchange, "CoulombTensor holds no exchange integrals; use ElectronRepulsionTensor")
        let n = aoCount, np = pairAO.count
        var js: [Matrix] = []
        for density in densities {
            precondition(density.rows == n && density.columns == n, "density is \(density.rows)x\(density.columns), basis has \(n) AOs")
            var packed = [Double](repeating: 0, count: n * (n + 1) / 2)
            for mu in 0..<n { for nu in 0...mu { packed[mu * (mu + 1) / 2 + nu] = mu == nu ? density[mu, mu] : 2 * density[mu, nu] } }
            let d = pairAO.map { packed[$0] }
            var j = [Double](repeating: 0, count: np)
            d.withUnsafeBufferPointer { d in
                j.withUnsafeMutableBufferPointer { j in contract(d: d.baseAddress!, j: j.baseAddress!) }
            }
            var jPacked = [Double](repeating: 0, count: packed.count)
            for (p, ao) in pairAO.enumerated() { jPacked[ao] = j[p] }
            js.append(Matrix(size: n) { mu, nu in jPacked[mu >= nu ? mu * (mu + 1) / 2 + nu : nu * (nu + 1) / 2 + mu] })
        }
        return (js, [])
    }

    /// One pass over the stored triangle: j_P += Σ_R v_PR d_R and j_R += v_PR d_P (R ≤ P).
    /// Four columns at a time; single-precision values are widened on load.
    private func contract(d: UnsafePointer<Double>, j: UnsafeMutablePointer<Double>) {
        typealias V = SIMD4<Double>
        @inline(__always) func load(_ p: UnsafePointer<Double>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        @inline(__always) func loadWide(_ p: UnsafePointer<Float>) -> V {
            V(UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self))
        }
        @inline(__always) func add(_ p: UnsafeMutablePointer<Double>, _ value: V) {
            UnsafeMutableRawPointer(p).storeBytes(of: load(p) + value, as: V.self)
        }
        // One run of a row: columns 0 ..< count of `values` against d and j (already offset).
        @inline(__always) func run<T>(_ values: UnsafePointer<T>, _ count: Int, _ d: UnsafePointer<Double>,
                                      _ j: UnsafeMutablePointer<Double>, _ dP: Double, _ acc4: inout V, _ acc: inout Double,
                                      wide4: (UnsafePointer<T>) -> V, wide: (T) -> Double) {
            let dP4 = V(repeating: dP)
            var s = 0
            while s + 4 <= count {
                let v = wide4(values + s)
                acc4 = acc4.addingProduct(v, load(d + s))
                add(j + s, v * dP4)
                s += 4
            }
            while s < count {
                let v = wide(values[s])
                acc = acc.addingProduct(v, d[s])
                j[s] = j[s].addingProduct(v, dP)
                s += 1
            }
        }
        let dv = UnsafePointer(doubles.pointer), fv = UnsafePointer(floats)
        doubleStart.withUnsafeBufferPointer { dStart in
        doubleCount.withUnsafeBufferPointer { dCount in
        floatStart.withUnsafeBufferPointer { fStart in
        floatCount.withUnsafeBufferPointer { fCount in
            for p in 0..<pairAO.count {
                var acc4 = V.zero, acc = 0.0
                let c = dCount[p]
                run(dv + dStart[p], c, d, j, d[p], &acc4, &acc, wide4: load, wide: { $0 })
                run(fv + fStart[p], fCount[p], d + c, j + c, d[p], &acc4, &acc, wide4: loadWide, wide: { Double($0) })
                j[p] += acc4.sum() + acc
            }
        }
        }
        }
        }
    }
}
