import Foundation
import LinearAlgebra

/// Values (and gradients) of the atomic orbitals at grid points, with distance screening.
///
/// Layout: for a block of `n` points and the `m` AOs of the selected shells, values are stored
/// AO-major, `values[p + μ n]` (an n × m column-major matrix), so that ρ and V_xc are BLAS
/// products. Gradients use three more such matrices (∂x, ∂y, ∂z).
struct AtomicOrbitalEvaluator: Sendable {
    struct ShellData: Sendable {
        let l: Int
        let center: SIMD3<Double>
        let exponents: [Double]
        let coefficients: [Double]
        let aoOffset: Int
        let functions: Int
        /// Distance (bohr) beyond which every function of the shell is below `cutoff`.
        let extent: Double
        /// Cartesian → output transform, ncart × functions, column-major (nil = identity).
        let transform: [Double]?
        let exps: [(x: Int, y: Int, z: Int)]
    }

    let shells: [ShellData]
    let aoCount: Int
    /// |φ| below which an AO is treated as zero (PySCF screens similarly through `non0tab`).
    static let cutoff = 1e-14

    init(basis: MolecularBasis) {
        aoCount = basis.aoCount
        shells = basis.shells.enumerated().map { index, s in
            let l = s.angularMomentum
            let tr: [Double]?
            if basis.spherical && l >= 2 { tr = sphericalTransform(l: l).elements } else { tr = nil }
            return ShellData(l: l, center: s.center, exponents: s.exponents, coefficients: s.coefficients,
                             aoOffset: basis.aoOffsets[index], functions: basis.functionCount(ofShell: index),
                             extent: Self.extent(l: l, exponents: s.exponents, coefficients: s.coefficients),
                             transform: tr, exps: cartesianExponents(l: l))
        }
    }

    /// Radius where max_p |c_p| r^l e^{−α_p r²} (times the largest angular factor ≤ 1) drops below `cutoff`.
    static func extent(l: Int, exponents: [Double], coefficients: [Double]) -> Double {
        var rmax = 0.0
        for (a, c) in zip(exponents, coefficients) {
            let logc = log(max(abs(c), 1e-300)) - log(cutoff)
            if logc <= 0 { continue }
            var r = (logc / a).squareRoot()
            for _ in 0..<8 where l > 0 { r = ((logc + Double(l) * log(max(r, 1))) / a).squareRoot() }
            rmax = max(rmax, r)
        }
        return rmax
    }

    /// Shells whose extent reaches a sphere (centre, radius).
    func shellsNear(center: SIMD3<Double>, radius: Double) -> [Int] {
        shells.indices.filter {
            let d = shells[$0].center - center
            return (d * d).sum().squareRoot() - radius < shells[$0].extent
        }
    }

    /// Evaluates the selected shells at `points`. Returns the number of AOs written; the AO
    /// indices are appended to `aoIndex`. `values` must hold n·m, and `gradients` (if not nil)
    /// 3·n·m, laid out as three consecutive n × m blocks.
    func evaluate(points: UnsafeBufferPointer<SIMD3<Double>>, shellIndices: [Int],
                  values: UnsafeMutablePointer<Double>, gradients: UnsafeMutablePointer<Double>?,
                  aoIndex: inout [Int]) {
        let n = points.count
        let m = shellIndices.reduce(0) { $0 + shells[$1].functions }
        var column = 0
        var cart = [Double](repeating: 0, count: 4 * 28) // up to l = 6
        var px = [Double](repeating: 1, count: 10), py = px, pz = px
        for si in shellIndices {
            let s = shells[si]
            let l = s.l
            let ncart = (l + 1) * (l + 2) / 2
            for f in 0..<s.functions { aoIndex.append(s.aoOffset + f) }
            let thresholdExponent = 60.0 // e^{-60} ≈ 1e-26: primitive negligible
            for p in 0..<n {
                let d = points[p] - s.center
                let r2 = (d * d).sum()
                var radial = 0.0, dradial = 0.0
                for k in 0..<s.exponents.count {
                    let ar2 = s.exponents[k] * r2
                    if ar2 > thresholdExponent { continue }
                    let e = s.coefficients[k] * exp(-ar2)
                    radial += e
                    dradial -= 2 * s.exponents[k] * e
                }
                if radial == 0 && dradial == 0 {
                    for f in 0..<s.functions {
                        values[p + (column + f) * n] = 0
                        if let g = gradients { for c in 0..<3 { g[c * n * m + p + (column + f) * n] = 0 } }
                    }
                    continue
                }
                // Powers x^0..x^{l+1}.
                px[0] = 1; py[0] = 1; pz[0] = 1
                if l + 1 >= 1 { for k in 1...(l + 1) { px[k] = px[k - 1] * d.x; py[k] = py[k - 1] * d.y; pz[k] = pz[k - 1] * d.z } }
                for (c, e) in s.exps.enumerated() {
                    let xyz = px[e.x] * py[e.y] * pz[e.z]
                    cart[c] = xyz * radial
                    if gradients != nil {
                        // ∂x [x^i y^j z^k R] = y^j z^k (i x^{i−1} R + x^{i+1} R')  with R' = Σ −2α c e^{−αr²}
                        let yz = py[e.y] * pz[e.z], xz = px[e.x] * pz[e.z], xy = px[e.x] * py[e.y]
                        cart[ncart + c] = yz * ((e.x > 0 ? Double(e.x) * px[e.x - 1] * radial : 0) + px[e.x + 1] * dradial)
                        cart[2 * ncart + c] = xz * ((e.y > 0 ? Double(e.y) * py[e.y - 1] * radial : 0) + py[e.y + 1] * dradial)
                        cart[3 * ncart + c] = xy * ((e.z > 0 ? Double(e.z) * pz[e.z - 1] * radial : 0) + pz[e.z + 1] * dradial)
                    }
                }
                let components = gradients == nil ? 1 : 4
                for comp in 0..<components {
                    let base = comp * ncart
                    let out: UnsafeMutablePointer<Double> = comp == 0 ? values : gradients! + (comp - 1) * n * m
                    if let t = s.transform {
                        for f in 0..<s.functions {
                            var v = 0.0
                            for c in 0..<ncart { v += t[c + f * ncart] * cart[base + c] }
                            out[p + (column + f) * n] = v
                        }
                    } else {
                        for f in 0..<s.functions { out[p + (column + f) * n] = cart[base + f] }
                    }
                }
            }
            column += s.functions
        }
    }
}
