/// Hermite Coulomb integrals R_tuv(p, P − C) of McMurchie–Davidson for four centres C at once
/// (one per SIMD lane), t + u + v ≤ L:
///
///     R^{(n)}_{000} = (−2p)^n F_n(p |PC|²),
///     R^{(n)}_{t+1,u,v} = t R^{(n+1)}_{t−1,u,v} + X_PC R^{(n+1)}_{tuv}   (likewise u, v),
///
/// R_tuv = R^{(0)}_tuv (Helgaker, Jørgensen & Olsen, Molecular Electronic-Structure Theory,
/// eq. 9.9.18–9.9.20). Lane l of `out[(t·(L+1) + u)·(L+1) + v]` is `scale[l]` · R_tuv(p, pc_l);
/// entries with t + u + v > L are not written. A lane with `scale` 0 (padding) gives zeros.
/// `scratch` holds 2 (L+1)³ + L + 1 vectors. The nuclear-attraction integrals and their
/// gradients run one primitive pair against every nucleus, so the nuclei fill the lanes.
func hermiteCoulomb4(L: Int, p: Double, pcx: SIMD4<Double>, pcy: SIMD4<Double>, pcz: SIMD4<Double>,
                     scale: SIMD4<Double>, out: UnsafeMutablePointer<SIMD4<Double>>,
                     scratch: UnsafeMutablePointer<SIMD4<Double>>) {
    let n1 = L + 1
    let size = n1 * n1 * n1
    let boys = scratch
    var next = scratch + n1
    var cur = next + size
    BoysFunction.evaluate4(upTo: L, p * (pcx * pcx + pcy * pcy + pcz * pcz), scale: scale, into: boys,
                           table: BoysFunction.table, inverseOdd: BoysFunction.inverseOdd)
    @inline(__always) func idx(_ t: Int, _ u: Int, _ v: Int) -> Int { (t * n1 + u) * n1 + v }
    // R^{(n)} from R^{(n+1)}, n = L down to 0; only t+u+v ≤ L−n is needed at level n.
    var factor = 1.0                  // (−2p)^n, by multiplication (`pow` would cost more than the rest)
    for _ in 0..<L { factor *= -2 * p }
    var n = L
    while n >= 0 {
        let lmax = L - n
        cur[0] = factor * boys[n]
        if lmax > 0 {
            for tt in 0...lmax {
                for uu in 0...(lmax - tt) {
                    for vv in 0...(lmax - tt - uu) where tt + uu + vv > 0 {
                        var v: SIMD4<Double>
                        if tt > 0 {
                            v = pcx * next[idx(tt - 1, uu, vv)]
                            if tt > 1 { v += Double(tt - 1) * next[idx(tt - 2, uu, vv)] }
                        } else if uu > 0 {
                            v = pcy * next[idx(tt, uu - 1, vv)]
                            if uu > 1 { v += Double(uu - 1) * next[idx(tt, uu - 2, vv)] }
                        } else {
                            v = pcz * next[idx(tt, uu, vv - 1)]
                            if vv > 1 { v += Double(vv - 1) * next[idx(tt, uu, vv - 2)] }
                        }
                        cur[idx(tt, uu, vv)] = v
                    }
                }
            }
        }
        swap(&cur, &next)
        n -= 1
        factor /= -2 * p
    }
    for tt in 0...L {
        for uu in 0...(L - tt) {
            for vv in 0...(L - tt - uu) { out[idx(tt, uu, vv)] = next[idx(tt, uu, vv)] }
        }
    }
}

/// Calls `body` for the nuclei of nonzero charge in groups of up to four: their indices, how many
/// lanes are real, P − C per lane and the charges (padding lanes: charge 0, P − C = 0).
@inline(__always)
func forEachNucleusQuartet(charges: [Double], positions: [SIMD3<Double>], center: SIMD3<Double>,
                           _ body: (_ nuclei: SIMD4<Int>, _ count: Int, _ pcx: SIMD4<Double>, _ pcy: SIMD4<Double>,
                                    _ pcz: SIMD4<Double>, _ charge: SIMD4<Double>) -> Void) {
    var nuclei = SIMD4<Int>.zero, count = 0
    var pcx = SIMD4<Double>.zero, pcy = SIMD4<Double>.zero, pcz = SIMD4<Double>.zero, charge = SIMD4<Double>.zero
    for c in charges.indices where charges[c] != 0 {
        let d = center - positions[c]
        nuclei[count] = c; pcx[count] = d.x; pcy[count] = d.y; pcz[count] = d.z; charge[count] = charges[c]
        count += 1
        if count == 4 {
            body(nuclei, 4, pcx, pcy, pcz, charge)
            count = 0; pcx = .zero; pcy = .zero; pcz = .zero; charge = .zero
        }
    }
    if count > 0 { body(nuclei, count, pcx, pcy, pcz, charge) }
}
