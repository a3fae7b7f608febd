import Foundation
import LinearAlgebra

// One-electron part of the analytic nuclear gradient (Pople, Krishnan, Schlegel & Binkley,
// Int. J. Quantum Chem. Symp. 13, 225 (1979); PySCF grad/rhf.py `grad_elec`):
//
//   ∂E₁/∂R_A = Σ_μν D_μν ∂(T + V)_μν/∂R_A − Σ_μν W_μν ∂S_μν/∂R_A
//
// Basis-function derivatives: a cartesian Gaussian on A depends on A through x_A = x − A_x, and
//   ∂/∂A_x [x_A^i e^{−α x_A²}] = 2α x_A^{i+1} e^{−α x_A²} − i x_A^{i−1} e^{−α x_A²},
// so with McMurchie–Davidson Hermite coefficients E^{ij}_t (OneElectron.swift) the bra
// derivative of every integral is the same integral with i → i ± 1. Because D, W are symmetric,
// Σ_μν P_μν ∂O_μν/∂R_A (basis part) = 2 Σ_{μ∈A} Σ_ν P_μν ⟨∂_A μ|O|ν⟩.
// The nuclear attraction operator also moves with its nucleus C (Hellmann–Feynman term):
//   ∂/∂C_x R_tuv(p, P − C) = −R_{t+1,u,v},
// added as Σ_μν D_μν ⟨μ|∂V_C/∂C|ν⟩. Everything runs over the cartesian functions with
// cartesian densities (CartesianDensity.swift). Units: hartree/bohr.

/// Per-atom gradient (Ha/bohr) of tr(D (T + V)) − tr(W S) for cartesian-basis matrices
/// `density` and `energyWeighted` over `basis` (which must be cartesian), with nuclear charges
/// `charges` at the basis's atom positions.
func oneElectronGradient(basis: MolecularBasis, density: Matrix, energyWeighted: Matrix,
                         charges: [Double]) -> [SIMD3<Double>] {
    precondition(!basis.spherical, "oneElectronGradient works on cartesian functions")
    let positions = basis.positions
    var grad = [SIMD3<Double>](repeating: .zero, count: positions.count)
    let shells = basis.shells
    let lmax = basis.maxAngularMomentum
    let nMax = 2 * lmax + 2
    var rTables = [Double](repeating: 0, count: positions.count * (nMax + 1) * (nMax + 1) * (nMax + 1))
    // R_tuv of four nuclei at a time (`hermiteCoulomb4`) and its scratch.
    let tableSize = (nMax + 1) * (nMax + 1) * (nMax + 1)
    let lanes = UnsafeMutablePointer<SIMD4<Double>>.allocate(capacity: tableSize)
    let laneScratch = UnsafeMutablePointer<SIMD4<Double>>.allocate(capacity: 2 * tableSize + nMax + 1)
    defer { lanes.deallocate(); laneScratch.deallocate() }
    for ia in 0..<shells.count {
        let sa = shells[ia]
        let atomA = sa.atomIndex
        for ib in 0..<shells.count {
            let sb = shells[ib]
            let la = sa.angularMomentum, lb = sb.angularMomentum
            let cartA = cartesianExponents(l: la), cartB = cartesianExponents(l: lb)
            let oa = basis.aoOffsets[ia], ob = basis.aoOffsets[ib]
            let ab = sa.center - sb.center
            let ab2 = (ab * ab).sum()
            // Density blocks for this pair.
            var dBlock = [Double](repeating: 0, count: cartA.count * cartB.count)
            var wBlock = dBlock
            for j in 0..<cartB.count {
                for i in 0..<cartA.count {
                    dBlock[i + cartA.count * j] = density[oa + i, ob + j]
                    wBlock[i + cartA.count * j] = energyWeighted[oa + i, ob + j]
                }
            }
            let L = la + lb + 1            // Hermite Coulomb order needed (bra derivative or HF term)
            let n1 = L + 1
            for (pa, a) in sa.exponents.enumerated() {
                for (pb, b) in sb.exponents.enumerated() {
                    let p = a + b
                    let pref = sa.coefficients[pa] * sb.coefficients[pb] * exp(-a * b / p * ab2)
                    if abs(pref) < 1e-300 { continue }
                    let pc = (a * sa.center + b * sb.center) / p
                    let pA = pc - sa.center, pB = pc - sb.center
                    let o2p = 0.5 / p
                    let ex = HermiteCoefficients1D(imax: la + 1, jmax: lb + 2, pa: pA.x, pb: pB.x, oneOverTwoP: o2p)
                    let ey = HermiteCoefficients1D(imax: la + 1, jmax: lb + 2, pa: pA.y, pb: pB.y, oneOverTwoP: o2p)
                    let ez = HermiteCoefficients1D(imax: la + 1, jmax: lb + 2, pa: pA.z, pb: pB.z, oneOverTwoP: o2p)
                    let sNorm = pref * pow(Double.pi / p, 1.5)
                    let vNorm = pref * 2 * Double.pi / p
                    // Per-nucleus Hermite Coulomb integrals R_tuv(p, P − C), t+u+v ≤ L.
                    let size = n1 * n1 * n1
                    rTables.withUnsafeMutableBufferPointer { rt in
                        rt.baseAddress!.update(repeating: 0, count: positions.count * size)
                        lanes.initialize(repeating: .zero, count: size)
                        forEachNucleusQuartet(charges: charges, positions: positions, center: pc) { nuclei, count, pcx, pcy, pcz, z in
                            let one = SIMD4<Double>(repeating: 1).replacing(with: 0, where: z .== 0)
                            hermiteCoulomb4(L: L, p: p, pcx: pcx, pcy: pcy, pcz: pcz, scale: one, out: lanes, scratch: laneScratch)
                            for l in 0..<count {
                                let base = rt.baseAddress! + nuclei[l] * size
                                for k in 0..<size { base[k] = lanes[k][l] }
                            }
                        }
                    }
                    var rSum = [Double](repeating: 0, count: n1 * n1 * n1)
                    for c in 0..<positions.count where charges[c] != 0 {
                        for k in 0..<(n1 * n1 * n1) { rSum[k] -= charges[c] * rTables[c * n1 * n1 * n1 + k] }
                    }
                    @inline(__always) func r(_ c: Int, _ t: Int, _ u: Int, _ v: Int) -> Double {
                        rTables[c * n1 * n1 * n1 + (t * n1 + u) * n1 + v]
                    }
                    // Kinetic 1D factor: −½ ⟨i|∂²|j⟩ in one dimension (OneElectron.swift).
                    func t1(_ e: HermiteCoefficients1D, _ i: Int, _ j: Int) -> Double {
                        if i < 0 { return 0 }
                        var v = -2 * b * Double(2 * j + 1) * e(i, j, 0) + 4 * b * b * e(i, j + 2, 0)
                        if j >= 2 { v += Double(j * (j - 1)) * e(i, j - 2, 0) }
                        return -0.5 * v
                    }
                    func s1(_ e: HermiteCoefficients1D, _ i: Int, _ j: Int) -> Double { i < 0 ? 0 : e(i, j, 0) }
                    // Nuclear attraction Σ_C −Z_C Σ_tuv E_t E_u E_v R_tuv, for bra exponents (i, j, k).
                    func nuc(_ ia: (Int, Int, Int), _ jb: (x: Int, y: Int, z: Int)) -> Double {
                        if ia.0 < 0 || ia.1 < 0 || ia.2 < 0 { return 0 }
                        var v = 0.0
                        for t in 0...(ia.0 + jb.x) {
                            let et = ex(ia.0, jb.x, t)
                            if et == 0 { continue }
                            for u in 0...(ia.1 + jb.y) {
                                let eu = ey(ia.1, jb.y, u)
                                if eu == 0 { continue }
                                for w in 0...(ia.2 + jb.z) {
                                    let ew = ez(ia.2, jb.z, w)
                                    if ew == 0 { continue }
                                    v += et * eu * ew * rSum[(t * n1 + u) * n1 + w]
                                }
                            }
                        }
                        return v
                    }
                    for (jb, cb) in cartB.enumerated() {
                        for (jaIdx, ca) in cartA.enumerated() {
                            let d = dBlock[jaIdx + cartA.count * jb]
                            let w = wBlock[jaIdx + cartA.count * jb]
                            if d == 0 && w == 0 { continue }
                            let i3 = SIMD3<Int>(ca.x, ca.y, ca.z), j3 = SIMD3<Int>(cb.x, cb.y, cb.z)
                            var g = SIMD3<Double>.zero
                            for dir in 0..<3 {
                                var up = i3; up[dir] += 1
                                var dn = i3; dn[dir] -= 1
                                let ni = Double(i3[dir])
                                // Overlap: product of 1D factors; kinetic: Σ_k T_k Π_{k'≠k} S_k'.
                                let sux = s1(ex, up.x, j3.x), suy = s1(ey, up.y, j3.y), suz = s1(ez, up.z, j3.z)
                                let sdx = s1(ex, dn.x, j3.x), sdy = s1(ey, dn.y, j3.y), sdz = s1(ez, dn.z, j3.z)
                                let sUp = sux * suy * suz
                                let sDn = sdx * sdy * sdz
                                let tUp = t1(ex, up.x, j3.x) * suy * suz + sux * t1(ey, up.y, j3.y) * suz + sux * suy * t1(ez, up.z, j3.z)
                                let tDn = ni == 0 ? 0 : t1(ex, dn.x, j3.x) * sdy * sdz + sdx * t1(ey, dn.y, j3.y) * sdz + sdx * sdy * t1(ez, dn.z, j3.z)
                                let dS = sNorm * (2 * a * sUp - ni * sDn)
                                let dT = sNorm * (2 * a * tUp - ni * tDn)
                                let dV = vNorm * (2 * a * nuc((up.x, up.y, up.z), cb)
                                                  - (ni == 0 ? 0 : ni * nuc((dn.x, dn.y, dn.z), cb)))
                                g[dir] = 2 * (d * (dT + dV) - w * dS)
                            }
                            grad[atomA] += g
                            // Hellmann–Feynman: Σ D ⟨a|∂V_C/∂C|b⟩ = Σ D (−Z_C)(2π/p) Σ E E E (−R_{t+1…}).
                            if d != 0 {
                                for c in 0..<positions.count where charges[c] != 0 {
                                    var hf = SIMD3<Double>.zero
                                    for t in 0...(ca.x + cb.x) {
                                        let et = ex(ca.x, cb.x, t)
                                        if et == 0 { continue }
                                        for u in 0...(ca.y + cb.y) {
                                            let eu = ey(ca.y, cb.y, u)
                                            if eu == 0 { continue }
                                            for w2 in 0...(ca.z + cb.z) {
                                                let e = et * eu * ez(ca.z, cb.z, w2)
                                                hf.x += e * r(c, t + 1, u, w2)
                                                hf.y += e * r(c, t, u + 1, w2)
                                                hf.z += e * r(c, t, u, w2 + 1)
                                            }
                                        }
                                    }
                                    grad[c] += (d * vNorm * charges[c]) * hf
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    return grad
}

/// Gradient of the nuclear repulsion Σ_{A<B} Z_A Z_B / R_AB (Ha/bohr).
func nuclearRepulsionGradient(charges: [Double], positions: [SIMD3<Double>]) -> [SIMD3<Double>] {
    var g = [SIMD3<Double>](repeating: .zero, count: positions.count)
    for a in 0..<positions.count {
        for b in 0..<a {
            let d = positions[a] - positions[b]
            let r = (d * d).sum().squareRoot()
            let f = -charges[a] * charges[b] / (r * r * r) * d
            g[a] += f
            g[b] -= f
        }
    }
    return g
}
