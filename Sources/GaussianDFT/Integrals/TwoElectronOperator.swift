import Foundation
import LinearAlgebra

/// Something that builds Coulomb and exchange matrices from AO densities.
///
/// For each density D (symmetric, AO basis of the operator's `MolecularBasis`):
///   J[D]_μν = Σ_λσ (μν|λσ) D_λσ,   K[D]_μν = Σ_λσ (μλ|νσ) D_λσ.
/// Pass one density for restricted, two (α, β) for unrestricted. When `exchange` is false
/// the returned `exchange` array is empty.
public protocol TwoElectronOperator: Sendable {
    func coulombExchange(densities: [Matrix], exchange: Bool) -> (coulomb: [Matrix], exchange: [Matrix])
}

/// In-core packed tensor when it fits in `memoryBudgetBytes` (default 1 GiB), else direct. Without
/// `exchange` (no exact exchange will be asked for) the in-core tensor is the mixed-precision
/// `CoulombTensor`, about half the size, so molecules twice as large stay in core.
/// `primitiveThreshold` is the engine's primitive-quartet cutoff (`SCFSettings.eriPrimitiveThreshold`).
public func makeTwoElectronOperator(basis: MolecularBasis, memoryBudgetBytes: Int = 1 << 30, exchange: Bool = true,
                                    primitiveThreshold: Double = defaultERIPrimitiveThreshold) -> any TwoElectronOperator {
    if !exchange {
        let layout = CoulombTensor.Layout(basis: basis, threshold: defaultERIScreeningThreshold,
                                          doublePrecisionBound: CoulombTensor.defaultDoublePrecisionBound)
        if layout.storageBytes <= memoryBudgetBytes {
            return CoulombTensor(basis: basis, layout: layout, primitiveThreshold: primitiveThreshold)
        }
    } else if ElectronRepulsionTensor.storageBytes(aoCount: basis.aoCount) <= memoryBudgetBytes {
        return ElectronRepulsionTensor(basis: basis, primitiveThreshold: primitiveThreshold)
    }
    return DirectCoulombExchange(basis: basis, primitiveThreshold: primitiveThreshold)
}

/// Default Schwarz threshold for shell quartets.
public let defaultERIScreeningThreshold = 1e-12

/// Default cutoff for primitive quartets: one is skipped when the product b_ij·b_kl of its
/// primitive-pair estimates (`GroupPairTable`; about √((ij|ij)(kl|kl)) of that primitive
/// contribution) is below it.
public let defaultERIPrimitiveThreshold = 1e-15

/// Visits every shell quartet (ij|kl), i ≥ j, k ≥ l, (ij) ≥ (kl) (pair order), whose Schwarz
/// bound Q_ij Q_kl reaches `threshold`; `body` gets the computed block and the bra/ket pair
/// indices. `skip(bra, ket)` may veto a quartet before it is computed.
func forEachSignificantQuartet(pairs: ShellPairTable, engine: ERIEngine, threshold: Double,
                               skip: ((Int, Int) -> Bool)? = nil,
                               _ body: (ERIBlock, Int, Int) -> Void) {
    // Significant pairs sorted by decreasing Schwarz factor, so the inner loop can stop early.
    let q = pairs.schwarz
    let order = (0..<pairs.pairCount).filter { q[$0] > 0 }.sorted { q[$0] > q[$1] }
    let qs = order.map { q[$0] }
    for (ia, pa) in order.enumerated() {
        let qa = qs[ia]
        var ib = ia
        while ib < order.count {
            if qa * qs[ib] < threshold { break }
            let pb = order[ib]
            ib += 1
            if let skip, skip(pa, pb) { continue }
            let block = engine.compute(bra: pa, ket: pb)
            body(block, pa, pb)
        }
    }
}

// MARK: - In-core tensor

/// All unique (μν|λσ) in memory, packed with 8-fold permutational symmetry:
/// pair index PQ = μ(μ+1)/2 + ν (μ ≥ ν), element PQ(PQ+1)/2 + RS (PQ ≥ RS).
///
/// Integrals are computed with the Head-Gordon–Pople scheme of `ERIEngine` (see
/// ERIEngine.swift), Schwarz-screened at `threshold` (screened elements are stored as 0).
/// Internally each element is stored multiplied by its degeneracy weight
/// s = (μ=ν ? ½ : 1)(λ=σ ? ½ : 1)(PQ=RS ? ½ : 1) (exact powers of two), which makes the J/K
/// contraction branch-free; `value(_:_:_:_:)` undoes it.
public struct ElectronRepulsionTensor: TwoElectronOperator {
    public let aoCount: Int
    public let pairCount: Int
    /// Packed, degeneracy-weighted values (see type documentation), in transparent-huge-page
    /// memory: one fault per 2 MiB instead of per 4 KiB, and fewer TLB misses on every J/K pass
    /// (caffeine 6-31G*, 18 passes: 1.99 → 1.70 s). The first touch itself still costs 0.4–0.9 s
    /// per GB on this VM with either page size (its host backs guest memory lazily).
    private let buffer: HugePageBuffer
    var storage: UnsafeBufferPointer<Double> { UnsafeBufferPointer(start: buffer.pointer, count: buffer.count) }

    /// Number of unique integrals (packed elements) for `aoCount` AOs.
    public static func uniqueCount(aoCount n: Int) -> Int {
        let np = n * (n + 1) / 2
        return np * (np + 1) / 2
    }

    /// Bytes the packed tensor needs.
    public static func storageBytes(aoCount n: Int) -> Int { uniqueCount(aoCount: n) * MemoryLayout<Double>.size }

    public var uniqueCount: Int { storage.count }

    /// `groupShells` computes shells that share centre and exponents (Pople sp) together
    /// (`ERIEngine.computeGroupQuartet`), four primitive quartets at a time where it can;
    /// false computes every shell quartet on its own with the scalar engine (the tests'
    /// reference; same integrals to rounding).
    public init(basis: MolecularBasis, threshold: Double = defaultERIScreeningThreshold, groupShells: Bool = true,
                primitiveThreshold: Double = defaultERIPrimitiveThreshold) {
        let n = basis.aoCount
        aoCount = n
        pairCount = n * (n + 1) / 2
        let pairs = ShellPairTable(basis: basis)
        pairs.computeSchwarz(spherical: basis.spherical)
        let groupPairs = GroupPairTable(basis: basis, shellPairs: pairs, grouping: groupShells)
        let engine = ERIEngine(pairs: pairs, spherical: basis.spherical, primitiveThreshold: primitiveThreshold,
                               useLanes: groupShells)
        let count = ElectronRepulsionTensor.uniqueCount(aoCount: n)
        // fill writes every element exactly once (rows are assembled in a buffer, then copied).
        buffer = HugePageBuffer(count: count)
        ElectronRepulsionTensor.fill(v: buffer.pointer, basis: basis, groupPairs: groupPairs, engine: engine,
                                     threshold: threshold)
    }

    /// Writes the whole packed tensor (every element, zeros included) into uninitialised `v`.
    ///
    /// Shell groups (shells sharing centre and exponents, `ShellGroups`; single shells for most
    /// basis sets) are the unit of work. Group pairs X = (I, J), I ≥ J, are visited in order;
    /// X owns the packed rows pq of its AO pairs (μ ∈ I, ν ∈ J; pq = max(μ,ν)(max+1)/2 + min);
    /// row pq holds columns rs ≤ pq. The rows of X are assembled in a small (cache-resident)
    /// buffer from the component blocks of the group quartets (X|Y), Y ≤ X, then copied out.
    /// A block element whose row belongs to Y ≠ X (its pq < rs) lands in a row that was copied
    /// out already and is written in place; likewise later quartets (X'|X) write such elements
    /// into X's rows. Every unique element comes from exactly one group quartet, so each is
    /// written once (twice with the same value inside a diagonal block).
    static func fill(v: UnsafeMutablePointer<Double>, basis: MolecularBasis, groupPairs: GroupPairTable,
                     engine: ERIEngine, threshold: Double) {
        let groups = groupPairs.groups
        let q = groupPairs.schwarz
        let aoOffsets = basis.aoOffsets
        // AO indices of each group, and each AO's group and position in it.
        var aoList = [[Int]](repeating: [], count: groups.count)
        var aoGroup = [Int](repeating: 0, count: basis.aoCount), aoLocal = [Int](repeating: 0, count: basis.aoCount)
        for (g, members) in groups.members.enumerated() {
            for s in members {
                for mu in aoOffsets[s]..<(aoOffsets[s] + basis.functionCount(ofShell: s)) {
                    aoGroup[mu] = g; aoLocal[mu] = aoList[g].count
                    aoList[g].append(mu)
                }
            }
        }
        let maxGroupAOs = aoList.map(\.count).max() ?? 1
        let significant = (0..<groupPairs.pairCount).filter { q[$0] > 0 }
        var maxRowsLength = 1
        // Raw copies for the block callback below: it runs for every component quartet, and the
        // arrays it captured were retained and released on every call (5 % of a qm1b conformer).
        let groupOfAO = stableCopy(aoGroup), indexInGroup = stableCopy(aoLocal), offsets = stableCopy(basis.aoOffsets)
        defer { groupOfAO.deallocate(); indexInGroup.deallocate(); offsets.deallocate() }
        // Buffer offset of local row (a, b).
        let rowStart = UnsafeMutablePointer<Int>.allocate(capacity: maxGroupAOs * maxGroupAOs)
        defer { rowStart.deallocate() }
        var buffer = [Double](repeating: 0, count: 1)
        // Per AO pair of a block (at most 15 × 15 cartesian g functions): packed pair index,
        // degeneracy weight and local row. Raw pointers: the block callback captures them
        // without exclusivity checks.
        let maxBlock = 16 * 16
        let braIndex = UnsafeMutablePointer<Int>.allocate(capacity: maxBlock), ketIndex = UnsafeMutablePointer<Int>.allocate(capacity: maxBlock)
        let braLocal = UnsafeMutablePointer<Int>.allocate(capacity: maxBlock), ketLocal = UnsafeMutablePointer<Int>.allocate(capacity: maxBlock)
        let braWeight = UnsafeMutablePointer<Double>.allocate(capacity: maxBlock), ketWeight = UnsafeMutablePointer<Double>.allocate(capacity: maxBlock)
        defer {
            braIndex.deallocate(); ketIndex.deallocate(); braLocal.deallocate(); ketLocal.deallocate()
            braWeight.deallocate(); ketWeight.deallocate()
        }
        var sigCursor = 0
        for gi in 0..<groups.count {
            for gj in 0...gi {
                let pairIndex = gi * (gi + 1) / 2 + gj
                let aoI = aoList[gi], aoJ = aoList[gj]
                let ni = aoI.count, nj = aoJ.count
                // Local rows (a, b) ↦ AO pair (aoI[a], aoJ[b]); in a diagonal group pair (a, b)
                // with μ < ν is the same row as (b, a).
                var length = 0
                for a in 0..<ni {
                    for b in 0..<nj {
                        let mu = aoI[a], nu = aoJ[b]
                        if gi == gj && mu < nu { continue }
                        let (m, n) = mu >= nu ? (mu, nu) : (nu, mu)
                        rowStart[a * nj + b] = length
                        length += m * (m + 1) / 2 + n + 1
                    }
                }
                if gi == gj {
                    for a in 0..<ni { for b in 0..<nj where aoI[a] < aoJ[b] { rowStart[a * nj + b] = rowStart[b * nj + a] } }
                }
                if length > maxRowsLength {
                    maxRowsLength = max(length, 2 * maxRowsLength)
                    buffer = [Double](repeating: 0, count: maxRowsLength)
                }
                buffer.withUnsafeMutableBufferPointer { bufPtr in
                    let buf = bufPtr.baseAddress!
                    buf.initialize(repeating: 0, count: length)
                    let isSignificant = sigCursor < significant.count && significant[sigCursor] == pairIndex
                    if isSignificant {
                        let qb = q[pairIndex]
                        // Offset of the row of AO pair (m ≥ n) in X's buffer, −1 if not X's.
                        func localRow(_ m: Int, _ n: Int) -> Int {
                            let gm = groupOfAO[m], gn = groupOfAO[n]
                            if gm == gi && gn == gj { return rowStart[indexInGroup[m] * nj + indexInGroup[n]] }
                            if gm == gj && gn == gi { return rowStart[indexInGroup[n] * nj + indexInGroup[m]] }
                            return -1
                        }
                        // Per AO pair of a block: packed pair index, weight, and local row.
                        func describe(_ o1: Int, _ n1: Int, _ o2: Int, _ n2: Int, _ index: UnsafeMutablePointer<Int>,
                                      _ weight: UnsafeMutablePointer<Double>, _ local: UnsafeMutablePointer<Int>) {
                            for x in 0..<n1 {
                                for y in 0..<n2 {
                                    var m = o1 + x, nn = o2 + y
                                    if m < nn { swap(&m, &nn) }
                                    index[x * n2 + y] = m * (m + 1) / 2 + nn
                                    weight[x * n2 + y] = m == nn ? 0.5 : 1
                                    local[x * n2 + y] = localRow(m, nn)
                                }
                            }
                        }
                        for pk in significant[0...sigCursor] {
                            if qb * q[pk] < threshold { continue }
                            engine.computeGroupQuartet(bra: pairIndex, ket: pk, table: groupPairs, threshold: threshold) { block in
                                // The engine may return (b a|...) or swap bra and ket; map every
                                // element to (pq, rs) and a local row when it lands in X's rows.
                                describe(offsets[block.a], block.na, offsets[block.b], block.nb, braIndex, braWeight, braLocal)
                                describe(offsets[block.c], block.nc, offsets[block.d], block.nd, ketIndex, ketWeight, ketLocal)
                                let values = block.values
                                let nab = block.na * block.nb, ncd = block.nc * block.nd
                                for k in 0..<nab {
                                    let x = braIndex[k], wx = braWeight[k], lx = braLocal[k]
                                    for cd in 0..<ncd {
                                        let y = ketIndex[cd]
                                        var w = wx * ketWeight[cd]
                                        if x == y { w *= 0.5 }
                                        let value = w * values[cd * nab + k]
                                        if x >= y {
                                            if lx >= 0 { buf[lx + y] = value } else { v[x * (x + 1) / 2 + y] = value }
                                        } else {
                                            let ly = ketLocal[cd]
                                            if ly >= 0 { buf[ly + x] = value } else { v[y * (y + 1) / 2 + x] = value }
                                        }
                                    }
                                }
                            }
                        }
                        sigCursor += 1
                    }
                    // Copy the rows out.
                    for a in 0..<ni {
                        for b in 0..<nj {
                            let mu = aoI[a], nu = aoJ[b]
                            if gi == gj && mu < nu { continue }
                            let (m, n) = mu >= nu ? (mu, nu) : (nu, mu)
                            let pq = m * (m + 1) / 2 + n
                            (v + pq * (pq + 1) / 2).update(from: buf + rowStart[a * nj + b], count: pq + 1)
                        }
                    }
                }
            }
        }
    }

    /// (ij|kl) in chemists' notation, AO indices in the basis's order.
    public func value(_ i: Int, _ j: Int, _ k: Int, _ l: Int) -> Double {
        let (m, n) = i >= j ? (i, j) : (j, i)
        let (r, s) = k >= l ? (k, l) : (l, k)
        let pq = m * (m + 1) / 2 + n, rs = r * (r + 1) / 2 + s
        let idx = pq >= rs ? pq * (pq + 1) / 2 + rs : rs * (rs + 1) / 2 + pq
        var w = 1.0
        if m == n { w *= 0.5 }
        if r == s { w *= 0.5 }
        if pq == rs { w *= 0.5 }
        return storage[idx] / w
    }

    public subscript(i: Int, j: Int, k: Int, l: Int) -> Double { value(i, j, k, l) }

    public func coulombExchange(densities: [Matrix], exchange: Bool) -> (coulomb: [Matrix], exchange: [Matrix]) {
        let n = aoCount
        var js: [Matrix] = []
        var ks: [Matrix] = []
        for d in densities {
            precondition(d.rows == n && d.columns == n, "density is \(d.rows)x\(d.columns), basis has \(n) AOs")
            var x = [Double](repeating: 0, count: n * n)   // J = X + Xᵀ
            var y = [Double](repeating: 0, count: exchange ? n * n : 0)  // K = Y + Yᵀ
            // D is symmetric; row-major and column-major coincide.
            d.elements.withUnsafeBufferPointer { dBuf in
                x.withUnsafeMutableBufferPointer { xBuf in
                    y.withUnsafeMutableBufferPointer { yBuf in
                        ElectronRepulsionTensor.contract(n: n, v: buffer.pointer, d: dBuf.baseAddress!,
                                                         x: xBuf.baseAddress!, y: exchange ? yBuf.baseAddress! : nil)
                    }
                }
            }
            js.append(Matrix(size: n) { i, j in x[i * n + j] + x[j * n + i] })
            if exchange { ks.append(Matrix(size: n) { i, j in y[i * n + j] + y[j * n + i] }) }
        }
        return (js, ks)
    }

    /// One pass over the packed (weighted) tensor:
    ///   X_μν += 2 v D_λσ, X_λσ += 2 v D_μν;  Y_μλ += v D_νσ, Y_νλ += v D_μσ, Y_μσ += v D_νλ, Y_νσ += v D_μλ.
    /// The σ loop runs four elements at a time (SIMD4): its sums over σ would otherwise be one
    /// dependent add per element, and that latency, not memory bandwidth, bounded the pass.
    static func contract(n: Int, v: UnsafePointer<Double>, d: UnsafePointer<Double>,
                         x: UnsafeMutablePointer<Double>, y: UnsafeMutablePointer<Double>?) {
        typealias V = SIMD4<Double>
        @inline(__always) func load(_ p: UnsafePointer<Double>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        @inline(__always) func add(_ p: UnsafeMutablePointer<Double>, _ value: V) {
            UnsafeMutableRawPointer(p).storeBytes(of: load(p) + value, as: V.self)
        }
        var idx = 0
        for mu in 0..<n {
            let dMu = d + mu * n
            let xMu = x + mu * n
            for nu in 0...mu {
                let dNu = d + nu * n
                let dMuNu2 = 2 * dMu[nu]
                var jAcc = 0.0
                if let y {
                    let yMu = y + mu * n, yNu = y + nu * n
                    for la in 0...mu {
                        let count = (la < mu ? la : nu) + 1
                        let row = v + idx
                        let dLa = d + la * n
                        let xLa = x + la * n
                        let dNuLa = dNu[la], dMuLa = dMu[la]
                        var j4 = V.zero, aMu4 = V.zero, aNu4 = V.zero
                        var s = 0
                        while s + 4 <= count {
                            let val = load(row + s)
                            j4 += val * load(dLa + s)
                            add(xLa + s, val * dMuNu2)
                            aMu4 += val * load(dNu + s)
                            aNu4 += val * load(dMu + s)
                            add(yMu + s, val * dNuLa)     // yMu and yNu coincide when μ = ν:
                            add(yNu + s, val * dMuLa)     // the two updates stay in order
                            s += 4
                        }
                        var aMuLa = aMu4.sum(), aNuLa = aNu4.sum()
                        jAcc += j4.sum()
                        while s < count {
                            let val = row[s]
                            jAcc += val * dLa[s]
                            xLa[s] += val * dMuNu2
                            aMuLa += val * dNu[s]
                            aNuLa += val * dMu[s]
                            yMu[s] += val * dNuLa
                            yNu[s] += val * dMuLa
                            s += 1
                        }
                        yMu[la] += aMuLa
                        yNu[la] += aNuLa
                        idx += count
                    }
                } else {
                    for la in 0...mu {
                        let count = (la < mu ? la : nu) + 1
                        let row = v + idx
                        let dLa = d + la * n
                        let xLa = x + la * n
                        var j4 = V.zero
                        var s = 0
                        while s + 4 <= count {
                            let val = load(row + s)
                            j4 += val * load(dLa + s)
                            add(xLa + s, val * dMuNu2)
                            s += 4
                        }
                        jAcc += j4.sum()
                        while s < count {
                            let val = row[s]
                            jAcc += val * dLa[s]
                            xLa[s] += val * dMuNu2
                            s += 1
                        }
                        idx += count
                    }
                }
                xMu[nu] += 2 * jAcc
            }
        }
    }
}

// MARK: - Direct

/// J and K by recomputing the Schwarz-significant shell quartets at every call (for
/// molecules whose packed tensor exceeds the memory budget). Same integrals as
/// `ElectronRepulsionTensor`; with `densityScreening`, a quartet is also skipped when
/// Q_ij Q_kl · max|D| over the density blocks it touches is below `threshold`.
public struct DirectCoulombExchange: TwoElectronOperator {
    let basis: MolecularBasis
    let pairs: ShellPairTable
    public let threshold: Double
    public let densityScreening: Bool
    let primitiveThreshold: Double

    public init(basis: MolecularBasis, threshold: Double = defaultERIScreeningThreshold, densityScreening: Bool = true,
                primitiveThreshold: Double = defaultERIPrimitiveThreshold) {
        self.basis = basis
        self.threshold = threshold
        self.primitiveThreshold = primitiveThreshold
        self.densityScreening = densityScreening
        let pairs = ShellPairTable(basis: basis)
        pairs.computeSchwarz(spherical: basis.spherical)
        self.pairs = pairs
    }

    public func coulombExchange(densities: [Matrix], exchange: Bool) -> (coulomb: [Matrix], exchange: [Matrix]) {
        let n = basis.aoCount
        let nd = densities.count
        let offsets = basis.aoOffsets
        let engine = ERIEngine(pairs: pairs, spherical: basis.spherical, primitiveThreshold: primitiveThreshold)
        var xs = [[Double]](repeating: [Double](repeating: 0, count: n * n), count: nd)
        var ys = [[Double]](repeating: [Double](repeating: 0, count: exchange ? n * n : 0), count: nd)

        // Max |D| per shell pair (over all densities) for density screening.
        let nsh = basis.shells.count
        var dmax = [Double](repeating: 0, count: nsh * nsh)
        if densityScreening {
            for a in 0..<nsh {
                for b in 0..<nsh {
                    var m = 0.0
                    for d in densities {
                        for i in offsets[a]..<(offsets[a] + basis.functionCount(ofShell: a)) {
                            for j in offsets[b]..<(offsets[b] + basis.functionCount(ofShell: b)) {
                                m = max(m, abs(d[i, j]))
                            }
                        }
                    }
                    dmax[a * nsh + b] = m
                }
            }
        }
        let pairs = self.pairs
        let thr = threshold
        let skip: ((Int, Int) -> Bool)? = densityScreening ? { bra, ket in
            let i = Int(pairs.first[bra]), j = Int(pairs.second[bra])
            let k = Int(pairs.first[ket]), l = Int(pairs.second[ket])
            var m = max(dmax[i * nsh + j], dmax[k * nsh + l])
            if exchange {
                m = max(m, dmax[i * nsh + k], dmax[i * nsh + l], dmax[j * nsh + k], dmax[j * nsh + l])
            }
            return pairs.schwarz[bra] * pairs.schwarz[ket] * m < thr
        } : nil

        let dPtrs = densities.map { $0.elements }
        forEachSignificantQuartet(pairs: pairs, engine: engine, threshold: threshold, skip: skip) { block, bra, ket in
            var s = 1.0
            if block.a == block.b { s *= 0.5 }
            if block.c == block.d { s *= 0.5 }
            if bra == ket { s *= 0.5 }
            let oa = offsets[block.a], ob = offsets[block.b], oc = offsets[block.c], od = offsets[block.d]
            for di in 0..<nd {
                dPtrs[di].withUnsafeBufferPointer { dBuf in
                    xs[di].withUnsafeMutableBufferPointer { xBuf in
                        ys[di].withUnsafeMutableBufferPointer { yBuf in
                            DirectCoulombExchange.digest(block: block, scale: s, oa: oa, ob: ob, oc: oc, od: od, n: n,
                                                         d: dBuf.baseAddress!, x: xBuf.baseAddress!,
                                                         y: exchange ? yBuf.baseAddress! : nil)
                        }
                    }
                }
            }
        }
        var js: [Matrix] = [], ks: [Matrix] = []
        for di in 0..<nd {
            let x = xs[di]
            js.append(Matrix(size: n) { i, j in x[i * n + j] + x[j * n + i] })
            if exchange {
                let y = ys[di]
                ks.append(Matrix(size: n) { i, j in y[i * n + j] + y[j * n + i] })
            }
        }
        return (js, ks)
    }

    /// Adds one block (weighted by its shell-level degeneracy `scale`) to X (J = X + Xᵀ) and
    /// Y (K = Y + Yᵀ), treating every element of the block as a distinct ordered quartet.
    static func digest(block: ERIBlock, scale: Double, oa: Int, ob: Int, oc: Int, od: Int, n: Int,
                       d: UnsafePointer<Double>, x: UnsafeMutablePointer<Double>, y: UnsafeMutablePointer<Double>?) {
        let na = block.na, nb = block.nb
        var k = 0
        for ic in 0..<block.nc {
            let la = oc + ic
            for id in 0..<block.nd {
                let si = od + id
                let dLaSi2 = 2 * d[la * n + si]
                var xAcc = 0.0
                for ia in 0..<na {
                    let mu = oa + ia
                    for ib in 0..<nb {
                        let nu = ob + ib
                        let v = scale * block.values[k + ia * nb + ib]
                        x[mu * n + nu] += v * dLaSi2
                        xAcc += v * d[mu * n + nu]
                        if let y {
                            y[mu * n + la] += v * d[nu * n + si]
                            y[nu * n + la] += v * d[mu * n + si]
                            y[mu * n + si] += v * d[nu * n + la]
                            y[nu * n + si] += v * d[mu * n + la]
                        }
                    }
                }
                x[la * n + si] += 2 * xAcc
                k += na * nb
            }
        }
    }
}
