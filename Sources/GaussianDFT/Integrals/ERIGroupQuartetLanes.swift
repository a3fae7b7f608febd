import ExchangeCorrelation
import Foundation

// Group quartets four primitive quartets at a time.
//
// The primitive quartets of a group quartet (ERIGroupQuartets.swift) are independent until
// they are contracted, so they are staged into lanes: entry k of lane group g holds the VRR
// coefficients, the scaled Boys values and the component weights of primitive quartets
// 4g…4g+3 as one SIMD4 (padding lanes are zero and contribute nothing). A four-lane VRR
// kernel (ERIKernelsSIMD.generated.swift) then builds [e0|f0] for four quartets, and the
// contraction A_βκ[e, f] = Σ w_β w_κ [e0|f0] for every pair of bra component β and ket
// component κ runs on the lanes as well; lanes are summed once per element, before each
// component's HRR. With AVX2 a SIMD4<Double> is one register, so both the VRR and the
// contraction — the two costs of an sp group quartet — do four quartets per instruction.

extension ERIEngine {
    /// The four-lane version of `unifiedGroupQuartet` for group pairs `gb` (bra, the larger
    /// range) and `gk` with four-lane kernel `kernel`; calls `body` with each component
    /// quartet that passes Schwarz screening, as `unifiedGroupQuartet` does.
    func laneGroupQuartet(bra gb: Int, ket gk: Int, kernel: GeneratedVRR.Kernel4, table t: GroupPairTable,
                          threshold: Double, _ body: (ERIBlock) -> Void) {
        let braMin = Int(t.lMinFirst[gb]), braMax = Int(t.lSum[gb])
        let ketMin = Int(t.lMinFirst[gk]), ketMax = Int(t.lSum[gk])
        let lMax = braMax + ketMax
        let ncb = Int(t.componentCount[gb]), nck = Int(t.componentCount[gk])
        let cb0 = t.componentsPointer + Int(t.componentStart[gb])
        let ck0 = t.componentsPointer + Int(t.componentStart[gk])
        let boysOffset = GeneratedVRR.count, braWeightOffset = boysOffset + lMax + 1
        let ketWeightOffset = braWeightOffset + ncb
        let stride = ketWeightOffset + nck
        let laneGroups = stageLanes(bra: gb, ket: gk, table: t, lMax: lMax, stride: stride,
                                    braWeightOffset: braWeightOffset, ketWeightOffset: ketWeightOffset)
        if laneGroups == 0 { return }

        // [e0|f0] of every lane group, then each kept component quartet contracted on its own:
        // A[e, f] = Σ_g Σ_lanes w_β w_κ [e0|f0]_g, with the lane-group loop innermost (no
        // accumulator round trips through memory, one horizontal sum per element).
        let nE = cartesianRangeOffset(from: braMin, to: braMax + 1)
        let nF = cartesianRangeOffset(from: ketMin, to: ketMax + 1)
        let nX = nE * nF
        ensureLanes(&laneScratch, &laneScratchCapacity, laneGroups * (nX + 1))
        let x = laneScratch, w = laneScratch + laneGroups * nX
        let stage = laneStage
        for g in 0..<laneGroups {
            let entry = stage + g * stride
            kernel(entry, entry + boysOffset, x + g * nX)
        }
        let dispBra = t.displacementPointer + 3 * gb, dispKet = t.displacementPointer + 3 * gk
        for b in 0..<ncb {
            let cb = cb0[b]
            let eOff = Int(cb.eOffset), nEb = Int(cb.eCount)
            for k in 0..<nck {
                let ck = ck0[k]
                // In a diagonal group quartet each unordered component quartet once.
                if gb == gk && k > b { continue }
                if !wanted(cb, ck, threshold: threshold) { continue }
                let fOff = Int(ck.eOffset), nFk = Int(ck.eCount)
                // The plan first: making it may reallocate rows1.
                let plan = classPlan(Int(cb.lu), Int(cb.lv), Int(ck.lu), Int(ck.lv))
                let rows = rows1
                for g in 0..<laneGroups {
                    let entry = stage + g * stride
                    w[g] = entry[braWeightOffset + b] * entry[ketWeightOffset + k]
                }
                contractLanes(x: x, weights: w, laneGroups: laneGroups, laneStride: nX,
                              firstElement: eOff * nF + fOff, rowStride: nF, rows: nEb, columns: nFk, into: rows)
                body(contractedQuartet(plan: plan, braDisplacement: dispBra, ketDisplacement: dispKet,
                                       shells: (Int(cb.u), Int(cb.v), Int(ck.u), Int(ck.v))))
            }
        }
    }

    /// out[e·columns + c] = Σ_g Σ_lanes w_g · x_g[firstElement + e·rowStride + c], lane group g's
    /// values starting at x + g·laneStride: one component quartet's block of A. Four elements
    /// at a time, each with its own fused multiply-add chain over the lane groups: with one
    /// chain per element the loop waited on the add latency (4 cycles per lane group).
    @inline(__always)
    private func contractLanes(x: UnsafePointer<SIMD4<Double>>, weights w: UnsafePointer<SIMD4<Double>>,
                               laneGroups: Int, laneStride: Int, firstElement: Int, rowStride: Int,
                               rows: Int, columns: Int, into out: UnsafeMutablePointer<Double>) {
        let count = rows * columns
        var k = 0
        while k < count {
            // Elements k…k+3 of the block (the last one repeated past its end, not stored).
            @inline(__always) func offset(_ i: Int) -> Int {
                let element = min(k + i, count - 1)
                return firstElement + (element / columns) * rowStride + element % columns
            }
            let o0 = offset(0), o1 = offset(1), o2 = offset(2), o3 = offset(3)
            var s0 = SIMD4<Double>.zero, s1 = SIMD4<Double>.zero, s2 = SIMD4<Double>.zero, s3 = SIMD4<Double>.zero
            var group = x
            for g in 0..<laneGroups {
                let wg = w[g]
                s0.addProduct(wg, group[o0]); s1.addProduct(wg, group[o1])
                s2.addProduct(wg, group[o2]); s3.addProduct(wg, group[o3])
                group += laneStride
            }
            out[k] = s0.sum()
            if k + 1 < count { out[k + 1] = s1.sum() }
            if k + 2 < count { out[k + 2] = s2.sum() }
            if k + 3 < count { out[k + 3] = s3.sum() }
            k += 4
        }
    }

    /// Group quartets without a unified kernel (e.g. the derivative basis of the analytic
    /// gradient, whose sp groups span l = 0…3), four primitive quartets at a time: the lanes are
    /// staged once per orientation, and each wanted component quartet runs its own class's
    /// four-lane kernel on them ([e0|f0] for its e and f ranges only), then its contraction and
    /// HRR as in `laneGroupQuartet`. A component whose class has a kernel only with bra and ket
    /// exchanged runs on the lanes staged the other way round. Returns false (nothing done) when
    /// some wanted component has no four-lane kernel either way.
    func laneComponentQuartets(bra gx: Int, ket gy: Int, table t: GroupPairTable, threshold: Double,
                               _ body: (ERIBlock) -> Void) -> Bool {
        let ncx = Int(t.componentCount[gx]), ncy = Int(t.componentCount[gy])
        let cx0 = t.componentsPointer + Int(t.componentStart[gx])
        let cy0 = t.componentsPointer + Int(t.componentStart[gy])
        // Each wanted component quartet with its kernel; swapped: gy's lanes on the bra.
        var plan: [(b: Int, k: Int, swapped: Bool, kernel: GeneratedVRR.Kernel4)] = []
        for b in 0..<ncx {
            let cb = cx0[b]
            for k in 0..<ncy {
                if gx == gy && k > b { continue }
                let ck = cy0[k]
                if !wanted(cb, ck, threshold: threshold) { continue }
                if let kernel = laneKernelTable[GeneratedVRR.key(Int(cb.lu), Int(cb.lv), Int(ck.lu), Int(ck.lv))] {
                    plan.append((b, k, false, kernel))
                } else if let kernel = laneKernelTable[GeneratedVRR.key(Int(ck.lu), Int(ck.lv), Int(cb.lu), Int(cb.lv))] {
                    plan.append((b, k, true, kernel))
                } else {
                    return false
                }
            }
        }
        if plan.isEmpty { return true }
        let lMax = Int(t.lSum[gx] + t.lSum[gy])
        let boysOffset = GeneratedVRR.count
        for swapped in [false, true] where plan.contains(where: { $0.swapped == swapped }) {
            let (gb, gk) = swapped ? (gy, gx) : (gx, gy)
            let ncb = swapped ? ncy : ncx, nck = swapped ? ncx : ncy
            let braWeightOffset = boysOffset + lMax + 1, ketWeightOffset = braWeightOffset + ncb
            let stride = ketWeightOffset + nck
            let laneGroups = stageLanes(bra: gb, ket: gk, table: t, lMax: lMax, stride: stride,
                                        braWeightOffset: braWeightOffset, ketWeightOffset: ketWeightOffset)
            if laneGroups == 0 { return true }
            let dispBra = t.displacementPointer + 3 * gb, dispKet = t.displacementPointer + 3 * gk
            let cbBase = swapped ? cy0 : cx0, ckBase = swapped ? cx0 : cy0
            for entryPlan in plan where entryPlan.swapped == swapped {
                let (b, k) = swapped ? (entryPlan.k, entryPlan.b) : (entryPlan.b, entryPlan.k)
                let cb = cbBase[b], ck = ckBase[k]
                let nE = Int(cb.eCount), nF = Int(ck.eCount), nX = nE * nF
                ensureLanes(&laneScratch, &laneScratchCapacity, laneGroups * (nX + 1))
                let x = laneScratch, w = laneScratch + laneGroups * nX
                let stage = laneStage
                for g in 0..<laneGroups {
                    let entry = stage + g * stride
                    entryPlan.kernel(entry, entry + boysOffset, x + g * nX)
                    w[g] = entry[braWeightOffset + b] * entry[ketWeightOffset + k]
                }
                let classPlan = classPlan(Int(cb.lu), Int(cb.lv), Int(ck.lu), Int(ck.lv))
                let rows = rows1
                contractLanes(x: x, weights: w, laneGroups: laneGroups, laneStride: nX,
                              firstElement: 0, rowStride: nF, rows: nE, columns: nF, into: rows)
                body(contractedQuartet(plan: classPlan, braDisplacement: dispBra, ketDisplacement: dispKet,
                                       shells: (Int(cb.u), Int(cb.v), Int(ck.u), Int(ck.v))))
            }
        }
        return true
    }

    /// Stages the significant primitive quartets of `gb` × `gk` (`significantPrimitiveQuartets`,
    /// as `stageGroupQuartet` does) into `laneStage`, four per lane group of `stride`
    /// SIMD4 entries: the GeneratedVRR coefficient table, K_ab K_cd/√(p+q) · F_m(T) for
    /// m ≤ lMax, then the bra and ket component weights. Padding lanes of the last group
    /// repeat the last quartet with zero Boys values. Returns the number of lane groups.
    private func stageLanes(bra gb: Int, ket gk: Int, table t: GroupPairTable, lMax: Int, stride: Int,
                            braWeightOffset: Int, ketWeightOffset: Int) -> Int {
        typealias V = SIMD4<Double>
        let n = significantPrimitiveQuartets(bra: gb, ket: gk, table: t)
        if n == 0 { return 0 }
        let index = groupIndex
        let bp0 = t.primsPointer + Int(t.primStart[gb]), kp0 = t.primsPointer + Int(t.primStart[gk])
        let groups = (n + 3) / 4
        ensureLanes(&laneStage, &laneStageCapacity, groups * stride)
        let stage = laneStage     // a local: no exclusivity check per lane group
        let ncb = Int(t.componentCount[gb]), nck = Int(t.componentCount[gk])
        let cb0 = t.componentsPointer + Int(t.componentStart[gb])
        let ck0 = t.componentsPointer + Int(t.componentStart[gk])
        let weights = t.weightsPointer
        let braI = t.firstIsI[gb], ketI = t.firstIsI[gk]
        let table = boysTable, inverseOdd = boysInverseOdd
        for g in 0..<groups {
            let s0 = 4 * g
            @inline(__always) func lane(_ l: Int) -> Int { min(s0 + l, n - 1) }
            let i0 = Int(index[2 * lane(0)]), i1 = Int(index[2 * lane(1)]), i2 = Int(index[2 * lane(2)]), i3 = Int(index[2 * lane(3)])
            let j0 = Int(index[2 * lane(0) + 1]), j1 = Int(index[2 * lane(1) + 1])
            let j2 = Int(index[2 * lane(2) + 1]), j3 = Int(index[2 * lane(3) + 1])
            let b0 = bp0[i0], b1 = bp0[i1], b2 = bp0[i2], b3 = bp0[i3]
            let k0 = kp0[j0], k1 = kp0[j1], k2 = kp0[j2], k3 = kp0[j3]
            let p = V(b0.p, b1.p, b2.p, b3.p), q = V(k0.p, k1.p, k2.p, k3.p)
            let inv = 1 / (p + q)
            let pqx = V(b0.px, b1.px, b2.px, b3.px) - V(k0.px, k1.px, k2.px, k3.px)
            let pqy = V(b0.py, b1.py, b2.py, b3.py) - V(k0.py, k1.py, k2.py, k3.py)
            let pqz = V(b0.pz, b1.pz, b2.pz, b3.pz) - V(k0.pz, k1.pz, k2.pz, k3.pz)
            let qi = q * inv, pi = p * inv
            let e = stage + g * stride
            if braI {
                e[1] = V(b0.pax, b1.pax, b2.pax, b3.pax); e[2] = V(b0.pay, b1.pay, b2.pay, b3.pay); e[3] = V(b0.paz, b1.paz, b2.paz, b3.paz)
            } else {
                e[1] = V(b0.pbx, b1.pbx, b2.pbx, b3.pbx); e[2] = V(b0.pby, b1.pby, b2.pby, b3.pby); e[3] = V(b0.pbz, b1.pbz, b2.pbz, b3.pbz)
            }
            e[4] = -qi * pqx; e[5] = -qi * pqy; e[6] = -qi * pqz
            if ketI {
                e[7] = V(k0.pax, k1.pax, k2.pax, k3.pax); e[8] = V(k0.pay, k1.pay, k2.pay, k3.pay); e[9] = V(k0.paz, k1.paz, k2.paz, k3.paz)
            } else {
                e[7] = V(k0.pbx, k1.pbx, k2.pbx, k3.pbx); e[8] = V(k0.pby, k1.pby, k2.pby, k3.pby); e[9] = V(k0.pbz, k1.pbz, k2.pbz, k3.pbz)
            }
            e[10] = pi * pqx; e[11] = pi * pqy; e[12] = pi * pqz
            let o2p = V(b0.oneOver2p, b1.oneOver2p, b2.oneOver2p, b3.oneOver2p)
            let o2q = V(k0.oneOver2p, k1.oneOver2p, k2.oneOver2p, k3.oneOver2p)
            e[GeneratedVRR.o2p] = o2p
            e[GeneratedVRR.o2pr] = o2p * qi
            e[GeneratedVRR.o2q] = o2q
            e[GeneratedVRR.o2qr] = o2q * pi
            e[GeneratedVRR.o2pq] = 0.5 * inv
            let tArg = p * q * inv * (pqx * pqx + pqy * pqy + pqz * pqz)
            var scale = V(b0.k, b1.k, b2.k, b3.k) * V(k0.k, k1.k, k2.k, k3.k) * VectorMath.sqrt(inv)
            if s0 + 3 >= n {
                for l in 0..<4 where s0 + l >= n { scale[l] = 0 }
            }
            BoysFunction.evaluate4(upTo: lMax, tArg, scale: scale, into: e + GeneratedVRR.count,
                                   table: table, inverseOdd: inverseOdd)
            for b in 0..<ncb {
                let w = weights + Int(cb0[b].weightStart)
                e[braWeightOffset + b] = V(w[i0], w[i1], w[i2], w[i3])
            }
            for k in 0..<nck {
                let w = weights + Int(ck0[k].weightStart)
                e[ketWeightOffset + k] = V(w[j0], w[j1], w[j2], w[j3])
            }
        }
        return groups
    }

    func ensureLanes(_ p: inout UnsafeMutablePointer<SIMD4<Double>>, _ cap: inout Int, _ n: Int) {
        if n > cap {
            p.deallocate()
            cap = max(n, cap * 2)
            p = .allocate(capacity: cap)
        }
    }
}
