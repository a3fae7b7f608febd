import Foundation

extension AtomicOrbitalEvaluator {
    /// Values, gradients and second derivatives of the selected shells at `points`, for analytic
    /// XC gradients of GGAs (∇∇φ enters through ∂∇ρ/∂R). Layout as `evaluate`: `out` holds ten
    /// consecutive n × m AO-major blocks: φ, ∂x, ∂y, ∂z, ∂xx, ∂xy, ∂xz, ∂yy, ∂yz, ∂zz.
    ///
    /// Per primitive c e^{−αr²} and dimension, with h(x) = xⁿ e^{−αx²}:
    ///   h'  = (n xⁿ⁻¹ − 2α xⁿ⁺¹) e^{−αx²},
    ///   h'' = (n(n−1) xⁿ⁻² − 2α(2n+1) xⁿ + 4α² xⁿ⁺²) e^{−αx²}.
    /// Returns the AO indices in column order.
    func evaluateWithHessian(points: UnsafeBufferPointer<SIMD3<Double>>, shellIndices: [Int],
                             out: UnsafeMutablePointer<Double>) -> [Int] {
        let n = points.count
        let m = shellIndices.reduce(0) { $0 + shells[$1].functions }
        let nm = n * m
        var aoIndex: [Int] = []
        var column = 0
        var cart = [Double](repeating: 0, count: 10 * 28)
        var pw = [[Double]](repeating: [Double](repeating: 0, count: 12), count: 3)
        for si in shellIndices {
            let s = shells[si]
            let l = s.l
            let ncart = (l + 1) * (l + 2) / 2
            for f in 0..<s.functions { aoIndex.append(s.aoOffset + f) }
            for p in 0..<n {
                let d = points[p] - s.center
                let r2 = (d * d).sum()
                for k in 0..<3 {
                    pw[k][0] = 1
                    for e in 1..<(l + 3) { pw[k][e] = pw[k][e - 1] * d[k] }
                }
                for c in 0..<(10 * ncart) { cart[c] = 0 }
                for (k, alpha) in s.exponents.enumerated() {
                    let ar2 = alpha * r2
                    if ar2 > 60 { continue }
                    let ce = s.coefficients[k] * exp(-ar2)
                    for (c, e) in s.exps.enumerated() {
                        let nn = SIMD3<Int>(e.x, e.y, e.z)
                        var f0 = SIMD3<Double>.zero, f1 = f0, f2 = f0
                        for k3 in 0..<3 {
                            let q = nn[k3]
                            let x0 = pw[k3][q], xp1 = pw[k3][q + 1], xp2 = pw[k3][q + 2]
                            f0[k3] = x0
                            f1[k3] = (q > 0 ? Double(q) * pw[k3][q - 1] : 0) - 2 * alpha * xp1
                            f2[k3] = (q > 1 ? Double(q * (q - 1)) * pw[k3][q - 2] : 0)
                                - 2 * alpha * Double(2 * q + 1) * x0 + 4 * alpha * alpha * xp2
                        }
                        cart[c] += ce * f0.x * f0.y * f0.z
                        cart[ncart + c] += ce * f1.x * f0.y * f0.z
                        cart[2 * ncart + c] += ce * f0.x * f1.y * f0.z
                        cart[3 * ncart + c] += ce * f0.x * f0.y * f1.z
                        // xx, xy, xz, yy, yz, zz
                        cart[4 * ncart + c] += ce * f2.x * f0.y * f0.z
                        cart[5 * ncart + c] += ce * f1.x * f1.y * f0.z
                        cart[6 * ncart + c] += ce * f1.x * f0.y * f1.z
                        cart[7 * ncart + c] += ce * f0.x * f2.y * f0.z
                        cart[8 * ncart + c] += ce * f0.x * f1.y * f1.z
                        cart[9 * ncart + c] += ce * f0.x * f0.y * f2.z
                    }
                }
                for comp in 0..<10 {
                    let base = comp * ncart
                    let o = out + comp * nm
                    if let t = s.transform {
                        for f in 0..<s.functions {
                            var v = 0.0
                            for c in 0..<ncart { v += t[c + f * ncart] * cart[base + c] }
                            o[p + (column + f) * n] = v
                        }
                    } else {
                        for f in 0..<s.functions { o[p + (column + f) * n] = cart[base + f] }
                    }
                }
            }
            column += s.functions
        }
        return aoIndex
    }
}
