import ExchangeCorrelation
import Foundation
import LinearAlgebra

// Exchange-correlation part of the analytic gradient without grid-weight response (PySCF
// grad/rks.py and grad/uks.py with grids.response = False; Johnson, Gill & Pople,
// J. Chem. Phys. 98, 5612 (1993)). Only the basis functions move with the atoms:
//   ∂ρ_s/∂A_x   = −2 Σ_{μ∈A} Σ_ν D^s_μν ∂_xφ_μ φ_ν,
//   ∂∇ρ_s/∂A_x  = −2 Σ_{μ∈A} Σ_ν D^s_μν (∇∂_xφ_μ φ_ν + ∂_xφ_μ ∇φ_ν),
// so with a_p = w_p vρ_s and g_p = w_p (2 vσ_ss ∇ρ_s + vσ_ss' ∇ρ_s') (restricted: ρ total,
// g = 2 w vσ ∇ρ):
//   ∂E_xc/∂A_x = −2 Σ_s Σ_{μ∈A} Σ_p [∂_xφ_μ (a X_μ + g·∇X_μ) + Σ_j ∂_x∂_jφ_μ g_j X_μ],
// X_μ = Σ_ν D^s_μν φ_ν, ∇X_μ = Σ_ν D^s_μν ∇φ_ν. Units: hartree/bohr.

/// Per-atom XC gradient (Ha/bohr) for cartesian-basis densities ([D] restricted, [D_α, D_β]
/// unrestricted) on the grid `points`/`weights` (bohr, the SCF's grid).
func exchangeCorrelationGradient(basis: MolecularBasis, densities: [Matrix], points: [SIMD3<Double>],
                                 weights: [Double], evaluator: XCEvaluator) -> [SIMD3<Double>] {
    precondition(!basis.spherical)
    let nspin = densities.count
    precondition(evaluator.polarized == (nspin == 2))
    let gga = evaluator.needsGradient
    let ao = AtomicOrbitalEvaluator(basis: basis)
    var grad = [SIMD3<Double>](repeating: .zero, count: basis.positions.count)
    // The SCF's spatially compact blocks (and its weight cut): far fewer shells per block than
    // runs of the grid's own order, which sweep a whole radial shell.
    let (points, weights, blocks) = XCIntegrator.spatialBlocks(points: points, weights: weights)
    var buffer: [Double] = []
    for range in blocks {
        let n = range.count
        let shells = ao.shellsNear(points: points, range: range)
        let m = shells.reduce(0) { $0 + ao.shells[$1].functions }
        if m == 0 { continue }
        let nm = n * m
        if buffer.count < 10 * nm { buffer = [Double](repeating: 0, count: 10 * nm) }
        let aos: [Int] = buffer.withUnsafeMutableBufferPointer { b in
            points.withUnsafeBufferPointer { pp in
                ao.evaluateWithHessian(points: UnsafeBufferPointer(rebasing: pp[range]), shellIndices: shells, out: b.baseAddress!)
            }
        }
        let w = Array(weights[range])
        // X^s = φ D^s_sub and, for GGA, ∇X^s (n × m each).
        var xs: [[Double]] = [], gxs: [[[Double]]] = []
        var rho = [[Double]](repeating: [Double](repeating: 0, count: n), count: nspin)
        var gradRho = [[[Double]]](repeating: [[Double]](repeating: [Double](repeating: 0, count: n), count: 3), count: nspin)
        buffer.withUnsafeBufferPointer { phiBuf in
            let phi = phiBuf.baseAddress!
            for s in 0..<nspin {
                var dsub = [Double](repeating: 0, count: m * m)
                for b in 0..<m { for a in 0..<m { dsub[a + b * m] = densities[s][aos[a], aos[b]] } }
                var x = [Double](repeating: 0, count: nm)
                gemm(m: n, n: m, k: m, a: phi, lda: n, b: dsub, ldb: m, c: &x, ldc: n)
                for mu in 0..<m { for p in 0..<n { rho[s][p] += phi[p + mu * n] * x[p + mu * n] } }
                var gx: [[Double]] = []
                if gga {
                    for c in 0..<3 {
                        var y = [Double](repeating: 0, count: nm)
                        gemm(m: n, n: m, k: m, a: phi + (1 + c) * nm, lda: n, b: dsub, ldb: m, c: &y, ldc: n)
                        for mu in 0..<m { for p in 0..<n { gradRho[s][c][p] += 2 * phi[(1 + c) * nm + p + mu * n] * x[p + mu * n] } }
                        gx.append(y)
                    }
                }
                xs.append(x); gxs.append(gx)
            }
        }
        // libxc input (interleaved spins).
        var rhoIn = [Double](repeating: 0, count: nspin * n)
        var sigma = [Double](repeating: 0, count: (nspin == 2 ? 3 : 1) * n)
        for p in 0..<n {
            for s in 0..<nspin { rhoIn[nspin * p + s] = rho[s][p] }
            if gga {
                func dot(_ s1: Int, _ s2: Int) -> Double { (0..<3).reduce(0) { $0 + gradRho[s1][$1][p] * gradRho[s2][$1][p] } }
                if nspin == 2 { sigma[3 * p] = dot(0, 0); sigma[3 * p + 1] = dot(0, 1); sigma[3 * p + 2] = dot(1, 1) } else { sigma[p] = dot(0, 0) }
            }
        }
        let (_, vrho, vsigma) = evaluator.evaluate(rho: rhoIn, sigma: gga ? sigma : nil)
        buffer.withUnsafeBufferPointer { phiBuf in
            let phi = phiBuf.baseAddress!
            for s in 0..<nspin {
                var a = [Double](repeating: 0, count: n)
                var g = [[Double]](repeating: [Double](repeating: 0, count: n), count: 3)
                for p in 0..<n {
                    a[p] = w[p] * vrho[nspin * p + s]
                    if gga {
                        for c in 0..<3 {
                            if nspin == 2 {
                                g[c][p] = w[p] * (2 * vsigma[3 * p + 2 * s] * gradRho[s][c][p] + vsigma[3 * p + 1] * gradRho[1 - s][c][p])
                            } else {
                                g[c][p] = w[p] * 2 * vsigma[p] * gradRho[0][c][p]
                            }
                        }
                    }
                }
                let x = xs[s]
                // Hessian block index for (i, j): xx, xy, xz, yy, yz, zz.
                let hIndex = [[0, 1, 2], [1, 3, 4], [2, 4, 5]]
                for mu in 0..<m {
                    var v = SIMD3<Double>.zero
                    for dir in 0..<3 {
                        let dphi = phi + (1 + dir) * nm + mu * n
                        var acc = 0.0
                        for p in 0..<n {
                            var t = a[p] * x[p + mu * n]
                            if gga {
                                t += g[0][p] * gxs[s][0][p + mu * n] + g[1][p] * gxs[s][1][p + mu * n] + g[2][p] * gxs[s][2][p + mu * n]
                            }
                            acc += dphi[p] * t
                        }
                        if gga {
                            for j in 0..<3 {
                                let h = phi + (4 + hIndex[dir][j]) * nm + mu * n
                                for p in 0..<n { acc += h[p] * g[j][p] * x[p + mu * n] }
                            }
                        }
                        v[dir] = acc
                    }
                    grad[basis.aoAtom[aos[mu]]] -= 2 * v
                }
            }
        }
    }
    return grad
}
