import Foundation
import Testing
@testable import GaussianDFT

// Every four-lane VRR kernel (ERIKernelsSIMD.generated.swift) against the interpreted recipe
// it was generated from (`VRRRecipe`, the reference the scalar kernels are tested against in
// IntegralsKernelTests), lane by lane, on made-up but realistic inputs: each lane its own P−A,
// W−P, Q−C, W−Q, exponent ratios and Boys values. Agreement to 1e-13 relative to the largest
// output (the same arithmetic in another order). Many of these kernels run only inside group
// quartets (derivative basis, sp groups), so this checks each one directly.

@Suite struct LaneKernelTests {
    /// One primitive quartet's inputs, varied with `s`.
    struct Lane {
        var p: Double, q: Double
        var pa: SIMD3<Double>, qc: SIMD3<Double>, pq: SIMD3<Double>
        var f: [Double]
        init(_ s: Double, orders: Int) {
            p = 0.7 * s; q = 1.3 / s
            pa = SIMD3<Double>(0.31 * s, -0.22, 0.17 / s)
            qc = SIMD3<Double>(-0.12, 0.41 / s, 0.27 * s)
            pq = SIMD3<Double>(0.5 - 0.2 * s, 0.33, -0.18 * s)
            var values: [Double] = []
            for m in 0...orders {
                let decay: Double = exp(-0.1 * s * Double(m))
                values.append(0.8 / Double(2 * m + 1) * decay)
            }
            f = values
        }
    }

    @Test func everyLaneKernelMatchesItsRecipe() {
        #expect(generatedVRRKernels4.count >= 40)
        for (key, kernel) in generatedVRRKernels4 {
            let la = key >> 9, lb = (key >> 6) & 7, lc = (key >> 3) & 7, ld = key & 7
            #expect(GeneratedVRR.key(la, lb, lc, ld) == key)
            let recipe = VRRRecipe(la: la, lb: lb, lc: lc, ld: ld)
            let L = recipe.L
            let c = UnsafeMutablePointer<SIMD4<Double>>.allocate(capacity: GeneratedVRR.count)
            let f = UnsafeMutablePointer<SIMD4<Double>>.allocate(capacity: L + 1)
            let out = UnsafeMutablePointer<SIMD4<Double>>.allocate(capacity: recipe.outputs.count)
            defer { c.deallocate(); f.deallocate(); out.deallocate() }
            // Lane inputs: exponents p, q; centre offsets; Boys-like decreasing values.
            var lanes: [Lane] = []
            for lane in 0..<4 { lanes.append(Lane(Double(lane + 1) + 0.1 * Double(key % 7), orders: L)) }
            func v(_ g: (Int) -> Double) -> SIMD4<Double> { SIMD4(g(0), g(1), g(2), g(3)) }
            for d in 0..<3 {
                c[1 + d] = v { lanes[$0].pa[d] }
                c[4 + d] = v { -lanes[$0].q / (lanes[$0].p + lanes[$0].q) * lanes[$0].pq[d] }
                c[7 + d] = v { lanes[$0].qc[d] }
                c[10 + d] = v { lanes[$0].p / (lanes[$0].p + lanes[$0].q) * lanes[$0].pq[d] }
            }
            c[GeneratedVRR.o2p] = v { 0.5 / lanes[$0].p }
            c[GeneratedVRR.o2pr] = v { 0.5 / lanes[$0].p * lanes[$0].q / (lanes[$0].p + lanes[$0].q) }
            c[GeneratedVRR.o2q] = v { 0.5 / lanes[$0].q }
            c[GeneratedVRR.o2qr] = v { 0.5 / lanes[$0].q * lanes[$0].p / (lanes[$0].p + lanes[$0].q) }
            c[GeneratedVRR.o2pq] = v { 0.5 / (lanes[$0].p + lanes[$0].q) }
            for m in 0...L { f[m] = v { lanes[$0].f[m] } }
            kernel(c, f, out)

            for lane in 0..<4 {
                let l = lanes[lane]
                var coef = [Double](repeating: 0, count: VRRCoefficients.count)
                let inv = 1 / (l.p + l.q)
                for d in 0..<3 {
                    coef[VRRCoefficients.pa + d] = l.pa[d]; coef[VRRCoefficients.wp + d] = -l.q * inv * l.pq[d]
                    coef[VRRCoefficients.qc + d] = l.qc[d]; coef[VRRCoefficients.wq + d] = l.p * inv * l.pq[d]
                }
                for n in 1...VRRCoefficients.maxN {
                    coef[VRRCoefficients.nOver2p + n] = Double(n) * 0.5 / l.p
                    coef[VRRCoefficients.nRhoOver2p2 + n] = -Double(n) * 0.5 / l.p * l.q * inv
                    coef[VRRCoefficients.nOver2q + n] = Double(n) * 0.5 / l.q
                    coef[VRRCoefficients.nRhoOver2q2 + n] = -Double(n) * 0.5 / l.q * l.p * inv
                    coef[VRRCoefficients.nOver2pq + n] = Double(n) * 0.5 * inv
                }
                var x = [Double](repeating: 0, count: recipe.slotCount)
                for m in 0...L { x[1 + m] = l.f[m] }
                coef.withUnsafeBufferPointer { c in
                    x.withUnsafeMutableBufferPointer { slots in
                        runVRR(braOps: recipe.braOpsPointer, braCount: recipe.braOps.count,
                               ketOps: recipe.ketOpsPointer, ketCount: recipe.ketOps.count,
                               coefficients: c.baseAddress!, slots: slots.baseAddress!)
                    }
                }
                var scale = 1e-300, diff = 0.0
                for (k, slot) in recipe.outputs.enumerated() {
                    scale = max(scale, abs(x[Int(slot)]))
                    diff = max(diff, abs(x[Int(slot)] - out[k][lane]))
                }
                #expect(diff <= 1e-13 * scale, "(\(la)\(lb)|\(lc)\(ld)) lane \(lane): \(diff) of \(scale)")
            }
        }
    }
}
