import ExchangeCorrelation
import Foundation
import LinearAlgebra

/// Numerical integration of the exchange-correlation energy and potential matrix on a
/// molecular grid.
///
/// E_xc = Σ_p w_p ε_xc(ρ_p, σ_p) ρ_p,
/// V^σ_μν = Σ_p w_p [ vρσ φ_μ φ_ν + (2 vσ_σσ ∇ρ_σ + vσ_αβ ∇ρ_σ') · ∇(φ_μ φ_ν) ]
/// (restricted: ρ = ρ_α + ρ_β, g = 2 vσ ∇ρ). Points are grouped into spatially compact blocks,
/// each block keeps only the shells that reach it, and AO values are cached between SCF
/// iterations while they fit in `cacheBudgetBytes`.
final class XCIntegrator: @unchecked Sendable {
    struct Block {
        let range: Range<Int>
        let shells: [Int]
        let aos: [Int]
        /// Cached values (n·m) followed, for GGA, by gradients (3·n·m).
        var cache: [Double]?
    }

    let evaluator: XCEvaluator
    let aoEvaluator: AtomicOrbitalEvaluator
    let points: [SIMD3<Double>]
    let weights: [Double]
    private(set) var blocks: [Block] = []
    let aoCount: Int

    static let blockSize = 128

    init(basis: MolecularBasis, grid: MolecularGrid, evaluator: XCEvaluator, cacheBudgetBytes: Int = 768 << 20) throws {
        self.evaluator = evaluator
        self.aoEvaluator = AtomicOrbitalEvaluator(basis: basis)
        self.aoCount = basis.aoCount
        // Sort points into cubic boxes so that each block is spatially compact.
        let box = 2.0
        func boxKey(_ p: SIMD3<Double>) -> Int64 {
            let q = p / box
            let x = Int64(q.x.rounded(.down)) + 4096
            let y = Int64(q.y.rounded(.down)) + 4096
            let z = Int64(q.z.rounded(.down)) + 4096
            return (x << 26) | (y << 13) | z
        }
        var keyed: [(Int64, Int)] = []
        keyed.reserveCapacity(grid.points.count)
        for i in grid.points.indices { keyed.append((boxKey(grid.points[i]), i)) }
        keyed.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        var pts: [SIMD3<Double>] = [], wts: [Double] = []
        pts.reserveCapacity(keyed.count); wts.reserveCapacity(keyed.count)
        var ranges: [Range<Int>] = []
        var start = 0
        for (k, item) in keyed.enumerated() {
            pts.append(grid.points[item.1]); wts.append(grid.weights[item.1])
            let endOfBox = k + 1 == keyed.count || keyed[k + 1].0 != item.0
            if endOfBox || k + 1 - start == Self.blockSize {
                ranges.append(start..<(k + 1)); start = k + 1
            }
        }
        points = pts
        weights = wts
        var budget = cacheBudgetBytes
        let perValue = evaluator.needsGradient ? 4 : 1
        for r in ranges {
            var center = SIMD3<Double>.zero
            for p in r { center += pts[p] }
            center /= Double(r.count)
            var radius = 0.0
            for p in r { let d = pts[p] - center; radius = max(radius, (d * d).sum().squareRoot()) }
            let shells = aoEvaluator.shellsNear(center: center, radius: radius)
            var aos: [Int] = []
            var cache: [Double]? = nil
            let m = shells.reduce(0) { $0 + aoEvaluator.shells[$1].functions }
            let bytes = r.count * m * perValue * 8
            if bytes <= budget && m > 0 {
                var buffer = [Double](repeating: 0, count: r.count * m * perValue)
                buffer.withUnsafeMutableBufferPointer { b in
                    pts.withUnsafeBufferPointer { pp in
                        aoEvaluator.evaluate(points: UnsafeBufferPointer(rebasing: pp[r]), shellIndices: shells,
                                             values: b.baseAddress!,
                                             gradients: evaluator.needsGradient ? b.baseAddress! + r.count * m : nil,
                                             aoIndex: &aos)
                    }
                }
                cache = buffer
                budget -= bytes
            } else {
                for s in shells { for f in 0..<aoEvaluator.shells[s].functions { aos.append(aoEvaluator.shells[s].aoOffset + f) } }
            }
            blocks.append(Block(range: r, shells: shells, aos: aos, cache: cache))
        }
    }

    /// E_xc and V_xc (one matrix per density) for densities [D] (restricted) or [D_α, D_β].
    func integrate(densities: [Matrix]) -> (energy: Double, potentials: [Matrix]) {
        let nspin = densities.count
        let polarized = evaluator.polarized
        precondition(polarized == (nspin == 2))
        let gga = evaluator.needsGradient
        var potentials = [Matrix](repeating: Matrix(rows: aoCount, columns: aoCount), count: nspin)
        var energy = 0.0
        let maxN = Self.blockSize
        let maxM = blocks.map(\.aos.count).max() ?? 0
        // Scratch buffers reused across blocks.
        var phiStore = [Double](repeating: 0, count: maxN * maxM * (gga ? 4 : 1))
        var dsub = [Double](repeating: 0, count: maxM * maxM)
        var x = [Double](repeating: 0, count: maxN * maxM)
        var y = [Double](repeating: 0, count: maxN * maxM)
        var vsub = [Double](repeating: 0, count: maxM * maxM)
        var rho = [Double](repeating: 0, count: maxN * 2)
        var grad = [Double](repeating: 0, count: maxN * 6) // per spin: 3 components × n
        var sigma = [Double](repeating: 0, count: maxN * 3)
        var exc = [Double](repeating: 0, count: maxN)
        var vrho = [Double](repeating: 0, count: maxN * 2)
        var vsigma = [Double](repeating: 0, count: maxN * 3)
        var scratch = [Double](repeating: 0, count: maxN * 6)
        var aoScratch: [Int] = []

        func process(_ block: Block, _ phiPtr: UnsafePointer<Double>) {
            let n = block.range.count, m = block.aos.count
                // Density and its gradient per spin.
                for s in 0..<nspin {
                    let d = densities[s]
                    for (b, nu) in block.aos.enumerated() { for (a, mu) in block.aos.enumerated() { dsub[a + b * m] = d[mu, nu] } }
                    dsub.withUnsafeBufferPointer { dp in x.withUnsafeMutableBufferPointer { xp in
                        gemm(m: n, n: m, k: m, a: phiPtr, lda: n, b: dp.baseAddress!, ldb: m, c: xp.baseAddress!, ldc: n)
                    } }
                    for p in 0..<n {
                        var r = 0.0
                        for mu in 0..<m { r += phiPtr[p + mu * n] * x[p + mu * n] }
                        rho[polarized ? 2 * p + s : p] = r
                    }
                    if gga {
                        for c in 0..<3 {
                            let g = phiPtr + (1 + c) * n * m
                            for p in 0..<n {
                                var v = 0.0
                                for mu in 0..<m { v += g[p + mu * n] * x[p + mu * n] }
                                grad[s * 3 * n + c * n + p] = 2 * v
                            }
                        }
                    }
                }
                if gga {
                    for p in 0..<n {
                        func dot(_ a: Int, _ b: Int) -> Double {
                            grad[a * 3 * n + p] * grad[b * 3 * n + p] + grad[a * 3 * n + n + p] * grad[b * 3 * n + n + p]
                                + grad[a * 3 * n + 2 * n + p] * grad[b * 3 * n + 2 * n + p]
                        }
                        if polarized {
                            sigma[3 * p] = dot(0, 0); sigma[3 * p + 1] = dot(0, 1); sigma[3 * p + 2] = dot(1, 1)
                        } else {
                            sigma[p] = dot(0, 0)
                        }
                    }
                }
                rho.withUnsafeBufferPointer { rp in sigma.withUnsafeBufferPointer { sp in
                    exc.withUnsafeMutableBufferPointer { ep in vrho.withUnsafeMutableBufferPointer { vp in
                        vsigma.withUnsafeMutableBufferPointer { vsp in scratch.withUnsafeMutableBufferPointer { scp in
                            evaluator.evaluate(count: n, rho: rp.baseAddress!, sigma: gga ? sp.baseAddress! : nil,
                                               exc: ep.baseAddress!, vrho: vp.baseAddress!,
                                               vsigma: gga ? vsp.baseAddress! : nil, scratch: scp.baseAddress!)
                        } }
                    } }
                } }
                for p in 0..<n {
                    let w = weights[block.range.lowerBound + p]
                    let total = polarized ? rho[2 * p] + rho[2 * p + 1] : rho[p]
                    energy += w * exc[p] * total
                }
                // Y_pμ = w_p (½ vρ φ_pμ + g_p · ∇φ_pμ);  V_sub = φᵀ Y + Yᵀ φ.
                for s in 0..<nspin {
                    for mu in 0..<m {
                        for p in 0..<n {
                            let w = weights[block.range.lowerBound + p]
                            let vr = polarized ? vrho[2 * p + s] : vrho[p]
                            var v = 0.5 * vr * phiPtr[p + mu * n]
                            if gga {
                                var g = SIMD3<Double>.zero
                                let gs = SIMD3(grad[s * 3 * n + p], grad[s * 3 * n + n + p], grad[s * 3 * n + 2 * n + p])
                                if polarized {
                                    let o = 1 - s
                                    let go = SIMD3(grad[o * 3 * n + p], grad[o * 3 * n + n + p], grad[o * 3 * n + 2 * n + p])
                                    g = 2 * vsigma[3 * p + 2 * s] * gs + vsigma[3 * p + 1] * go
                                } else {
                                    g = 2 * vsigma[p] * gs
                                }
                                v += g.x * phiPtr[n * m + p + mu * n] + g.y * phiPtr[2 * n * m + p + mu * n]
                                    + g.z * phiPtr[3 * n * m + p + mu * n]
                            }
                            y[p + mu * n] = w * v
                        }
                    }
                    y.withUnsafeBufferPointer { yp in vsub.withUnsafeMutableBufferPointer { vp in
                        gemm(m: m, n: m, k: n, a: phiPtr, lda: n, transposeA: true, b: yp.baseAddress!, ldb: n,
                             c: vp.baseAddress!, ldc: m)
                    } }
                    for (b, nu) in block.aos.enumerated() {
                        for (a, mu) in block.aos.enumerated() {
                            potentials[s][mu, nu] += vsub[a + b * m] + vsub[b + a * m]
                        }
                    }
                }
        }

        for block in blocks where !block.aos.isEmpty {
            if let cache = block.cache {
                cache.withUnsafeBufferPointer { process(block, $0.baseAddress!) }
            } else {
                let n = block.range.count, m = block.aos.count
                phiStore.withUnsafeMutableBufferPointer { phiBuf in
                    aoScratch.removeAll(keepingCapacity: true)
                    points.withUnsafeBufferPointer { pp in
                        aoEvaluator.evaluate(points: UnsafeBufferPointer(rebasing: pp[block.range]), shellIndices: block.shells,
                                             values: phiBuf.baseAddress!, gradients: gga ? phiBuf.baseAddress! + n * m : nil,
                                             aoIndex: &aoScratch)
                    }
                    process(block, UnsafePointer(phiBuf.baseAddress!))
                }
            }
        }
        return (energy, potentials)
    }
}
