import Foundation

// Group quartets four primitive quartets at a time.
//
// The primitive quartets of a group quartet (ERIGroupQuartets.swift) are independent until
// they are contracted, so they are staged into lanes: entry k of lane group g holds the VRR
// coefficients, the scaled Boys values and the component weights of primitive quartets
// 4g…4g+3 as one SIMD4 (padding lanes are zero and contribute nothing). A four-lane VRR
// kernel (ERIKernelsSIMD.generated.swift) then builds [e0|f0] for four quartets, and the
// contraction A_βκ[e, f] += w_β w_κ [e0|f0] over every pair of bra component β and ket
// component κ runs on the lanes as well; lanes are summed once per group quartet, before
// each component's HRR. With AVX2 a SIMD4<Double> is one register, so both the VRR and the
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

        let nE = cartesianRangeOffset(from: braMin, to: braMax + 1)
        let nF = cartesianRangeOffset(from: ketMin, to: ketMax + 1)
        var aCount = 0
        for b in 0..<ncb { for k in 0..<nck { aCount += Int(cb0[b].eCount) * Int(ck0[k].eCount) } }
        ensureLanes(&laneScratch, &laneScratchCapacity, nE * nF + aCount)
        let x = laneScratch, acc = laneScratch + nE * nF
        acc.initialize(repeating: .zero, count: aCount)
        // A component quartet is accumulated only if it is kept: Schwarz, and in a diagonal
        // group quartet each unordered one once.
        withUnsafeTemporaryAllocation(of: Bool.self, capacity: ncb * nck) { kept in
            for b in 0..<ncb {
                for k in 0..<nck {
                    kept[b * nck + k] = !(gb == gk && k > b) && cb0[b].schwarz * ck0[k].schwarz >= threshold
                }
            }
            let stage = laneStage
            for g in 0..<laneGroups {
                let entry = stage + g * stride
                kernel(entry, entry + boysOffset, x)
                var aOffset = 0
                for b in 0..<ncb {
                    let cb = cb0[b]
                    let wb = entry[braWeightOffset + b]
                    let eOff = Int(cb.eOffset), nEb = Int(cb.eCount)
                    for k in 0..<nck {
                        let ck = ck0[k]
                        let nFk = Int(ck.eCount)
                        defer { aOffset += nEb * nFk }
                        if !kept[b * nck + k] { continue }
                        let w = wb * entry[ketWeightOffset + k]
                        let fOff = Int(ck.eOffset)
                        for e in 0..<nEb {
                            let src = x + (eOff + e) * nF + fOff, dst = acc + aOffset + e * nFk
                            for col in 0..<nFk { dst[col] += w * src[col] }
                        }
                    }
                }
            }
        }

        // Sum the lanes, then each kept component quartet's HRR and transformation.
        let dispBra = t.displacementPointer + 3 * gb, dispKet = t.displacementPointer + 3 * gk
        var aOffset = 0
        for b in 0..<ncb {
            let cb = cb0[b]
            let nEb = Int(cb.eCount)
            for k in 0..<nck {
                let ck = ck0[k]
                let nFk = Int(ck.eCount)
                defer { aOffset += nEb * nFk }
                if gb == gk && k > b { continue }
                if cb.schwarz * ck.schwarz < threshold { continue }
                let plan = classPlan(Int(cb.lu), Int(cb.lv), Int(ck.lu), Int(ck.lv))
                let block = acc + aOffset
                for i in 0..<(nEb * nFk) { rows1[i] = block[i].sum() }
                body(contractedQuartet(plan: plan, braDisplacement: dispBra, ketDisplacement: dispKet,
                                       shells: (Int(cb.u), Int(cb.v), Int(ck.u), Int(ck.v))))
            }
        }
    }

    /// Stages the significant primitive quartets of `gb` × `gk` (the same ones, in the same
    /// order, as `stageGroupQuartet`) into `laneStage`, four per lane group of `stride`
    /// SIMD4 entries: the GeneratedVRR coefficient table, K_ab K_cd/√(p+q) · F_m(T) for
    /// m ≤ lMax, then the bra and ket component weights. Returns the number of lane groups.
    private func stageLanes(bra gb: Int, ket gk: Int, table t: GroupPairTable, lMax: Int, stride: Int,
                            braWeightOffset: Int, ketWeightOffset: Int) -> Int {
        let nbp = Int(t.primCount[gb]), nkp = Int(t.primCount[gk])
        if nbp == 0 || nkp == 0 { return 0 }
        let maxGroups = (nbp * nkp + 3) / 4
        ensureLanes(&laneStage, &laneStageCapacity, maxGroups * stride)
        let ncb = Int(t.componentCount[gb]), nck = Int(t.componentCount[gk])
        let cb0 = t.componentsPointer + Int(t.componentStart[gb])
        let ck0 = t.componentsPointer + Int(t.componentStart[gk])
        let weights = t.weightsPointer
        let bp0 = t.primsPointer + Int(t.primStart[gb]), kp0 = t.primsPointer + Int(t.primStart[gk])
        let braI = t.firstIsI[gb], ketI = t.firstIsI[gk]
        let thr = primitiveThreshold
        let table = boysTable, inverseOdd = boysInverseOdd
        let lanes = UnsafeMutableRawPointer(laneStage).assumingMemoryBound(to: Double.self)
        let boys = groupBoys
        let ketMax = kp0[0].bound
        var n = 0
        for i in 0..<nbp {
            let bp = bp0[i]
            if bp.bound * ketMax < thr { break }
            for j in 0..<nkp {
                let kp = kp0[j]
                if bp.bound * kp.bound < thr { break }
                // Entry k of this quartet: lanes[(g · stride + k) · 4 + lane].
                let e = lanes + (n >> 2) * stride * 4 + (n & 3)
                let inv = 1 / (bp.p + kp.p)
                let pqx = bp.px - kp.px, pqy = bp.py - kp.py, pqz = bp.pz - kp.pz
                let qi = kp.p * inv, pi = bp.p * inv
                if braI { e[4] = bp.pax; e[8] = bp.pay; e[12] = bp.paz } else { e[4] = bp.pbx; e[8] = bp.pby; e[12] = bp.pbz }
                e[16] = -qi * pqx; e[20] = -qi * pqy; e[24] = -qi * pqz
                if ketI { e[28] = kp.pax; e[32] = kp.pay; e[36] = kp.paz } else { e[28] = kp.pbx; e[32] = kp.pby; e[36] = kp.pbz }
                e[40] = pi * pqx; e[44] = pi * pqy; e[48] = pi * pqz
                e[4 * GeneratedVRR.o2p] = bp.oneOver2p
                e[4 * GeneratedVRR.o2pr] = bp.oneOver2p * qi
                e[4 * GeneratedVRR.o2q] = kp.oneOver2p
                e[4 * GeneratedVRR.o2qr] = kp.oneOver2p * pi
                e[4 * GeneratedVRR.o2pq] = 0.5 * inv
                let tArg = bp.p * kp.p * inv * (pqx * pqx + pqy * pqy + pqz * pqz)
                BoysFunction.evaluate(upTo: lMax, tArg, into: boys, table: table, inverseOdd: inverseOdd,
                                      scale: bp.k * kp.k * inv.squareRoot())
                for m in 0...lMax { e[4 * (GeneratedVRR.count + m)] = boys[m] }
                for b in 0..<ncb { e[4 * (braWeightOffset + b)] = weights[Int(cb0[b].weightStart) + i] }
                for k in 0..<nck { e[4 * (ketWeightOffset + k)] = weights[Int(ck0[k].weightStart) + j] }
                n += 1
            }
        }
        // Padding lanes of the last group: zero Boys values and weights contribute nothing.
        while n & 3 != 0 {
            let e = lanes + (n >> 2) * stride * 4 + (n & 3)
            for k in 0..<stride { e[4 * k] = 0 }
            n += 1
        }
        return n >> 2
    }

    func ensureLanes(_ p: inout UnsafeMutablePointer<SIMD4<Double>>, _ cap: inout Int, _ n: Int) {
        if n > cap {
            p.deallocate()
            cap = max(n, cap * 2)
            p = .allocate(capacity: cap)
        }
    }
}
