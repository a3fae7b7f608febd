import Foundation
import Synchronization

// Recurrence "recipes" for the Head-Gordon–Pople ERI scheme (see ERIEngine.swift).
//
// A recipe is a straight-line program over a scratch array, generated once per angular
// momentum class by demand-driven expansion of the recurrences (memoised, so every
// intermediate is computed once and only intermediates that are actually needed appear).
// The engine interprets the program with no branches per operation.

/// Index of cartesian component (x, y, z) of angular momentum l = x+y+z in libcint order.
@inline(__always)
func cartesianIndex(_ x: Int, _ y: Int, _ z: Int) -> Int {
    let l = x + y + z
    return (l - x) * (l - x + 1) / 2 + (l - x - y)
}

/// Offset of the first component of angular momentum `l` in a list of all components with
/// angular momentum `lmin...`.
@inline(__always)
func cartesianRangeOffset(from lmin: Int, to l: Int) -> Int {
    // Σ_{k=lmin}^{l-1} (k+1)(k+2)/2
    func tet(_ n: Int) -> Int { n * (n + 1) * (n + 2) / 6 }   // Σ_{k=0}^{n-1} (k+1)(k+2)/2
    return tet(l) - tet(lmin)
}

/// One vertical-recurrence step: x[dst] = Σ_k c[ck] x[sk] (k = 0...4); absent terms point
/// at slot 0 (always zero) and coefficient 0 (always zero).
struct VRROp {
    var dst: Int32
    var s0: Int32, s1: Int32, s2: Int32, s3: Int32, s4: Int32
    var c0: UInt8, c1: UInt8, c2: UInt8, c3: UInt8, c4: UInt8
}

/// Layout of the per-primitive-quartet coefficient table used by `VRROp`.
enum VRRCoefficients {
    static let zero = 0
    static let pa = 1        // + dir: PA_x, PA_y, PA_z
    static let wp = 4        // WP
    static let qc = 7        // QC
    static let wq = 10       // WQ
    static let maxN = 16
    static let nOver2p = 13                      // + n: n/(2p)
    static let nRhoOver2p2 = nOver2p + maxN + 1    // + n: −n ρ/(2p²)
    static let nOver2q = nRhoOver2p2 + maxN + 1    // + n: n/(2q)
    static let nRhoOver2q2 = nOver2q + maxN + 1    // + n: −n ρ/(2q²)
    static let nOver2pq = nRhoOver2q2 + maxN + 1   // + n: n/(2(p+q))
    static let count = nOver2pq + maxN + 1
}

/// Layout of the coefficient table of the generated straight-line VRR kernels
/// (ERIKernels.generated.swift): indices 1–12 as `VRRCoefficients`, then scalars.
enum GeneratedVRR {
    typealias Kernel = @convention(c) (UnsafePointer<Double>, UnsafePointer<Double>, UnsafeMutablePointer<Double>) -> Void
    /// Four primitive quartets per call, one per lane (ERIKernelsSIMD.generated.swift).
    typealias Kernel4 = @Sendable (UnsafePointer<SIMD4<Double>>, UnsafePointer<SIMD4<Double>>, UnsafeMutablePointer<SIMD4<Double>>) -> Void
    static let o2p = 13     // 1/(2p)
    static let o2pr = 14    // ρ/(2p²)
    static let o2q = 15     // 1/(2q)
    static let o2qr = 16    // ρ/(2q²)
    static let o2pq = 17    // 1/(2(p+q))
    static let count = 18
    static func key(_ la: Int, _ lb: Int, _ lc: Int, _ ld: Int) -> Int { ((la * 8 + lb) * 8 + lc) * 8 + ld }

    /// Fills entries 1–17 of a scalar kernel's table for one primitive quartet (bra exponent sum
    /// p, ket q, 1/(p+q) = `inverseSum`, P − Q = `pq`): P − A, −(q/(p+q))(P − Q), Q − C,
    /// (p/(p+q))(P − Q), 1/(2p), ρ/(2p²), 1/(2q), ρ/(2q²), 1/(2(p+q)). A and C are the centres
    /// the recurrence builds on (`braShift` = P − A, `ketShift` = Q − C).
    @inline(__always)
    static func setCoefficients(_ c: UnsafeMutablePointer<Double>, braShift: SIMD3<Double>, ketShift: SIMD3<Double>,
                                p: Double, q: Double, oneOver2p: Double, oneOver2q: Double,
                                inverseSum inv: Double, pq: SIMD3<Double>) {
        let qi = q * inv, pi = p * inv
        c[1] = braShift.x; c[2] = braShift.y; c[3] = braShift.z
        c[4] = -qi * pq.x; c[5] = -qi * pq.y; c[6] = -qi * pq.z
        c[7] = ketShift.x; c[8] = ketShift.y; c[9] = ketShift.z
        c[10] = pi * pq.x; c[11] = pi * pq.y; c[12] = pi * pq.z
        c[o2p] = oneOver2p
        c[o2pr] = oneOver2p * qi
        c[o2q] = oneOver2q
        c[o2qr] = oneOver2q * pi
        c[o2pq] = 0.5 * inv
    }
}

/// Straight-line VRR program for a class (la lb | lc ld): from [00|00]^(m), m = 0...L
/// (slots 1...L+1) to [e0|f0]^(0) for la ≤ |e| ≤ la+lb, lc ≤ |f| ≤ lc+ld.
final class VRRRecipe: @unchecked Sendable {
    let la: Int, lb: Int, lc: Int, ld: Int
    let L: Int
    let slotCount: Int
    let braOps: [VRROp]
    let ketOps: [VRROp]
    /// Slot of [e|f]^(0) for e-major output index (e in la...la+lb, f in lc...lc+ld).
    let outputs: [Int32]
    let eCount: Int, fCount: Int
    /// Largest n used in each coefficient family (to fill only what is needed).
    let maxBraN: Int, maxKetN: Int, maxCrossN: Int
    /// Copies of the programs at stable addresses (recipes live in a process-wide cache).
    let braOpsPointer: UnsafeMutablePointer<VRROp>
    let ketOpsPointer: UnsafeMutablePointer<VRROp>
    let outputsPointer: UnsafeMutablePointer<Int32>

    init(la: Int, lb: Int, lc: Int, ld: Int) {
        self.la = la; self.lb = lb; self.lc = lc; self.ld = ld
        let L = la + lb + lc + ld
        self.L = L
        precondition(L <= VRRCoefficients.maxN, "ERI class too high")
        var slots: [Int: Int32] = [:]
        var next: Int32 = Int32(L + 2)        // 0: zero, 1...L+1: base
        var braOps: [VRROp] = []
        var ketOps: [VRROp] = []
        var maxBraN = 0, maxKetN = 0, maxCrossN = 0

        func key(_ e: SIMD3<Int>, _ f: SIMD3<Int>, _ m: Int) -> Int {
            var k = e.x; k = k * 32 + e.y; k = k * 32 + e.z
            k = k * 32 + f.x; k = k * 32 + f.y; k = k * 32 + f.z
            return k * 32 + m
        }
        func unit(_ i: Int) -> SIMD3<Int> { i == 0 ? SIMD3(1, 0, 0) : (i == 1 ? SIMD3(0, 1, 0) : SIMD3(0, 0, 1)) }

        // Choose the recursion direction: prefer a component equal to 1 (no n-term), then the
        // smallest positive component (keeps intermediates few and shared).
        func direction(_ v: SIMD3<Int>, avoid w: SIMD3<Int>? = nil) -> Int {
            var best = -1
            var bestScore = Int.max
            for i in 0..<3 where v[i] > 0 {
                var score = v[i] * 4
                if let w, w[i] > 0 { score += 2 }
                if score < bestScore { bestScore = score; best = i }
            }
            return best
        }

        func need(_ e: SIMD3<Int>, _ f: SIMD3<Int>, _ m: Int) -> Int32 {
            if e.x < 0 || e.y < 0 || e.z < 0 || f.x < 0 || f.y < 0 || f.z < 0 { return 0 }
            let sum = e.x + e.y + e.z + f.x + f.y + f.z
            if sum == 0 { return Int32(1 + m) }
            let k = key(e, f, m)
            if let s = slots[k] { return s }
            var op = VRROp(dst: 0, s0: 0, s1: 0, s2: 0, s3: 0, s4: 0, c0: 0, c1: 0, c2: 0, c3: 0, c4: 0)
            if f == .zero {
                let i = direction(e)
                let e1 = e &- unit(i)
                op.s0 = need(e1, f, m); op.c0 = UInt8(VRRCoefficients.pa + i)
                op.s1 = need(e1, f, m + 1); op.c1 = UInt8(VRRCoefficients.wp + i)
                let n = e1[i]
                if n > 0 {
                    let e2 = e1 &- unit(i)
                    op.s2 = need(e2, f, m); op.c2 = UInt8(VRRCoefficients.nOver2p + n)
                    op.s3 = need(e2, f, m + 1); op.c3 = UInt8(VRRCoefficients.nRhoOver2p2 + n)
                    maxBraN = max(maxBraN, n)
                }
                op.dst = next; next += 1
                braOps.append(op)
            } else {
                let i = direction(f, avoid: e)
                let f1 = f &- unit(i)
                op.s0 = need(e, f1, m); op.c0 = UInt8(VRRCoefficients.qc + i)
                op.s1 = need(e, f1, m + 1); op.c1 = UInt8(VRRCoefficients.wq + i)
                let n = f1[i]
                if n > 0 {
                    let f2 = f1 &- unit(i)
                    op.s2 = need(e, f2, m); op.c2 = UInt8(VRRCoefficients.nOver2q + n)
                    op.s3 = need(e, f2, m + 1); op.c3 = UInt8(VRRCoefficients.nRhoOver2q2 + n)
                    maxKetN = max(maxKetN, n)
                }
                let n2 = e[i]
                if n2 > 0 {
                    op.s4 = need(e &- unit(i), f1, m + 1); op.c4 = UInt8(VRRCoefficients.nOver2pq + n2)
                    maxCrossN = max(maxCrossN, n2)
                }
                op.dst = next; next += 1
                ketOps.append(op)
            }
            slots[k] = op.dst
            return op.dst
        }

        var outputs: [Int32] = []
        var eList: [SIMD3<Int>] = []
        for l in la...(la + lb) { for c in cartesianExponents(l: l) { eList.append(SIMD3(c.x, c.y, c.z)) } }
        var fList: [SIMD3<Int>] = []
        for l in lc...(lc + ld) { for c in cartesianExponents(l: l) { fList.append(SIMD3(c.x, c.y, c.z)) } }
        for e in eList { for f in fList { outputs.append(need(e, f, 0)) } }
        self.slotCount = Int(next)
        self.braOps = braOps
        self.ketOps = ketOps
        self.outputs = outputs
        self.eCount = eList.count
        self.fCount = fList.count
        self.maxBraN = maxBraN
        self.maxKetN = maxKetN
        self.maxCrossN = maxCrossN
        self.braOpsPointer = stableCopy(braOps)
        self.ketOpsPointer = stableCopy(ketOps)
        self.outputsPointer = stableCopy(outputs)
    }

    deinit {
        braOpsPointer.deallocate(); ketOpsPointer.deallocate(); outputsPointer.deallocate()
    }

    var operationCount: Int { braOps.count + ketOps.count }
}

/// Horizontal recurrence as row operations: row[dst] = row[s0] + AB[dir] · row[s1]
/// (a b| = (a+1_i b−1_i| + AB_i (a b−1_i|, on whole rows (the other pair's components).
struct HRROp {
    var dst: Int32, s0: Int32, s1: Int32, dir: Int32
}

/// HRR program from rows e (la ≤ |e| ≤ la+lb, in range order) to rows (a, b), a-major.
final class HRRRecipe: @unchecked Sendable {
    let la: Int, lb: Int
    let inputCount: Int
    let rowCount: Int
    let ops: [HRROp]
    /// Row holding (a, b) for output index a * ncart(lb) + b.
    let outputs: [Int32]

    init(la: Int, lb: Int) {
        self.la = la; self.lb = lb
        let nIn = cartesianRangeOffset(from: la, to: la + lb + 1)
        self.inputCount = nIn
        var rows: [Int: Int32] = [:]
        var next = Int32(nIn)
        var ops: [HRROp] = []
        func unit(_ i: Int) -> SIMD3<Int> { i == 0 ? SIMD3(1, 0, 0) : (i == 1 ? SIMD3(0, 1, 0) : SIMD3(0, 0, 1)) }
        func need(_ a: SIMD3<Int>, _ b: SIMD3<Int>) -> Int32 {
            if b == .zero {
                let l = a.x + a.y + a.z
                return Int32(cartesianRangeOffset(from: la, to: l) + cartesianIndex(a.x, a.y, a.z))
            }
            let k = ((((a.x * 32 + a.y) * 32 + a.z) * 32 + b.x) * 32 + b.y) * 32 + b.z
            if let r = rows[k] { return r }
            // Direction: smallest positive component of b.
            var i = -1
            for d in 0..<3 where b[d] > 0 { if i < 0 || b[d] < b[i] { i = d } }
            let b1 = b &- unit(i)
            let s0 = need(a &+ unit(i), b1)
            let s1 = need(a, b1)
            let op = HRROp(dst: next, s0: s0, s1: s1, dir: Int32(i))
            next += 1
            ops.append(op)
            rows[k] = op.dst
            return op.dst
        }
        var outputs: [Int32] = []
        for a in cartesianExponents(l: la) {
            for b in cartesianExponents(l: lb) {
                outputs.append(need(SIMD3(a.x, a.y, a.z), SIMD3(b.x, b.y, b.z)))
            }
        }
        self.ops = ops
        self.outputs = outputs
        self.rowCount = Int(next)
        self.opsPointer = stableCopy(ops)
        self.outputsPointer = stableCopy(outputs)
    }

    let opsPointer: UnsafeMutablePointer<HRROp>
    let outputsPointer: UnsafeMutablePointer<Int32>

    deinit { opsPointer.deallocate(); outputsPointer.deallocate() }
}

/// Sparse map from cartesian pair components (a, b) (a-major) to spherical (or, for
/// cartesian bases, the same cartesian) pair components: out[k] = Σ coef · in[index].
final class PairTransform: @unchecked Sendable {
    let outCount: Int
    let start: [Int32]      // outCount + 1
    let index: [Int32]
    let coefficient: [Double]
    let isIdentity: Bool
    let startPointer: UnsafeMutablePointer<Int32>
    let indexPointer: UnsafeMutablePointer<Int32>
    let coefficientPointer: UnsafeMutablePointer<Double>

    deinit { startPointer.deallocate(); indexPointer.deallocate(); coefficientPointer.deallocate() }

    convenience init(la: Int, lb: Int, spherical: Bool) {
        let (outCount, start, index, coefficient, identity) = PairTransform.build(la: la, lb: lb, spherical: spherical)
        self.init(outCount: outCount, start: start, index: index, coefficient: coefficient, isIdentity: identity)
    }

    private init(outCount: Int, start: [Int32], index: [Int32], coefficient: [Double], isIdentity: Bool) {
        self.outCount = outCount
        self.start = start
        self.index = index
        self.coefficient = coefficient
        self.isIdentity = isIdentity
        startPointer = stableCopy(start)
        indexPointer = stableCopy(index)
        coefficientPointer = stableCopy(coefficient)
    }

    private static func build(la: Int, lb: Int, spherical: Bool) -> (Int, [Int32], [Int32], [Double], Bool) {
        let na = cartesianCount(la), nb = cartesianCount(lb)
        if !spherical || (la <= 1 && lb <= 1) {
            return (na * nb, (0...(na * nb)).map { Int32($0) }, (0..<(na * nb)).map { Int32($0) },
                    [Double](repeating: 1, count: na * nb), true)
        }
        let ta = sphericalTransform(l: la), tb = sphericalTransform(l: lb)
        let ma = ta.columns, mb = tb.columns
        var start: [Int32] = [0]
        var index: [Int32] = []
        var coefficient: [Double] = []
        for i in 0..<ma {
            for j in 0..<mb {
                for a in 0..<na where ta[a, i] != 0 {
                    for b in 0..<nb where tb[b, j] != 0 {
                        index.append(Int32(a * nb + b))
                        coefficient.append(ta[a, i] * tb[b, j])
                    }
                }
                start.append(Int32(index.count))
            }
        }
        return (ma * mb, start, index, coefficient, false)
    }
}

/// A heap copy of `a` that never moves (at least one element allocated).
func stableCopy<T>(_ a: [T]) -> UnsafeMutablePointer<T> {
    let p = UnsafeMutablePointer<T>.allocate(capacity: max(a.count, 1))
    if !a.isEmpty { p.initialize(from: a, count: a.count) }
    return p
}

/// Process-wide cache of recipes (built on first use, shared read-only afterwards).
enum ERIRecipeCache {
    static let maxL = 5
    private static let vrr = Mutex<[Int: VRRRecipe]>([:])
    private static let hrr = Mutex<[Int: HRRRecipe]>([:])
    private static let transforms = Mutex<[Int: PairTransform]>([:])

    static func vrrRecipe(_ la: Int, _ lb: Int, _ lc: Int, _ ld: Int) -> VRRRecipe {
        let k = ((la * 8 + lb) * 8 + lc) * 8 + ld
        if let r = vrr.withLock({ $0[k] }) { return r }
        let r = VRRRecipe(la: la, lb: lb, lc: lc, ld: ld)
        return vrr.withLock { d in
            if let existing = d[k] { return existing }
            d[k] = r
            return r
        }
    }

    static func hrrRecipe(_ la: Int, _ lb: Int) -> HRRRecipe {
        let k = la * 8 + lb
        if let r = hrr.withLock({ $0[k] }) { return r }
        let r = HRRRecipe(la: la, lb: lb)
        return hrr.withLock { d in
            if let existing = d[k] { return existing }
            d[k] = r
            return r
        }
    }

    static func pairTransform(_ la: Int, _ lb: Int, spherical: Bool) -> PairTransform {
        let k = (la * 8 + lb) * 2 + (spherical ? 1 : 0)
        if let r = transforms.withLock({ $0[k] }) { return r }
        let r = PairTransform(la: la, lb: lb, spherical: spherical)
        return transforms.withLock { d in
            if let existing = d[k] { return existing }
            d[k] = r
            return r
        }
    }
}
