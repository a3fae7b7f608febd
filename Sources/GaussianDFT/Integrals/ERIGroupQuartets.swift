import Foundation

// Group quartets: all component shell quartets of four shell groups (ShellGroups.swift) with
// the primitive-quartet work done once.
//
// A component quartet (ab|cd) of groups (I J | K L) is Σ_prim c_a c_b c_c c_d [e0|f0]_unit,
// where the unit-coefficient VRR input — the Boys values F_m(T) times
// K_ab K_cd / √(p+q), the centres P, Q, W and the exponent ratios — is the same for every
// component, because the components share exponents and centres. So the primitive quartets
// are staged once (1/(p+q), P − Q and the scaled Boys values up to the largest L of the
// group quartet), and each component class then runs its generated VRR kernel over the
// staged entries with its coefficient product as a scale of the Boys values (the VRR is
// linear in them), followed by the usual HRR and cartesian → spherical steps. For four
// STO-3G sp groups this replaces 16 Boys evaluations per primitive quartet by one.

extension ERIEngine {
    /// Calls `body` with every component shell quartet of group pairs `bra` and `ket`
    /// (`GroupPairTable` indices) whose Schwarz bound reaches `threshold`; for `bra == ket`,
    /// each unordered component quartet once. Blocks are as `compute(bra:ket:)` returns them
    /// (the values pointer is reused by the next block).
    func computeGroupQuartet(bra gx: Int, ket gy: Int, table t: GroupPairTable, threshold: Double,
                             _ body: (ERIBlock) -> Void) {
        let ncx = Int(t.componentCount[gx]), ncy = Int(t.componentCount[gy])
        let cx0 = t.componentsPointer + Int(t.componentStart[gx])
        let cy0 = t.componentsPointer + Int(t.componentStart[gy])
        if ncx == 1 && ncy == 1 {
            if wanted(cx0[0], cy0[0], threshold: threshold) {
                if useLanes, let lanes = singleComponentLaneKernel(gx, gy, t) {
                    laneGroupQuartet(bra: lanes.bra, ket: lanes.ket, kernel: lanes.kernel, table: t,
                                     threshold: threshold, body)
                    return
                }
                body(compute(bra: Int(cx0[0].shellPair), ket: Int(cy0[0].shellPair)))
            }
            return
        }
        if unifiedGroupQuartet(bra: gx, ket: gy, table: t, threshold: threshold, body) { return }
        if useLanes && laneComponentQuartets(bra: gx, ket: gy, table: t, threshold: threshold, body) { return }
        let nStaged = stageGroupQuartet(bra: gx, ket: gy, table: t)
        if nStaged == 0 { return }
        let lMax = Int(t.lSum[gx] + t.lSum[gy])
        let stride = 4 + lMax + 1
        let bp0 = t.primsPointer + Int(t.primStart[gx]), kp0 = t.primsPointer + Int(t.primStart[gy])
        let c = groupCoefficients, f = groupBoys
        let stage = groupStage, index = groupIndex      // locals: no exclusivity checks in the loops
        let thr = primitiveThreshold
        for a in 0..<ncx {
            let cb = cx0[a]
            for b in 0..<ncy {
                if gx == gy && b > a { break }
                let ck = cy0[b]
                if !wanted(cb, ck, threshold: threshold) { continue }
                var braPair = Int(cb.shellPair), ketPair = Int(ck.shellPair)
                var la = Int(lFirst[braPair]), lb = Int(lSecond[braPair])
                var lc = Int(lFirst[ketPair]), ld = Int(lSecond[ketPair])
                // As compute(bra:ket:): the pair with the larger total angular momentum on the bra.
                let swapped = lc + ld > la + lb || (lc + ld == la + lb && lc > la)
                if swapped { swap(&braPair, &ketPair); swap(&la, &lc); swap(&lb, &ld) }
                let plan = classPlan(la, lb, lc, ld)
                guard let kernel = plan.pointee.kernel else {
                    body(compute(bra: braPair, ket: ketPair))
                    continue
                }
                let L = plan.pointee.L
                let acc = rows1
                acc.initialize(repeating: 0, count: plan.pointee.nE * plan.pointee.nF)
                let braComp = swapped ? ck : cb, ketComp = swapped ? cb : ck
                let braPrims = swapped ? kp0 : bp0, ketPrims = swapped ? bp0 : kp0
                let wBra = t.weightsPointer + Int(braComp.weightStart)
                let wKet = t.weightsPointer + Int(ketComp.weightStart)
                let bBra = t.boundsPointer + Int(braComp.weightStart)
                let bKet = t.boundsPointer + Int(ketComp.weightStart)
                let sign = swapped ? -1.0 : 1.0
                let braFirst = braComp.firstInFirstGroup, ketFirst = ketComp.firstInFirstGroup
                for s in 0..<nStaged {
                    let i0 = Int(index[2 * s]), j0 = Int(index[2 * s + 1])
                    let bi = swapped ? j0 : i0, kj = swapped ? i0 : j0
                    if bBra[bi] * bKet[kj] < thr { continue }
                    let e = stage + s * stride
                    let w = wBra[bi] * wKet[kj]
                    if L == 0 { acc[0] += w * e[4]; continue }
                    let bp = braPrims[bi], kp = ketPrims[kj]
                    let inv = e[0]
                    GeneratedVRR.setCoefficients(c, braShift: bp.shift(fromFirst: braFirst), ketShift: kp.shift(fromFirst: ketFirst),
                                                 p: bp.p, q: kp.p, oneOver2p: bp.oneOver2p, oneOver2q: kp.oneOver2p,
                                                 inverseSum: inv, pq: sign * SIMD3(e[1], e[2], e[3]))
                    for m in 0...L { f[m] = w * e[4 + m] }
                    kernel(c, f, acc)
                }
                body(contractedQuartet(plan: plan, bra: braPair, ket: ketPair))
            }
        }
    }

    /// The four-lane kernel of a quartet of two single-component group pairs, with the pair of
    /// larger range (then larger first l) on the bra, or nil.
    private func singleComponentLaneKernel(_ gx: Int, _ gy: Int, _ t: GroupPairTable)
        -> (bra: Int, ket: Int, kernel: GeneratedVRR.Kernel4)? {
        var gb = gx, gk = gy
        let lx = Int(t.lSum[gx]), ly = Int(t.lSum[gy])
        if ly > lx || (ly == lx && t.lMinFirst[gy] > t.lMinFirst[gx]) { swap(&gb, &gk) }
        let braMin = Int(t.lMinFirst[gb]), ketMin = Int(t.lMinFirst[gk])
        let key = GeneratedVRR.key(braMin, Int(t.lSum[gb]) - braMin, ketMin, Int(t.lSum[gk]) - ketMin)
        guard let kernel = laneKernelTable[key] else { return nil }
        return (gb, gk, kernel)
    }

    /// One VRR per primitive quartet for all components: [e0|f0] for the group pairs' whole
    /// ranges (lMinFirst ≤ |e| ≤ lSum, on the first groups' centres), contracted in two stages —
    /// over ket primitives with each ket component's coefficients into T_κ, then over bra
    /// primitives with each bra component's coefficients into A_βκ — followed by each
    /// component's HRR (from its own l_u on the group's first centre, so (s p| is built as
    /// (p s| + AB (s s|) and transformation. Returns false when the class has no generated
    /// kernel (the caller then runs the components one by one).
    private func unifiedGroupQuartet(bra gx: Int, ket gy: Int, table t: GroupPairTable, threshold: Double,
                                     _ body: (ERIBlock) -> Void) -> Bool {
        // The group pair with the larger range on the bra, as for single classes.
        var gb = gx, gk = gy
        if t.lSum[gy] > t.lSum[gx] { swap(&gb, &gk) }
        let braMin = Int(t.lMinFirst[gb]), braMax = Int(t.lSum[gb])
        let ketMin = Int(t.lMinFirst[gk]), ketMax = Int(t.lSum[gk])
        let key = GeneratedVRR.key(braMin, braMax - braMin, ketMin, ketMax - ketMin)
        if let laneKernel = laneKernelTable[key] {
            laneGroupQuartet(bra: gb, ket: gk, kernel: laneKernel, table: t, threshold: threshold, body)
            return true
        }
        guard let kernel = kernelTable[key] else { return false }
        let nStaged = stageGroupQuartet(bra: gb, ket: gk, table: t)
        if nStaged == 0 { return true }
        let nE = cartesianRangeOffset(from: braMin, to: braMax + 1)
        let nF = cartesianRangeOffset(from: ketMin, to: ketMax + 1)
        let ncb = Int(t.componentCount[gb]), nck = Int(t.componentCount[gk])
        let cb0 = t.componentsPointer + Int(t.componentStart[gb])
        let ck0 = t.componentsPointer + Int(t.componentStart[gk])
        // Scratch: x (one primitive quartet), T_κ (nE × nF_κ each), A_βκ (nE_β × nF_κ each).
        var sumKetF = 0, sumBraE = 0
        for k in 0..<nck { sumKetF += Int(ck0[k].eCount) }
        for b in 0..<ncb { sumBraE += Int(cb0[b].eCount) }
        let xCount = nE * nF, tCount = nE * sumKetF, aCount = sumBraE * sumKetF
        ensure(&groupScratch, &groupScratchCapacity, xCount + tCount + aCount)
        let x = groupScratch, tk = groupScratch + xCount, acc = groupScratch + xCount + tCount
        acc.initialize(repeating: 0, count: aCount)
        tk.initialize(repeating: 0, count: tCount)
        let lMax = braMax + ketMax
        let stride = 4 + lMax + 1
        let stage = groupStage, index = groupIndex, c = groupCoefficients, f = groupBoys
        let bp0 = t.primsPointer + Int(t.primStart[gb]), kp0 = t.primsPointer + Int(t.primStart[gk])
        let braI = t.firstIsI[gb], ketI = t.firstIsI[gk]
        let weights = t.weightsPointer

        // Adds w_β(i) T_κ into A_βκ and clears T.
        func flushBraPrimitive(_ i: Int) {
            var aOffset = 0
            for b in 0..<ncb {
                let cb = cb0[b]
                let w = weights[Int(cb.weightStart) + i]
                let eOff = Int(cb.eOffset), nEb = Int(cb.eCount)
                var tOffset = 0
                for k in 0..<nck {
                    let nFk = Int(ck0[k].eCount)
                    let tBlock = tk + tOffset
                    for e in 0..<nEb {
                        let src = tBlock + (eOff + e) * nFk, dst = acc + aOffset + e * nFk
                        for col in 0..<nFk { dst[col] += w * src[col] }
                    }
                    aOffset += nEb * nFk
                    tOffset += nE * nFk
                }
            }
            tk.initialize(repeating: 0, count: tCount)
        }

        var currentI = Int(index[0])
        for s in 0..<nStaged {
            let i = Int(index[2 * s]), j = Int(index[2 * s + 1])
            if i != currentI { flushBraPrimitive(currentI); currentI = i }
            let e = stage + s * stride
            let bp = bp0[i], kp = kp0[j]
            let inv = e[0], pqx = e[1], pqy = e[2], pqz = e[3]
            if lMax == 0 {
                x[0] = e[4]
            } else {
                GeneratedVRR.setCoefficients(c, braShift: bp.shift(fromFirst: braI), ketShift: kp.shift(fromFirst: ketI),
                                             p: bp.p, q: kp.p, oneOver2p: bp.oneOver2p, oneOver2q: kp.oneOver2p,
                                             inverseSum: inv, pq: SIMD3(pqx, pqy, pqz))
                if nck == 1 {
                    // One ket component: its weight scales the Boys values (the VRR is linear
                    // in them) and the kernel accumulates straight into T.
                    let w = weights[Int(ck0[0].weightStart) + j]
                    for m in 0...lMax { f[m] = w * e[4 + m] }
                    kernel(c, f, tk)
                    continue
                }
                x.initialize(repeating: 0, count: xCount)
                kernel(c, e + 4, x)
            }
            // T_κ[e, f] += w_κ(j) x[e, fOffset_κ + f]
            var tOffset = 0
            for k in 0..<nck {
                let ck = ck0[k]
                let w = weights[Int(ck.weightStart) + j]
                let fOff = Int(ck.eOffset), nFk = Int(ck.eCount)
                let tBlock = tk + tOffset
                for ee in 0..<nE {
                    let src = x + ee * nF + fOff, dst = tBlock + ee * nFk
                    for col in 0..<nFk { dst[col] += w * src[col] }
                }
                tOffset += nE * nFk
            }
        }
        flushBraPrimitive(currentI)

        // Each component quartet: HRR and transformation from its block of A.
        let dispBra = t.displacementPointer + 3 * gb, dispKet = t.displacementPointer + 3 * gk
        var aOffset = 0
        for b in 0..<ncb {
            let cb = cb0[b]
            let nEb = Int(cb.eCount)
            for k in 0..<nck {
                let ck = ck0[k]
                let nFk = Int(ck.eCount)
                defer { aOffset += nEb * nFk }
                // In a diagonal group quartet each unordered component quartet once.
                if gb == gk && k > b { continue }
                if !wanted(cb, ck, threshold: threshold) { continue }
                let plan = classPlan(Int(cb.lu), Int(cb.lv), Int(ck.lu), Int(ck.lv))
                rows1.update(from: acc + aOffset, count: nEb * nFk)
                body(contractedQuartet(plan: plan, braDisplacement: dispBra, ketDisplacement: dispKet,
                                       shells: (Int(cb.u), Int(cb.v), Int(ck.u), Int(ck.v))))
            }
        }
        return true
    }

    /// Stages the significant primitive quartets of group pairs `gx` (bra) and `gy` (ket):
    /// per entry 1/(p+q), P − Q and K_ab K_cd/√(p+q) · F_m(T), m = 0…L_max, with the primitive
    /// indices in `groupIndex`. Returns the number of entries.
    private func stageGroupQuartet(bra gx: Int, ket gy: Int, table t: GroupPairTable) -> Int {
        let n = significantPrimitiveQuartets(bra: gx, ket: gy, table: t)
        if n == 0 { return 0 }
        let lMax = Int(t.lSum[gx] + t.lSum[gy])
        let stride = 4 + lMax + 1
        ensure(&groupStage, &groupStageCapacity, n * stride)
        let bp0 = t.primsPointer + Int(t.primStart[gx]), kp0 = t.primsPointer + Int(t.primStart[gy])
        let stage = groupStage, index = groupIndex
        let table = boysTable, inverseOdd = boysInverseOdd
        for s in 0..<n {
            let bp = bp0[Int(index[2 * s])], kp = kp0[Int(index[2 * s + 1])]
            let inv = 1 / (bp.p + kp.p)
            let pqx = bp.px - kp.px, pqy = bp.py - kp.py, pqz = bp.pz - kp.pz
            let tArg = bp.p * kp.p * inv * (pqx * pqx + pqy * pqy + pqz * pqz)
            let e = stage + s * stride
            e[0] = inv; e[1] = pqx; e[2] = pqy; e[3] = pqz
            BoysFunction.evaluate(upTo: lMax, tArg, into: e + 4, table: table, inverseOdd: inverseOdd,
                                  scale: bp.k * kp.k * inv.squareRoot())
        }
        return n
    }

    /// The primitive quartets (i, j) of group pairs `gb` (bra) and `gk` (ket) whose estimate
    /// b_i·b_j reaches `primitiveThreshold`, bra-major, as index pairs in `groupIndex`; returns
    /// their number. Primitive pairs are sorted by decreasing bound, so each loop stops at the
    /// first negligible one. The scalar and the four-lane staging both take their quartets from
    /// here, so they stage the same ones in the same order.
    func significantPrimitiveQuartets(bra gb: Int, ket gk: Int, table t: GroupPairTable) -> Int {
        let nbp = Int(t.primCount[gb]), nkp = Int(t.primCount[gk])
        if nbp == 0 || nkp == 0 { return 0 }
        ensureGroupIndex(2 * nbp * nkp)
        let bp0 = t.primsPointer + Int(t.primStart[gb]), kp0 = t.primsPointer + Int(t.primStart[gk])
        let thr = primitiveThreshold
        let index = groupIndex
        let ketMax = kp0[0].bound
        var n = 0
        for i in 0..<nbp {
            let bound = bp0[i].bound
            if bound * ketMax < thr { break }
            for j in 0..<nkp {
                if bound * kp0[j].bound < thr { break }
                index[2 * n] = Int32(i); index[2 * n + 1] = Int32(j)
                n += 1
            }
        }
        return n
    }

    /// Whether component quartet (cb|ck) passes Schwarz screening at `threshold` and
    /// `componentQuartetFilter`.
    @inline(__always)
    func wanted(_ cb: GroupComponent, _ ck: GroupComponent, threshold: Double) -> Bool {
        if cb.schwarz * ck.schwarz < threshold { return false }
        if let filter = componentQuartetFilter { return filter(Int(cb.u), Int(cb.v), Int(ck.u), Int(ck.v)) }
        return true
    }

    /// Room for `count` entries in `groupIndex`.
    func ensureGroupIndex(_ count: Int) {
        if count > groupIndexCapacity {
            groupIndex.deallocate()
            groupIndexCapacity = max(count, 2 * groupIndexCapacity)
            groupIndex = .allocate(capacity: groupIndexCapacity)
        }
    }
}
