import Foundation
import LinearAlgebra

// One-electron integrals by McMurchie–Davidson: each primitive pair is expanded in Hermite
// Gaussians about the product centre P (coefficients E^{ij}_t per dimension), so
//   overlap   S = E^x_0 E^y_0 E^z_0 (π/p)^{3/2}
//   kinetic   from overlaps with the second derivative of the ket (j(j−1), −2b(2j+1), 4b²)
//   dipole    ⟨a|x−O|b⟩ = (E^x_1 + X_PO E^x_0) E^y_0 E^z_0 (π/p)^{3/2}
//   nuclear   −Z (2π/p) Σ_tuv E^x_t E^y_u E^z_v R_tuv(p, P−C)
// Blocks are computed over cartesian components and transformed with `sphericalTransform`.
// All results are in the basis's AO order (spherical or cartesian, see Shell.swift).

/// Overlap matrix S_μν = ⟨μ|ν⟩.
public func overlapMatrix(_ basis: MolecularBasis) -> Matrix {
    OneElectronBuilder(basis: basis).build(components: 1) { ctx, out in ctx.overlap(into: out) }[0]
}

/// Kinetic-energy matrix T_μν = ⟨μ|−½∇²|ν⟩.
public func kineticMatrix(_ basis: MolecularBasis) -> Matrix {
    OneElectronBuilder(basis: basis).build(components: 1) { ctx, out in ctx.kinetic(into: out) }[0]
}

/// Electron–nuclear attraction V_μν = Σ_C ⟨μ| −Z_C / |r − R_C| |ν⟩ for point charges
/// `charges` at `positions` (bohr).
public func nuclearAttractionMatrix(_ basis: MolecularBasis, charges: [Double], positions: [SIMD3<Double>]) -> Matrix {
    precondition(charges.count == positions.count)
    var builder = OneElectronBuilder(basis: basis)
    builder.chargeScale = max(1, charges.reduce(0) { $0 + abs($1) })
    return builder.build(components: 1) { ctx, out in
        ctx.nuclear(charges: charges, positions: positions, into: out)
    }[0]
}

/// Overlap, kinetic-energy and electron–nuclear attraction matrices (point charges `charges` at
/// `positions`, bohr) in one pass over the primitive pairs: each pair's Hermite coefficients
/// serve all three, where three separate builds would make them three times.
public func oneElectronMatrices(_ basis: MolecularBasis, charges: [Double], positions: [SIMD3<Double>])
    -> (overlap: Matrix, kinetic: Matrix, nuclearAttraction: Matrix) {
    precondition(charges.count == positions.count)
    var builder = OneElectronBuilder(basis: basis)
    builder.chargeScale = max(1, charges.reduce(0) { $0 + abs($1) })
    let m = builder.build(components: 3) { ctx, out in
        let block = ctx.cartA.count * ctx.cartB.count
        ctx.overlap(into: out)
        ctx.kinetic(into: out + block)
        ctx.nuclear(charges: charges, positions: positions, into: out + 2 * block)
    }
    return (m[0], m[1], m[2])
}

/// Electron–nuclear attraction for the atoms the basis was built on (charge = atomic number).
public func nuclearAttractionMatrix(_ basis: MolecularBasis) -> Matrix {
    nuclearAttractionMatrix(basis, charges: basis.atomicNumbers.map(Double.init), positions: basis.positions)
}

/// Dipole matrices ⟨μ| r_c − origin_c |ν⟩ for c = x, y, z (PySCF `int1e_r` with
/// `mol.set_common_orig(origin)`). Note the sign: these are position, not charge, integrals.
public func dipoleMatrices(_ basis: MolecularBasis, origin: SIMD3<Double> = .zero) -> [Matrix] {
    OneElectronBuilder(basis: basis).build(components: 3) { ctx, out in ctx.dipole(origin: origin, into: out) }
}

/// Nuclear repulsion energy Σ_{A<B} Z_A Z_B / |R_A − R_B| (bohr, hartree).
public func nuclearRepulsionEnergy(charges: [Double], positions: [SIMD3<Double>]) -> Double {
    precondition(charges.count == positions.count)
    var e = 0.0
    for a in 0..<charges.count {
        for b in 0..<a {
            let d = positions[a] - positions[b]
            e += charges[a] * charges[b] / (d * d).sum().squareRoot()
        }
    }
    return e
}

// MARK: - Implementation

/// Hermite expansion coefficients E^{ij}_t in one dimension, i ≤ imax, j ≤ jmax, t ≤ i+j,
/// stored at `((i * (jmax+1) + j) * (imax+jmax+1)) + t`. The Gaussian-product exponential is
/// not included (E^{00}_0 = 1).
struct HermiteCoefficients1D {
    let imax: Int
    let jmax: Int
    var values: [Double]

    init(imax: Int, jmax: Int, pa: Double, pb: Double, oneOverTwoP: Double) {
        self.imax = imax
        self.jmax = jmax
        let tl = imax + jmax + 1
        var e = [Double](repeating: 0, count: (imax + 1) * (jmax + 1) * tl)
        func idx(_ i: Int, _ j: Int, _ t: Int) -> Int { (i * (jmax + 1) + j) * tl + t }
        e[idx(0, 0, 0)] = 1
        // Build along i with j = 0, then along j for each i.
        for i in 0..<imax {
            for t in 0...(i + 1) {
                var v = 0.0
                if t > 0 { v += oneOverTwoP * e[idx(i, 0, t - 1)] }
                if t <= i { v += pa * e[idx(i, 0, t)] }
                if t + 1 <= i { v += Double(t + 1) * e[idx(i, 0, t + 1)] }
                e[idx(i + 1, 0, t)] = v
            }
        }
        for i in 0...imax {
            for j in 0..<jmax {
                for t in 0...(i + j + 1) {
                    var v = 0.0
                    if t > 0 { v += oneOverTwoP * e[idx(i, j, t - 1)] }
                    if t <= i + j { v += pb * e[idx(i, j, t)] }
                    if t + 1 <= i + j { v += Double(t + 1) * e[idx(i, j, t + 1)] }
                    e[idx(i, j + 1, t)] = v
                }
            }
        }
        self.values = e
    }

    @inline(__always)
    func callAsFunction(_ i: Int, _ j: Int, _ t: Int) -> Double {
        if t > i + j || t < 0 || j < 0 { return 0 }
        return values[(i * (jmax + 1) + j) * (imax + jmax + 1) + t]
    }
}

/// Per-primitive-pair data handed to the operator kernels.
struct PrimitivePairContext {
    let la: Int, lb: Int
    let a: Double, b: Double, p: Double
    let center: SIMD3<Double>        // P
    let pa: SIMD3<Double>, pb: SIMD3<Double>
    let prefactor: Double            // c_a c_b exp(−μ |AB|²)
    let cartA: [(x: Int, y: Int, z: Int)]
    let cartB: [(x: Int, y: Int, z: Int)]
    /// E coefficients with the ket index up to lb + extraJ.
    let ex: HermiteCoefficients1D, ey: HermiteCoefficients1D, ez: HermiteCoefficients1D

    /// Adds prefactor-scaled overlap block out[ia + na*ib].
    func overlap(into out: UnsafeMutablePointer<Double>) {
        let s = prefactor * pow(Double.pi / p, 1.5)
        let na = cartA.count
        for (ib, cb) in cartB.enumerated() {
            for (ia, ca) in cartA.enumerated() {
                out[ia + na * ib] += s * ex(ca.x, cb.x, 0) * ey(ca.y, cb.y, 0) * ez(ca.z, cb.z, 0)
            }
        }
    }

    func kinetic(into out: UnsafeMutablePointer<Double>) {
        let s = prefactor * pow(Double.pi / p, 1.5)
        let na = cartA.count
        func t1(_ e: HermiteCoefficients1D, _ i: Int, _ j: Int) -> Double {
            var v = -2 * b * Double(2 * j + 1) * e(i, j, 0) + 4 * b * b * e(i, j + 2, 0)
            if j >= 2 { v += Double(j * (j - 1)) * e(i, j - 2, 0) }
            return -0.5 * v
        }
        for (ib, cb) in cartB.enumerated() {
            for (ia, ca) in cartA.enumerated() {
                let sx = ex(ca.x, cb.x, 0), sy = ey(ca.y, cb.y, 0), sz = ez(ca.z, cb.z, 0)
                let v = t1(ex, ca.x, cb.x) * sy * sz + sx * t1(ey, ca.y, cb.y) * sz + sx * sy * t1(ez, ca.z, cb.z)
                out[ia + na * ib] += s * v
            }
        }
    }

    func dipole(origin: SIMD3<Double>, into out: UnsafeMutablePointer<Double>) {
        let s = prefactor * pow(Double.pi / p, 1.5)
        let na = cartA.count, nb = cartB.count
        let po = center - origin
        for (ib, cb) in cartB.enumerated() {
            for (ia, ca) in cartA.enumerated() {
                let sx = ex(ca.x, cb.x, 0), sy = ey(ca.y, cb.y, 0), sz = ez(ca.z, cb.z, 0)
                let dx = ex(ca.x, cb.x, 1) + po.x * sx
                let dy = ey(ca.y, cb.y, 1) + po.y * sy
                let dz = ez(ca.z, cb.z, 1) + po.z * sz
                let k = ia + na * ib
                out[k] += s * dx * sy * sz
                out[k + na * nb] += s * sx * dy * sz
                out[k + 2 * na * nb] += s * sx * sy * dz
            }
        }
    }

    func nuclear(charges: [Double], positions: [SIMD3<Double>], into out: UnsafeMutablePointer<Double>) {
        let L = la + lb
        let n1 = L + 1
        let f = prefactor * 2 * Double.pi / p
        // Σ_C −Z_C R_tuv(p, P−C), four nuclei per call, then the E-coefficient contraction;
        // scratch on the stack (this runs once per primitive pair).
        let size = n1 * n1 * n1
        withUnsafeTemporaryAllocation(of: SIMD4<Double>.self, capacity: 4 * size + n1) { buffer in
            let r = buffer.baseAddress!, sum = r + size, scratch = sum + size
            r.initialize(repeating: .zero, count: size)
            sum.initialize(repeating: .zero, count: size)
            forEachNucleusQuartet(charges: charges, positions: positions, center: center) { _, _, pcx, pcy, pcz, z in
                hermiteCoulomb4(L: L, p: p, pcx: pcx, pcy: pcy, pcz: pcz, scale: -z, out: r, scratch: scratch)
                for k in 0..<size { sum[k] += r[k] }
            }
            withUnsafeTemporaryAllocation(of: Double.self, capacity: size) { rsum in
                for k in 0..<size { rsum[k] = sum[k].sum() }
                contractNuclear(rsum: rsum.baseAddress!, n1: n1, scale: f, into: out)
            }
        }
    }

    /// out[ia + na·ib] += scale Σ_tuv E^x_t E^y_u E^z_v R_tuv (the nuclear-attraction block from the
    /// summed Hermite Coulomb integrals `rsum`, indexed as in `hermiteCoulomb4`).
    private func contractNuclear(rsum: UnsafePointer<Double>, n1: Int, scale f: Double, into out: UnsafeMutablePointer<Double>) {
        let na = cartA.count
        for (ib, cb) in cartB.enumerated() {
            for (ia, ca) in cartA.enumerated() {
                var v = 0.0
                for t in 0...(ca.x + cb.x) {
                    let et = ex(ca.x, cb.x, t)
                    if et == 0 { continue }
                    for u in 0...(ca.y + cb.y) {
                        let eu = ey(ca.y, cb.y, u)
                        if eu == 0 { continue }
                        for w in 0...(ca.z + cb.z) {
                            v += et * eu * ez(ca.z, cb.z, w) * rsum[(t * n1 + u) * n1 + w]
                        }
                    }
                }
                out[ia + na * ib] += f * v
            }
        }
    }
}

/// Loops over shell pairs (a ≥ b), primitive pairs, accumulates cartesian blocks, transforms
/// them to spherical if needed and fills the symmetric matrices.
struct OneElectronBuilder {
    let basis: MolecularBasis

    /// Σ|Z| of the point charges (for primitive screening; 1 if none).
    var chargeScale = 1.0

    func build(components: Int, kernel: (PrimitivePairContext, UnsafeMutablePointer<Double>) -> Void) -> [Matrix] {
        let n = basis.aoCount
        var mats = [Matrix](repeating: Matrix(rows: n, columns: n), count: components)
        let shells = basis.shells
        let transforms = (0...max(basis.maxAngularMomentum, 0)).map { sphericalTransform(l: $0) }
        for ia in 0..<shells.count {
            let sa = shells[ia]
            for ib in 0...ia {
                let sb = shells[ib]
                let la = sa.angularMomentum, lb = sb.angularMomentum
                let cartA = cartesianExponents(l: la), cartB = cartesianExponents(l: lb)
                let na = cartA.count, nb = cartB.count
                var block = [Double](repeating: 0, count: na * nb * components)
                let ab = sa.center - sb.center
                let ab2 = (ab * ab).sum()
                block.withUnsafeMutableBufferPointer { buf in
                    for (pa, a) in sa.exponents.enumerated() {
                        for (pb, b) in sb.exponents.enumerated() {
                            let p = a + b
                            let pref = sa.coefficients[pa] * sb.coefficients[pb] * exp(-a * b / p * ab2)
                            let pc = (a * sa.center + b * sb.center) / p
                            let pA = pc - sa.center, pB = pc - sb.center
                            // Skip primitive pairs whose contribution to any of S, T, V, r is
                            // negligible: |pref| × max((π/p)^{3/2}, 2π ΣZ/p) × (1 + a + b + |P|)
                            // × angular-polynomial scale < 1e-17.
                            let w = (0.5 / p).squareRoot()
                            let estimate = abs(pref) * max(pow(Double.pi / p, 1.5), 2 * Double.pi * chargeScale / p)
                                * (1 + a + b + (pc * pc).sum().squareRoot())
                                * pow((pA * pA).sum().squareRoot() + w, Double(la))
                                * pow((pB * pB).sum().squareRoot() + w, Double(lb))
                            if estimate < 1e-17 { continue }
                            let o2p = 0.5 / p
                            let ctx = PrimitivePairContext(
                                la: la, lb: lb, a: a, b: b, p: p, center: pc, pa: pA, pb: pB, prefactor: pref,
                                cartA: cartA, cartB: cartB,
                                ex: HermiteCoefficients1D(imax: la, jmax: lb + 2, pa: pA.x, pb: pB.x, oneOverTwoP: o2p),
                                ey: HermiteCoefficients1D(imax: la, jmax: lb + 2, pa: pA.y, pb: pB.y, oneOverTwoP: o2p),
                                ez: HermiteCoefficients1D(imax: la, jmax: lb + 2, pa: pA.z, pb: pB.z, oneOverTwoP: o2p))
                            kernel(ctx, buf.baseAddress!)
                        }
                    }
                }
                let oa = basis.aoOffsets[ia], ob = basis.aoOffsets[ib]
                for c in 0..<components {
                    let cart = Array(block[(c * na * nb)..<((c + 1) * na * nb)])
                    let (vals, ma, mb) = basis.spherical
                        ? transformBlock(cart, na: na, nb: nb, ta: transforms[la], tb: transforms[lb])
                        : (cart, na, nb)
                    for j in 0..<mb {
                        for i in 0..<ma {
                            let v = vals[i + ma * j]
                            mats[c][oa + i, ob + j] = v
                            mats[c][ob + j, oa + i] = v
                        }
                    }
                }
            }
        }
        return mats
    }
}

/// Tᵃᵀ · block · Tᵇ for a column-major `na × nb` cartesian block.
func transformBlock(_ block: [Double], na: Int, nb: Int, ta: Matrix, tb: Matrix) -> ([Double], Int, Int) {
    let ma = ta.columns, mb = tb.columns
    // tmp (ma × nb) = Taᵀ block
    var tmp = [Double](repeating: 0, count: ma * nb)
    for j in 0..<nb {
        for m in 0..<ma {
            var s = 0.0
            for i in 0..<na { s += ta[i, m] * block[i + na * j] }
            tmp[m + ma * j] = s
        }
    }
    var out = [Double](repeating: 0, count: ma * mb)
    for n in 0..<mb {
        for m in 0..<ma {
            var s = 0.0
            for j in 0..<nb { s += tmp[m + ma * j] * tb[j, n] }
            out[m + ma * n] = s
        }
    }
    return (out, ma, mb)
}
