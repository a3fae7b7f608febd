import Foundation

// Electron repulsion integrals (ab|cd) over contracted shells.
//
// Method: Head-Gordon–Pople. For each primitive quartet the Obara–Saika vertical recurrence
// (VRR) builds [e0|f0]^(0) for la ≤ |e| ≤ la+lb, lc ≤ |f| ≤ lc+ld from Boys-function values;
// these are summed over primitives (contraction), and only then the horizontal recurrence
// (HRR, (a b+1_i| = (a+1_i b| + AB_i (a b|) moves angular momentum onto b and d, once per
// contracted quartet; the cartesian → spherical transformation follows each HRR.
// Why HGP: the basis sets used here (STO-3G, Pople, def2 core s shells) are heavily
// contracted, and HGP does the expensive angular work (HRR, transformation) after
// contraction, so the per-primitive work is only the VRR — cheaper than McMurchie–Davidson's
// per-primitive Hermite-to-cartesian transformation, and, unlike Rys quadrature, it needs no
// fitted tables of roots and weights. The recurrences are generated per angular-momentum
// class as branch-free straight-line programs (ERIRecipes.swift), built once and shared;
// for classes with every l ≤ 3 and at most 1500 steps (all s/p/d classes except (dd|dd) and
// (dd|dp), and the smaller f classes) the VRR programs are also compiled as straight-line
// Swift (ERIKernels.generated.swift, produced by Tests/GaussianDFTTests/IntegralsCodeGenerator.swift),
// which keeps intermediates in registers (~4× faster than interpreting them); the remaining
// classes are interpreted. Per contracted quartet: prepare every primitive quartet's
// coefficients and Boys values for one bra primitive, run the VRR kernels (accumulating),
// then HRR on bra rows, bra cart→sph, transpose, HRR on ket rows, ket cart→sph.
//
// Shell groups (ShellGroups.swift, ERIGroupQuartets.swift): shells sharing centre and
// exponents — the s and p halves of a Pople sp shell — are computed together by the in-core
// tensor: one Boys evaluation and one VRR per primitive quartet for all component quartets,
// contracted with each component's coefficients, then each component's HRR. Where a
// four-lane kernel exists (every group class with l ≤ 2, and the s/p classes of single shells)
// the primitive quartets run four at a time in SIMD4 lanes (ERIGroupQuartetLanes.swift).
//
// Screening: primitive pairs with a negligible prefactor are dropped at pair-build time;
// primitive quartets whose estimate b_ab·b_cd is below `primitiveThreshold` (1e-15) are
// skipped — b_ab² = (ab|ab) for s functions, times (|PA| + 1/√(2p))^la (|PB| + 1/√(2p))^lb
// for the angular polynomials; pairs are sorted by bound so the loops break early. Shell
// quartets are screened by Schwarz, Q_ab Q_cd < threshold with Q_ab = √max|(ab|ab)|, where
// the Q_ab are computed without primitive screening (a tiny Q_ab times a large Q_cd can
// still matter).

/// Data of one primitive pair of a shell pair.
struct PrimitivePair {
    var p: Double                 // α + β
    var oneOver2p: Double
    var px: Double, py: Double, pz: Double      // P
    var pax: Double, pay: Double, paz: Double   // P − A (A = first shell of the canonical pair)
    var k: Double                 // √2 π^{5/4} c_a c_b e^{−μ AB²} / p
    var bound: Double             // |k| / (2p)^{1/4} × angular-polynomial scale (see header)
}

/// All shell pairs (i ≥ j in basis order) with their primitive pairs and Schwarz factors.
final class ShellPairTable: @unchecked Sendable {
    let shellCount: Int
    let pairCount: Int
    /// Canonical order: `first` has the larger (or equal) angular momentum.
    let first: [Int32]
    let second: [Int32]
    let lFirst: [Int32]
    let lSecond: [Int32]
    /// A − B for the canonical order.
    let abx: [Double], aby: [Double], abz: [Double]
    let primStart: [Int32]
    let primCount: [Int32]
    let prims: [PrimitivePair]
    /// Largest primitive bound of each pair (0 if all primitives were dropped).
    let maxBound: [Double]
    /// Schwarz factors √max|(ab|ab)|, filled by `computeSchwarz`.
    private(set) var schwarz: [Double]

    static let primitivePairCutoff = 1e-17

    @inline(__always)
    static func pairIndex(_ i: Int, _ j: Int) -> Int { i >= j ? i * (i + 1) / 2 + j : j * (j + 1) / 2 + i }

    init(basis: MolecularBasis) {
        let shells = basis.shells
        let n = shells.count
        shellCount = n
        pairCount = n * (n + 1) / 2
        var first = [Int32](), second = [Int32](), lf = [Int32](), ls = [Int32]()
        var abx = [Double](), aby = [Double](), abz = [Double]()
        var start = [Int32](), count = [Int32](), maxBound = [Double]()
        var prims: [PrimitivePair] = []
        first.reserveCapacity(pairCount); second.reserveCapacity(pairCount)
        let factor = 2.0.squareRoot() * pow(Double.pi, 1.25)
        for i in 0..<n {
            for j in 0...i {
                var a = i, b = j
                if shells[b].angularMomentum > shells[a].angularMomentum { swap(&a, &b) }
                let sa = shells[a], sb = shells[b]
                first.append(Int32(a)); second.append(Int32(b))
                lf.append(Int32(sa.angularMomentum)); ls.append(Int32(sb.angularMomentum))
                let ab = sa.center - sb.center
                abx.append(ab.x); aby.append(ab.y); abz.append(ab.z)
                let ab2 = (ab * ab).sum()
                var list: [PrimitivePair] = []
                for (ia, ea) in sa.exponents.enumerated() {
                    for (ib, eb) in sb.exponents.enumerated() {
                        let p = ea + eb
                        let k = factor * sa.coefficients[ia] * sb.coefficients[ib] * exp(-ea * eb / p * ab2) / p
                        let pc = (ea * sa.center + eb * sb.center) / p
                        let pa = pc - sa.center
                        let pb = pc - sb.center
                        // (ab|ab)_ss^{1/2} times a scale for the angular polynomials: x_A^la is
                        // of order (|PA| + 1/√(2p))^la over the product Gaussian.
                        let width = (0.5 / p).squareRoot()
                        let poly = pow((pa * pa).sum().squareRoot() + width, Double(sa.angularMomentum))
                            * pow((pb * pb).sum().squareRoot() + width, Double(sb.angularMomentum))
                        let bound = abs(k) / pow(2 * p, 0.25) * poly
                        if bound < ShellPairTable.primitivePairCutoff { continue }
                        list.append(PrimitivePair(p: p, oneOver2p: 0.5 / p, px: pc.x, py: pc.y, pz: pc.z,
                                                  pax: pa.x, pay: pa.y, paz: pa.z, k: k, bound: bound))
                    }
                }
                list.sort { $0.bound > $1.bound }
                start.append(Int32(prims.count)); count.append(Int32(list.count))
                maxBound.append(list.first?.bound ?? 0)
                prims.append(contentsOf: list)
            }
        }
        self.first = first; self.second = second; self.lFirst = lf; self.lSecond = ls
        self.abx = abx; self.aby = aby; self.abz = abz
        self.primStart = start; self.primCount = count; self.prims = prims
        self.maxBound = maxBound
        self.schwarz = [Double](repeating: 0, count: pairCount)
    }

    /// Fills the Schwarz factors with one pass over the diagonal quartets. Uses its own engine
    /// without primitive-quartet screening: a small Q_ab still matters when multiplied by a
    /// large Q_cd, so it must not be lost to an absolute primitive threshold.
    func computeSchwarz(spherical: Bool) {
        let engine = ERIEngine(pairs: self, spherical: spherical, primitiveThreshold: 0)
        var q = [Double](repeating: 0, count: pairCount)
        for pi in 0..<pairCount where maxBound[pi] > 0 {
            let block = engine.compute(bra: pi, ket: pi)
            var m = 0.0
            for k in 0..<block.count { m = max(m, abs(block.values[k])) }
            q[pi] = m.squareRoot()
        }
        schwarz = q
    }
}

/// A computed block of contracted integrals (a b | c d) for shells (a, b, c, d) — possibly a
/// permutation of the requested quartet (the engine orders pairs by angular momentum).
/// Element (ia, ib, ic, id) is at `values[(ic * nd + id) * (na * nb) + ia * nb + ib]`.
struct ERIBlock {
    var a: Int, b: Int, c: Int, d: Int
    var na: Int, nb: Int, nc: Int, nd: Int
    var values: UnsafeMutablePointer<Double>
    var count: Int { na * nb * nc * nd }
}

/// Everything the engine needs for one angular-momentum class, as raw pointers into the
/// (never freed) cached recipes — no reference counting in the hot path.
struct ClassPlan {
    var la = 0, lb = 0, lc = 0, ld = 0, L = 0
    var nE = 0, nF = 0
    var slotCount = 0
    var braOps: UnsafePointer<VRROp>, braCount = 0
    var ketOps: UnsafePointer<VRROp>, ketCount = 0
    var outputs: UnsafePointer<Int32>, outCount = 0
    var maxBraN = 0, maxKetN = 0, maxCrossN = 0
    var kernel: GeneratedVRR.Kernel?
    var hrrBraOps: UnsafePointer<HRROp>, hrrBraCount = 0, hrrBraRows = 0, hrrBraOutputs: UnsafePointer<Int32>
    var hrrKetOps: UnsafePointer<HRROp>, hrrKetCount = 0, hrrKetRows = 0, hrrKetOutputs: UnsafePointer<Int32>
    var tBraCount = 0, tBraStart: UnsafePointer<Int32>, tBraIndex: UnsafePointer<Int32>, tBraCoef: UnsafePointer<Double>
    var tKetCount = 0, tKetStart: UnsafePointer<Int32>, tKetIndex: UnsafePointer<Int32>, tKetCoef: UnsafePointer<Double>
    var na = 0, nb = 0, nc = 0, nd = 0

    init(la: Int, lb: Int, lc: Int, ld: Int, spherical: Bool, useGenerated: Bool) {
        let r = ERIRecipeCache.vrrRecipe(la, lb, lc, ld)
        let hb = ERIRecipeCache.hrrRecipe(la, lb), hk = ERIRecipeCache.hrrRecipe(lc, ld)
        let tb = ERIRecipeCache.pairTransform(la, lb, spherical: spherical)
        let tk = ERIRecipeCache.pairTransform(lc, ld, spherical: spherical)
        self.la = la; self.lb = lb; self.lc = lc; self.ld = ld; self.L = r.L
        nE = r.eCount; nF = r.fCount; slotCount = r.slotCount
        braOps = UnsafePointer(r.braOpsPointer); braCount = r.braOps.count
        ketOps = UnsafePointer(r.ketOpsPointer); ketCount = r.ketOps.count
        outputs = UnsafePointer(r.outputsPointer); outCount = r.outputs.count
        maxBraN = r.maxBraN; maxKetN = r.maxKetN; maxCrossN = r.maxCrossN
        kernel = useGenerated ? generatedVRRKernels[GeneratedVRR.key(la, lb, lc, ld)] : nil
        hrrBraOps = UnsafePointer(hb.opsPointer); hrrBraCount = hb.ops.count; hrrBraRows = hb.rowCount
        hrrBraOutputs = UnsafePointer(hb.outputsPointer)
        hrrKetOps = UnsafePointer(hk.opsPointer); hrrKetCount = hk.ops.count; hrrKetRows = hk.rowCount
        hrrKetOutputs = UnsafePointer(hk.outputsPointer)
        tBraCount = tb.outCount; tBraStart = UnsafePointer(tb.startPointer)
        tBraIndex = UnsafePointer(tb.indexPointer); tBraCoef = UnsafePointer(tb.coefficientPointer)
        tKetCount = tk.outCount; tKetStart = UnsafePointer(tk.startPointer)
        tKetIndex = UnsafePointer(tk.indexPointer); tKetCoef = UnsafePointer(tk.coefficientPointer)
        na = spherical ? sphericalCount(la) : cartesianCount(la)
        nb = spherical ? sphericalCount(lb) : cartesianCount(lb)
        nc = spherical ? sphericalCount(lc) : cartesianCount(lc)
        nd = spherical ? sphericalCount(ld) : cartesianCount(ld)
    }
}

/// Computes contracted shell quartets. Holds scratch memory: one engine per thread.
final class ERIEngine {
    let pairs: ShellPairTable
    let spherical: Bool
    let primitiveThreshold: Double
    /// Use the generated straight-line VRR kernels where available (tests compare both).
    let useGenerated: Bool

    private var x: UnsafeMutablePointer<Double>
    private var xCapacity: Int
    private let coef: UnsafeMutablePointer<Double>
    private let boys: UnsafeMutablePointer<Double>
    /// Per-ket-primitive staging (coefficient table + Boys values) for the generated kernels.
    private let stage: UnsafeMutablePointer<Double>
    private let stageStride = GeneratedVRR.count + BoysFunction.maxOrder + 2
    var rows1: UnsafeMutablePointer<Double>
    private var rows1Capacity: Int
    private var rows2: UnsafeMutablePointer<Double>
    private var rows2Capacity: Int
    private var out: UnsafeMutablePointer<Double>
    private var outCapacity: Int
    let boysTable = BoysFunction.table
    let boysInverseOdd = BoysFunction.inverseOdd

    /// Group quartets (ERIGroupQuartets.swift): staged primitive quartets, their primitive
    /// indices, and one coefficient table and Boys vector for the kernel calls.
    var groupStage: UnsafeMutablePointer<Double>
    var groupStageCapacity = 0
    var groupIndex: UnsafeMutablePointer<Int32>
    var groupIndexCapacity = 0
    var groupScratch: UnsafeMutablePointer<Double>
    var groupScratchCapacity = 0
    /// Generated VRR kernels by class key (nil where the class is interpreted).
    let kernelTable: UnsafeMutablePointer<GeneratedVRR.Kernel?>
    /// Four-lane kernels by class key (ERIGroupQuartetLanes.swift), nil where there is none.
    let laneKernelTable: UnsafeMutablePointer<GeneratedVRR.Kernel4?>
    var laneStage: UnsafeMutablePointer<SIMD4<Double>>
    var laneStageCapacity = 0
    var laneScratch: UnsafeMutablePointer<SIMD4<Double>>
    var laneScratchCapacity = 0
    let groupCoefficients: UnsafeMutablePointer<Double>
    let groupBoys: UnsafeMutablePointer<Double>

    private let planIndex: UnsafeMutablePointer<Int32>
    private var plans: UnsafeMutablePointer<ClassPlan>
    private var planCount = 0
    private var planCapacity = 64

    // Raw views of the pair table.
    private let prims: UnsafeMutablePointer<PrimitivePair>
    private let primStart: UnsafeMutablePointer<Int32>
    private let primCount: UnsafeMutablePointer<Int32>
    let lFirst: UnsafeMutablePointer<Int32>
    let lSecond: UnsafeMutablePointer<Int32>
    let ab: UnsafeMutablePointer<Double>     // 3 per pair
    private let first: UnsafeMutablePointer<Int32>
    private let second: UnsafeMutablePointer<Int32>

    /// Group quartets four primitive quartets at a time where a four-lane kernel exists
    /// (ERIGroupQuartetLanes.swift); false keeps the scalar paths (the tests' reference).
    let useLanes: Bool
    /// Which component quartets (u v|w x) of a group quartet `computeGroupQuartet` hands to its
    /// body, by shell index; nil for all of them. The analytic gradient uses it to take only
    /// the quartets with one differentiated shell from its auxiliary basis.
    var componentQuartetFilter: ((Int, Int, Int, Int) -> Bool)?

    init(pairs: ShellPairTable, spherical: Bool, primitiveThreshold: Double = defaultERIPrimitiveThreshold, useGenerated: Bool = true,
         useLanes: Bool = true) {
        self.useLanes = useLanes && useGenerated
        self.pairs = pairs
        self.spherical = spherical
        self.primitiveThreshold = primitiveThreshold
        self.useGenerated = useGenerated
        xCapacity = 1024
        x = .allocate(capacity: xCapacity)
        coef = .allocate(capacity: VRRCoefficients.count)
        coef.initialize(repeating: 0, count: VRRCoefficients.count)
        boys = .allocate(capacity: BoysFunction.maxOrder + 2)
        let maxPrims = max(1, Int(pairs.primCount.max() ?? 1))
        stage = .allocate(capacity: maxPrims * (GeneratedVRR.count + BoysFunction.maxOrder + 2))
        stage.initialize(repeating: 0, count: maxPrims * (GeneratedVRR.count + BoysFunction.maxOrder + 2))
        rows1Capacity = 1024; rows1 = .allocate(capacity: rows1Capacity)
        rows2Capacity = 1024; rows2 = .allocate(capacity: rows2Capacity)
        outCapacity = 1024; out = .allocate(capacity: outCapacity)
        groupStage = .allocate(capacity: 1)
        groupIndex = .allocate(capacity: 1)
        groupScratch = .allocate(capacity: 1)
        kernelTable = .allocate(capacity: 4096)
        kernelTable.initialize(repeating: nil, count: 4096)
        if useGenerated { for (key, kernel) in generatedVRRKernels { kernelTable[key] = kernel } }
        laneKernelTable = .allocate(capacity: 4096)
        laneKernelTable.initialize(repeating: nil, count: 4096)
        if self.useLanes { for (key, kernel) in generatedVRRKernels4 { laneKernelTable[key] = kernel } }
        laneStage = .allocate(capacity: 1)
        laneScratch = .allocate(capacity: 1)
        groupCoefficients = .allocate(capacity: GeneratedVRR.count)
        groupCoefficients.initialize(repeating: 0, count: GeneratedVRR.count)
        groupBoys = .allocate(capacity: BoysFunction.maxOrder + 2)
        planIndex = .allocate(capacity: 4096)
        planIndex.initialize(repeating: -1, count: 4096)
        plans = .allocate(capacity: planCapacity)
        prims = stableCopy(pairs.prims)
        primStart = stableCopy(pairs.primStart)
        primCount = stableCopy(pairs.primCount)
        lFirst = stableCopy(pairs.lFirst)
        lSecond = stableCopy(pairs.lSecond)
        var abAll = [Double](repeating: 0, count: 3 * pairs.pairCount)
        for i in 0..<pairs.pairCount { abAll[3 * i] = pairs.abx[i]; abAll[3 * i + 1] = pairs.aby[i]; abAll[3 * i + 2] = pairs.abz[i] }
        ab = stableCopy(abAll)
        first = stableCopy(pairs.first)
        second = stableCopy(pairs.second)
    }

    deinit {
        x.deallocate(); coef.deallocate(); boys.deallocate(); stage.deallocate()
        rows1.deallocate(); rows2.deallocate(); out.deallocate()
        groupStage.deallocate(); groupIndex.deallocate(); groupScratch.deallocate(); kernelTable.deallocate(); laneKernelTable.deallocate()
        laneStage.deallocate(); laneScratch.deallocate(); groupCoefficients.deallocate(); groupBoys.deallocate()
        planIndex.deallocate()
        plans.deinitialize(count: planCount); plans.deallocate()
        prims.deallocate(); primStart.deallocate(); primCount.deallocate()
        lFirst.deallocate(); lSecond.deallocate(); ab.deallocate(); first.deallocate(); second.deallocate()
    }

    func ensure(_ p: inout UnsafeMutablePointer<Double>, _ cap: inout Int, _ n: Int) {
        if n > cap {
            p.deallocate()
            cap = max(n, cap * 2)
            p = .allocate(capacity: cap)
        }
    }

    private func makePlan(_ la: Int, _ lb: Int, _ lc: Int, _ ld: Int) -> Int32 {
        if planCount == planCapacity {
            let bigger = UnsafeMutablePointer<ClassPlan>.allocate(capacity: planCapacity * 2)
            bigger.moveInitialize(from: plans, count: planCount)
            plans.deallocate()
            plans = bigger
            planCapacity *= 2
        }
        let plan = ClassPlan(la: la, lb: lb, lc: lc, ld: ld, spherical: spherical, useGenerated: useGenerated)
        (plans + planCount).initialize(to: plan)
        ensure(&x, &xCapacity, plan.slotCount)
        ensure(&rows1, &rows1Capacity, plan.hrrBraRows * plan.nF)
        ensure(&rows2, &rows2Capacity, plan.hrrKetRows * plan.tBraCount)
        ensure(&out, &outCapacity, plan.tKetCount * plan.tBraCount)
        planCount += 1
        return Int32(planCount - 1)
    }

    /// Contracted integrals for shell pairs `bra` and `ket` (pair indices of `ShellPairTable`).
    func compute(bra braIn: Int, ket ketIn: Int) -> ERIBlock {
        var bra = braIn, ket = ketIn
        var la = Int(lFirst[bra]), lb = Int(lSecond[bra])
        var lc = Int(lFirst[ket]), ld = Int(lSecond[ket])
        // Put the pair with the larger total angular momentum on the bra.
        if lc + ld > la + lb || (lc + ld == la + lb && lc > la) {
            swap(&bra, &ket); swap(&la, &lc); swap(&lb, &ld)
        }
        let plan = classPlan(la, lb, lc, ld)
        let nE = plan.pointee.nE, nF = plan.pointee.nF

        // 1. Primitive loop: rows1[e * nF + f] = Σ_prim [e0|f0].
        rows1.initialize(repeating: 0, count: nE * nF)
        if let kernel = plan.pointee.kernel {
            generatedPrimitiveLoop(plan: plan, kernel: kernel, bra: bra, ket: ket, acc: rows1)
        } else {
            interpretedPrimitiveLoop(plan: plan, bra: bra, ket: ket, acc: rows1)
        }
        return contractedQuartet(plan: plan, bra: bra, ket: ket)
    }

    /// The plan of class (la lb | lc ld), made on first use.
    @inline(__always)
    func classPlan(_ la: Int, _ lb: Int, _ lc: Int, _ ld: Int) -> UnsafeMutablePointer<ClassPlan> {
        let key = GeneratedVRR.key(la, lb, lc, ld)
        var pi = planIndex[key]
        if pi < 0 { pi = makePlan(la, lb, lc, ld); planIndex[key] = pi }
        return plans + Int(pi)
    }

    /// Steps 2–5 for shell pairs `bra` and `ket` (canonical orientation, bra the larger class),
    /// from the contracted [e0|f0] in `rows1`: HRR and cartesian → spherical on both sides.
    func contractedQuartet(plan: UnsafeMutablePointer<ClassPlan>, bra: Int, ket: Int) -> ERIBlock {
        contractedQuartet(plan: plan, braDisplacement: ab + 3 * bra, ketDisplacement: ab + 3 * ket,
                          shells: (Int(first[bra]), Int(second[bra]), Int(first[ket]), Int(second[ket])))
    }

    /// Steps 2–5 for shells (a b | c d) of `plan`'s class, any orientation: `braDisplacement` is
    /// A − B, `ketDisplacement` C − D (bohr, three components).
    func contractedQuartet(plan: UnsafeMutablePointer<ClassPlan>, braDisplacement: UnsafePointer<Double>,
                           ketDisplacement: UnsafePointer<Double>, shells: (Int, Int, Int, Int)) -> ERIBlock {
        let nF = plan.pointee.nF
        let nab = plan.pointee.tBraCount, ncd = plan.pointee.tKetCount
        let rows1 = self.rows1, rows2 = self.rows2, out = self.out

        // 2. Bra HRR on rows of length nF.
        applyHorizontalRecurrence(plan.pointee.hrrBraOps, count: plan.pointee.hrrBraCount, rows: rows1,
                                  length: nF, displacement: braDisplacement)
        // 3. Bra transform + transpose: rows2[f * nab + ab'] (the first nF rows of the ket HRR).
        do {
            let outRows = plan.pointee.hrrBraOutputs
            let st = plan.pointee.tBraStart, ix = plan.pointee.tBraIndex, cf = plan.pointee.tBraCoef
            for j in 0..<nab {
                let lo = Int(st[j]), hi = Int(st[j + 1])
                let src0 = rows1 + Int(outRows[Int(ix[lo])]) * nF
                let c0 = cf[lo]
                if c0 == 1 && hi - lo == 1 {
                    for f in 0..<nF { rows2[f * nab + j] = src0[f] }
                } else {
                    for f in 0..<nF { rows2[f * nab + j] = c0 * src0[f] }
                    for t in (lo + 1)..<hi {
                        let src = rows1 + Int(outRows[Int(ix[t])]) * nF
                        let c = cf[t]
                        for f in 0..<nF { rows2[f * nab + j] += c * src[f] }
                    }
                }
            }
        }
        // 4. Ket HRR on rows of length nab.
        applyHorizontalRecurrence(plan.pointee.hrrKetOps, count: plan.pointee.hrrKetCount, rows: rows2,
                                  length: nab, displacement: ketDisplacement)
        // 5. Ket transform: out[cd' * nab + ab'].
        do {
            let outRows = plan.pointee.hrrKetOutputs
            let st = plan.pointee.tKetStart, ix = plan.pointee.tKetIndex, cf = plan.pointee.tKetCoef
            for j in 0..<ncd {
                let lo = Int(st[j]), hi = Int(st[j + 1])
                let dst = out + j * nab
                let src0 = rows2 + Int(outRows[Int(ix[lo])]) * nab
                let c0 = cf[lo]
                for k in 0..<nab { dst[k] = c0 * src0[k] }
                if hi - lo > 1 {
                    for t in (lo + 1)..<hi {
                        let src = rows2 + Int(outRows[Int(ix[t])]) * nab
                        let c = cf[t]
                        for k in 0..<nab { dst[k] += c * src[k] }
                    }
                }
            }
        }
        return ERIBlock(a: shells.0, b: shells.1, c: shells.2, d: shells.3,
                        na: plan.pointee.na, nb: plan.pointee.nb, nc: plan.pointee.nc, nd: plan.pointee.nd, values: out)
    }

    /// Primitive loop calling a generated straight-line VRR kernel.
    @inline(__always)
    private func generatedPrimitiveLoop(plan: UnsafeMutablePointer<ClassPlan>, kernel: GeneratedVRR.Kernel,
                                        bra: Int, ket: Int, acc: UnsafeMutablePointer<Double>) {
        let L = plan.pointee.L
        let thr = primitiveThreshold
        let table = boysTable, inverseOdd = boysInverseOdd
        let bp0 = prims + Int(primStart[bra]), nbp = Int(primCount[bra])
        let kp0 = prims + Int(primStart[ket]), nkp = Int(primCount[ket])
        if nbp == 0 || nkp == 0 { return }
        let ketMax = kp0[0].bound
        // Per bra primitive: first all ket primitives' coefficient tables and Boys values
        // (independent work the CPU overlaps), then the kernels.
        let stride = stageStride
        let stage = self.stage
        for i in 0..<nbp {
            let bp = bp0[i]
            if bp.bound * ketMax < thr { break }
            let p = bp.p
            var nj = 0
            while nj < nkp && bp.bound * kp0[nj].bound >= thr { nj += 1 }
            for j in 0..<nj {
                let kp = kp0[j]
                let c = stage + j * stride
                let f = c + GeneratedVRR.count
                let q = kp.p
                let inv = 1 / (p + q)
                let rho = p * q * inv
                let pqx = bp.px - kp.px, pqy = bp.py - kp.py, pqz = bp.pz - kp.pz
                let t = rho * (pqx * pqx + pqy * pqy + pqz * pqz)
                let pref = bp.k * kp.k * inv.squareRoot()
                BoysFunction.evaluate(upTo: L, t, into: f, table: table, inverseOdd: inverseOdd, scale: pref)
                GeneratedVRR.setCoefficients(c, braShift: SIMD3(bp.pax, bp.pay, bp.paz), ketShift: SIMD3(kp.pax, kp.pay, kp.paz),
                                             p: p, q: q, oneOver2p: bp.oneOver2p, oneOver2q: kp.oneOver2p,
                                             inverseSum: inv, pq: SIMD3(pqx, pqy, pqz))
            }
            if L == 0 {
                var sum = 0.0
                for j in 0..<nj { sum += stage[j * stride + GeneratedVRR.count] }
                acc[0] += sum
            } else {
                for j in 0..<nj {
                    let c = stage + j * stride
                    kernel(c, c + GeneratedVRR.count, acc)
                }
            }
        }
    }

    /// Σ over primitive quartets of the interpreted VRR outputs, into acc[e * nF + f].
    @inline(__always)
    private func interpretedPrimitiveLoop(plan: UnsafeMutablePointer<ClassPlan>, bra: Int, ket: Int,
                                          acc: UnsafeMutablePointer<Double>) {
        let L = plan.pointee.L
        let thr = primitiveThreshold
        let x = self.x, coef = self.coef, boys = self.boys
        let table = boysTable, inverseOdd = boysInverseOdd
        let nOut = plan.pointee.outCount
        let maxBraN = plan.pointee.maxBraN, maxKetN = plan.pointee.maxKetN, maxCrossN = plan.pointee.maxCrossN
        let braOps = plan.pointee.braOps, braCount = plan.pointee.braCount
        let ketOps = plan.pointee.ketOps, ketCount = plan.pointee.ketCount
        let outputs = plan.pointee.outputs
        x[0] = 0
        let bp0 = prims + Int(primStart[bra]), nbp = Int(primCount[bra])
        let kp0 = prims + Int(primStart[ket]), nkp = Int(primCount[ket])
        if nbp == 0 || nkp == 0 { return }
        let ketMax = kp0[0].bound
        for i in 0..<nbp {
            let bp = bp0[i]
            if bp.bound * ketMax < thr { break }
            let p = bp.p
            coef[1] = bp.pax; coef[2] = bp.pay; coef[3] = bp.paz
            for j in 0..<nkp {
                let kp = kp0[j]
                if bp.bound * kp.bound < thr { break }
                let q = kp.p
                let inv = 1 / (p + q)
                let rho = p * q * inv
                let pqx = bp.px - kp.px, pqy = bp.py - kp.py, pqz = bp.pz - kp.pz
                let t = rho * (pqx * pqx + pqy * pqy + pqz * pqz)
                let pref = bp.k * kp.k * inv.squareRoot()
                BoysFunction.evaluate(upTo: L, t, into: boys, table: table, inverseOdd: inverseOdd)
                if L == 0 {
                    acc[0] += pref * boys[0]
                    continue
                }
                for m in 0...L { x[1 + m] = pref * boys[m] }
                // W − P = −(q/(p+q)) PQ, W − Q = (p/(p+q)) PQ
                let qi = q * inv, pi = p * inv
                coef[4] = -qi * pqx; coef[5] = -qi * pqy; coef[6] = -qi * pqz
                coef[7] = kp.pax; coef[8] = kp.pay; coef[9] = kp.paz
                coef[10] = pi * pqx; coef[11] = pi * pqy; coef[12] = pi * pqz
                if maxBraN > 0 {
                    let a = bp.oneOver2p, b = -bp.oneOver2p * qi
                    for n in 1...maxBraN {
                        coef[VRRCoefficients.nOver2p + n] = Double(n) * a
                        coef[VRRCoefficients.nRhoOver2p2 + n] = Double(n) * b
                    }
                }
                if maxKetN > 0 {
                    let a = kp.oneOver2p, b = -kp.oneOver2p * pi
                    for n in 1...maxKetN {
                        coef[VRRCoefficients.nOver2q + n] = Double(n) * a
                        coef[VRRCoefficients.nRhoOver2q2 + n] = Double(n) * b
                    }
                }
                if maxCrossN > 0 {
                    let a = 0.5 * inv
                    for n in 1...maxCrossN { coef[VRRCoefficients.nOver2pq + n] = Double(n) * a }
                }
                runVRR(braOps: braOps, braCount: braCount, ketOps: ketOps, ketCount: ketCount,
                       coefficients: coef, slots: x)
                for k in 0..<nOut { acc[k] += x[Int(outputs[k])] }
            }
        }
    }
}

/// Runs a VRR program (`VRRRecipe`'s bra then ket steps) on `slots` — slot 0 zero, slots
/// 1…L+1 the scaled Boys values — with the coefficient table `coefficients` (`VRRCoefficients`
/// layout). The interpreted reference the generated kernels are tested against.
@inline(__always)
func runVRR(braOps: UnsafePointer<VRROp>, braCount: Int, ketOps: UnsafePointer<VRROp>, ketCount: Int,
            coefficients coef: UnsafePointer<Double>, slots x: UnsafeMutablePointer<Double>) {
    for o in 0..<braCount {
        let op = braOps[o]
        x[Int(op.dst)] = coef[Int(op.c0)] * x[Int(op.s0)] + coef[Int(op.c1)] * x[Int(op.s1)]
            + coef[Int(op.c2)] * x[Int(op.s2)] + coef[Int(op.c3)] * x[Int(op.s3)]
    }
    for o in 0..<ketCount {
        let op = ketOps[o]
        x[Int(op.dst)] = coef[Int(op.c0)] * x[Int(op.s0)] + coef[Int(op.c1)] * x[Int(op.s1)]
            + coef[Int(op.c2)] * x[Int(op.s2)] + coef[Int(op.c3)] * x[Int(op.s3)]
            + coef[Int(op.c4)] * x[Int(op.s4)]
    }
}

/// Runs an HRR program on rows of `length` values: row[dst] = row[s0] + X_dir · row[s1], with
/// X = `displacement` (A − B for the bra, C − D for the ket, three components).
@inline(__always)
private func applyHorizontalRecurrence(_ ops: UnsafePointer<HRROp>, count: Int, rows: UnsafeMutablePointer<Double>,
                                       length: Int, displacement: UnsafePointer<Double>) {
    for o in 0..<count {
        let op = ops[o]
        let d = rows + Int(op.dst) * length
        let s0 = rows + Int(op.s0) * length
        let s1 = rows + Int(op.s1) * length
        let f = displacement[Int(op.dir)]
        for k in 0..<length { d[k] = s0[k] + f * s1[k] }
    }
}
