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
        /// `aos` as runs of consecutive AO indices (a shell's functions are consecutive, and so
        /// are neighbouring shells'): the block's rows and columns of D and V are copied run by
        /// run, not element by element.
        let runs: [AORun]
        /// Where the cached values (n·m) followed, for GGA, by gradients (3·n·m) start in
        /// `arena`; nil when the block's AOs are evaluated on the fly.
        let cacheOffset: Int?

        /// Calls `body(ao, local)` for each of the block's AOs: its index in the basis and in the block.
        @inline(__always)
        func forEachAO(_ body: (_ ao: Int, _ local: Int) -> Void) {
            for run in runs { for k in 0..<run.count { body(run.ao + k, run.local + k) } }
        }
    }

    /// AOs `ao ..< ao + count` of the full basis are the block's `local ..< local + count`.
    struct AORun {
        let ao: Int, local: Int, count: Int

        static func runs(of aos: [Int]) -> [AORun] {
            var runs: [AORun] = []
            var start = 0
            for k in 1...aos.count where k == aos.count || aos[k] != aos[k - 1] + 1 {
                runs.append(AORun(ao: aos[start], local: start, count: k - start))
                start = k
            }
            return runs
        }
    }

    let evaluator: XCEvaluator
    let aoEvaluator: AtomicOrbitalEvaluator
    let points: [SIMD3<Double>]
    let weights: [Double]
    let blocks: [Block]
    /// AO values of the cached blocks (one allocation, huge pages where the kernel allows).
    private let arena: HugePageBuffer
    let aoCount: Int

    static let blockSize = 128

    /// Points whose |weight| is below this are left out. The Becke partition gives such weights
    /// to points of one atom's grid that lie deep inside another atom's cell; they cost as much
    /// as any other point while adding w·f ≈ 0: at level 3 they are 7 % of the points and of the
    /// XC work (caffeine, aspirin), and leaving them out moves PBE/6-31G* energies by 3e-10 Ha
    /// (1e-12 would move them by 9e-8 Ha: the integrand near a nucleus is large). The comparison
    /// is on |w| because the level-3 grids, PySCF's too, have negative weights (6,652 of
    /// aspirin's 219,576 points, down to −29) that the quadrature needs.
    static let weightCutoff = 1e-15

    /// The points with |w| ≥ `weightCutoff`, sorted into 2-bohr cubic boxes, and the blocks of at
    /// most `blockSize` consecutive points they are integrated in: spatially compact, so that few
    /// shells reach each. A block ends at a box boundary once it holds half a block, so sparse
    /// regions (far shells, coarse grids) do not make many tiny blocks whose D/V gathers dominate.
    static func spatialBlocks(points: [SIMD3<Double>], weights: [Double])
        -> (points: [SIMD3<Double>], weights: [Double], blocks: [Range<Int>]) {
        let box = 2.0
        func boxKey(_ p: SIMD3<Double>) -> Int64 {
            let q = p / box
            let x = Int64(q.x.rounded(.down)) + 4096
            let y = Int64(q.y.rounded(.down)) + 4096
            let z = Int64(q.z.rounded(.down)) + 4096
            return (x << 26) | (y << 13) | z
        }
        var keyed: [(Int64, Int)] = []
        keyed.reserveCapacity(points.count)
        for i in points.indices where abs(weights[i]) >= weightCutoff { keyed.append((boxKey(points[i]), i)) }
        keyed.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        var pts: [SIMD3<Double>] = [], wts: [Double] = []
        pts.reserveCapacity(keyed.count); wts.reserveCapacity(keyed.count)
        var ranges: [Range<Int>] = []
        var start = 0
        for (k, item) in keyed.enumerated() {
            pts.append(points[item.1]); wts.append(weights[item.1])
            let endOfBox = k + 1 == keyed.count || keyed[k + 1].0 != item.0
            if (endOfBox && k + 1 - start >= blockSize / 2) || k + 1 - start == blockSize || k + 1 == keyed.count {
                ranges.append(start..<(k + 1)); start = k + 1
            }
        }
        return (pts, wts, ranges)
    }

    init(basis: MolecularBasis, grid: MolecularGrid, evaluator: XCEvaluator, cacheBudgetBytes: Int,
         aoCutoff: Double = defaultAOCutoff) throws {
        self.evaluator = evaluator
        let aoEvaluator = AtomicOrbitalEvaluator(basis: basis, cutoff: aoCutoff)
        self.aoEvaluator = aoEvaluator
        self.aoCount = basis.aoCount
        let (pts, wts, ranges) = Self.spatialBlocks(points: grid.points, weights: grid.weights)
        points = pts
        weights = wts
        // Shells per block; blocks whose AO values fit the budget get a slice of one arena.
        var budget = cacheBudgetBytes
        let perValue = evaluator.needsGradient ? 4 : 1
        var arenaCount = 0
        // Untouched pages of the arena cost nothing, so it is sized for the budget (or the grid).
        let arena = HugePageBuffer(count: min(cacheBudgetBytes / 8, max(1, pts.count * basis.aoCount * perValue)))
        self.arena = arena
        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: Self.blockSize * max(1, basis.aoCount) * perValue)
        defer { scratch.deallocate() }
        var blocks: [Block] = []
        for r in ranges {
            let reach = Self.shellsReaching(aoEvaluator, points: pts, range: r,
                                            candidates: aoEvaluator.shellsNear(points: pts, range: r),
                                            gradients: evaluator.needsGradient, scratch: scratch)
            var aos: [Int] = []
            for s in reach.shells { for f in 0..<aoEvaluator.shells[s].functions { aos.append(aoEvaluator.shells[s].aoOffset + f) } }
            let n = r.count, m = aos.count, count = n * m * perValue
            var offset: Int? = nil
            if count * 8 <= budget && m > 0 {
                // The kept shells' columns of each component, from the evaluation just made.
                let cache = arena.pointer + arenaCount
                var column = 0
                for (shell, start) in zip(reach.shells, reach.columns) {
                    let width = aoEvaluator.shells[shell].functions
                    for component in 0..<perValue {
                        (cache + component * n * m + column * n)
                            .update(from: scratch + component * n * reach.candidateFunctions + start * n, count: width * n)
                    }
                    column += width
                }
                offset = arenaCount
                arenaCount += count
                budget -= count * 8
            }
            blocks.append(Block(range: r, shells: reach.shells, aos: aos,
                                runs: aos.isEmpty ? [] : AORun.runs(of: aos), cacheOffset: offset))
        }
        self.blocks = blocks
    }

    /// The `candidates` (shells whose bounding sphere reaches the block) of which some function, or
    /// for GGA some gradient component, reaches the evaluator's cutoff at one of the block's
    /// points. The bounding sphere is loose for blocks at the edge of a shell's reach: on caffeine
    /// PBE/6-31G* this test leaves 22 % fewer of the products' multiply-adds on level 3 and 42 %
    /// on level 1 (cutoff 1e-5). The dropped shells are below the cutoff at every point, which is
    /// what the sphere test promised for the ones it dropped, so the integrals do not change beyond
    /// what the cutoff allows. Evaluates the candidates into `scratch` (n · aoCount · (gradients ?
    /// 4 : 1)) and leaves them there: n × `candidateFunctions` per component, the kept shells'
    /// functions starting at `columns`.
    private static func shellsReaching(_ ao: AtomicOrbitalEvaluator, points: [SIMD3<Double>], range: Range<Int>,
                                       candidates: [Int], gradients: Bool, scratch: UnsafeMutablePointer<Double>)
        -> (shells: [Int], columns: [Int], candidateFunctions: Int) {
        let n = range.count, m = candidates.reduce(0) { $0 + ao.shells[$1].functions }
        guard m > 0 else { return ([], [], 0) }
        var aos: [Int] = []
        evaluateAOs(ao, points: points, range: range, shells: candidates, functions: m, gradients: gradients,
                    into: scratch, aoIndex: &aos)
        var kept: [Int] = [], columns: [Int] = [], column = 0
        for shell in candidates {
            let width = ao.shells[shell].functions
            let reaches = (0..<(gradients ? 4 : 1)).contains { component in
                anyReaches(scratch + component * n * m + column * n, count: width * n, cutoff: ao.cutoff)
            }
            if reaches { kept.append(shell); columns.append(column) }
            column += width
        }
        return (kept, columns, m)
    }

    /// Whether some |values[k]| ≥ `cutoff`, four at a time, stopping at the first (most candidate
    /// shells are kept, so the scan usually ends early; the running maximum it replaces was 3 % of
    /// a qm1b conformer).
    @inline(__always)
    private static func anyReaches(_ values: UnsafePointer<Double>, count: Int, cutoff: Double) -> Bool {
        let above = SIMD4<Double>(repeating: cutoff), below = -above
        var k = 0
        while k + 4 <= count {
            let v = UnsafeRawPointer(values + k).loadUnaligned(as: SIMD4<Double>.self)
            if any((v .>= above) .| (v .<= below)) { return true }
            k += 4
        }
        while k < count {
            if abs(values[k]) >= cutoff { return true }
            k += 1
        }
        return false
    }

    /// AO values of `shells` at `points[range]` into `phi` (n × m AO-major), followed for GGA by
    /// the ∂x, ∂y, ∂z blocks; the AO indices are appended to `aoIndex`.
    private static func evaluateAOs(_ ao: AtomicOrbitalEvaluator, points: [SIMD3<Double>], range: Range<Int>,
                                    shells: [Int], functions m: Int, gradients: Bool,
                                    into phi: UnsafeMutablePointer<Double>, aoIndex: inout [Int]) {
        points.withUnsafeBufferPointer { pp in
            ao.evaluate(points: UnsafeBufferPointer(rebasing: pp[range]), shellIndices: shells, values: phi,
                        gradients: gradients ? phi + range.count * m : nil, aoIndex: &aoIndex)
        }
    }

    /// E_xc and V_xc (one matrix per density) for densities [D] (restricted) or [D_α, D_β].
    func integrate(densities: [Matrix]) -> (energy: Double, potentials: [Matrix]) {
        precondition(evaluator.polarized == (densities.count == 2))
        var energy = 0.0
        let potentials = forEachBlock(matrices: densities) { block, phi, w, ws in
            energy += integrateBlock(block, phi: phi, weights: w, ws)
        }
        return (energy, potentials)
    }

    /// Runs `body` on every block with a workspace whose `density` slots hold `matrices` (nao × nao
    /// each), the block's AO values φ (from the cache, or evaluated into the workspace) and its
    /// weights; returns the workspace's `potential` slots, which `body` accumulates into.
    private func forEachBlock(matrices: [Matrix],
                              _ body: (Block, UnsafePointer<Double>, UnsafePointer<Double>, XCWorkspace) -> Void) -> [Matrix] {
        let nao = aoCount, gga = evaluator.needsGradient
        let maxM = max(1, blocks.map(\.aos.count).max() ?? 0)
        let workspace = XCWorkspace(maxPoints: Self.blockSize, maxFunctions: maxM, aoCount: nao, spins: matrices.count,
                                    gradient: gga)
        defer { workspace.deallocate() }
        for (s, matrix) in matrices.enumerated() {
            matrix.elements.withUnsafeBufferPointer { workspace.density[s].update(from: $0.baseAddress!, count: nao * nao) }
        }
        var aoScratch: [Int] = []
        weights.withUnsafeBufferPointer { w in
            for block in blocks where !block.aos.isEmpty {
                let phi: UnsafePointer<Double>
                if let offset = block.cacheOffset {
                    phi = UnsafePointer(arena.pointer + offset)
                } else {
                    aoScratch.removeAll(keepingCapacity: true)
                    Self.evaluateAOs(aoEvaluator, points: points, range: block.range, shells: block.shells, functions: block.aos.count,
                                     gradients: gga, into: workspace.phi, aoIndex: &aoScratch)
                    phi = UnsafePointer(workspace.phi)
                }
                body(block, phi, w.baseAddress! + block.range.lowerBound, workspace)
            }
        }
        // The blocks added W = Σ φᵀY; the potential is W + Wᵀ.
        return (0..<matrices.count).map { s in
            let w = workspace.potential[s]
            return Matrix(size: nao) { i, j in w[i * nao + j] + w[j * nao + i] }
        }
    }

    /// One block: ρ (and ∇ρ) from φ and D, libxc, then φᵀY added into V (see `addPotential`).
    /// φ is n × m AO-major, followed for GGA by ∂x, ∂y, ∂z blocks of the same shape.
    private func integrateBlock(_ block: Block, phi: UnsafePointer<Double>, weights w: UnsafePointer<Double>,
                                _ ws: XCWorkspace) -> Double {
        let n = block.range.count
        let nspin = ws.spins, polarized = nspin == 2, gga = evaluator.needsGradient
        for s in 0..<nspin {
            densityOnBlock(ws.density[s], block, phi: phi, ws, rho: ws.rhoSpin + s * n, gradient: gga ? ws.gradSpin + s * 3 * n : nil)
        }
        // libxc layout: interleaved spins.
        let gx = ws.gradSpin, ga = { (s: Int, c: Int) in gx + (s * 3 + c) * n }
        if polarized {
            for p in 0..<n { ws.rho[2 * p] = ws.rhoSpin[p]; ws.rho[2 * p + 1] = ws.rhoSpin[n + p] }
            if gga {
                for p in 0..<n {
                    var aa = 0.0, ab = 0.0, bb = 0.0
                    for c in 0..<3 {
                        let x = ga(0, c)[p], y = ga(1, c)[p]
                        aa += x * x; ab += x * y; bb += y * y
                    }
                    ws.sigma[3 * p] = aa; ws.sigma[3 * p + 1] = ab; ws.sigma[3 * p + 2] = bb
                }
            }
        } else {
            ws.rho.update(from: ws.rhoSpin, count: n)
            if gga {
                let gxx = ga(0, 0), gyy = ga(0, 1), gzz = ga(0, 2)
                for p in 0..<n { ws.sigma[p] = gxx[p] * gxx[p] + gyy[p] * gyy[p] + gzz[p] * gzz[p] }
            }
        }
        evaluator.evaluate(count: n, rho: ws.rho, sigma: gga ? ws.sigma : nil, exc: ws.exc, vrho: ws.vrho,
                           vsigma: gga ? ws.vsigma : nil, scratch: ws.scratch)
        var energy = 0.0
        for p in 0..<n {
            let total = polarized ? ws.rho[2 * p] + ws.rho[2 * p + 1] : ws.rho[p]
            energy += w[p] * ws.exc[p] * total
        }
        for s in 0..<nspin {
            // Per-point coefficients: a_p = ½ w vρ, g_p = w (2 vσ_ss ∇ρ_s + vσ_ab ∇ρ_s').
            let a = ws.coefficient, g = ws.coefficient + n
            for p in 0..<n { a[p] = 0.5 * w[p] * (polarized ? ws.vrho[2 * p + s] : ws.vrho[p]) }
            if gga {
                for c in 0..<3 {
                    let gc = g + c * n, own = ga(s, c)
                    if polarized {
                        let other = ga(1 - s, c)
                        for p in 0..<n { gc[p] = w[p] * (2 * ws.vsigma[3 * p + 2 * s] * own[p] + ws.vsigma[3 * p + 1] * other[p]) }
                    } else {
                        for p in 0..<n { gc[p] = w[p] * 2 * ws.vsigma[p] * own[p] }
                    }
                }
            }
            addPotential(block, phi: phi, a: a, g: gga ? g : nil, ws, into: ws.potential[s])
        }
        return energy
    }

    /// ρ_p = Σ_μν φ_μ(p) M_μν φ_ν(p) on a block for a symmetric nao × nao matrix M (a density or
    /// a density perturbation), and for GGA ∇ρ_p = 2 Σ_μν ∇φ_μ(p) M_μν φ_ν(p) as three n-vectors.
    /// Uses `ws.dsub` and `ws.x` as scratch.
    private func densityOnBlock(_ full: UnsafePointer<Double>, _ block: Block, phi: UnsafePointer<Double>, _ ws: XCWorkspace,
                                rho: UnsafeMutablePointer<Double>, gradient: UnsafeMutablePointer<Double>?) {
        let n = block.range.count, m = block.aos.count, nm = n * m, nao = aoCount
        // M_sub = M[aos, aos]; X = φ M_sub.
        block.forEachAO { ao, b in
            let col = full + ao * nao, sub = ws.dsub + b * m
            for run in block.runs { (sub + run.local).update(from: col + run.ao, count: run.count) }
        }
        gemm(m: n, n: m, k: m, a: phi, lda: n, b: ws.dsub, ldb: m, c: ws.x, ldc: n)
        for p in 0..<n { rho[p] = 0 }
        guard let gradient else {
            for mu in 0..<m {
                let f = phi + mu * n, xm = ws.x + mu * n
                for p in 0..<n { rho[p] += f[p] * xm[p] }
            }
            return
        }
        // One walk over the AOs for ρ and ∇ρ: X is read once, and the four n-vector sums stay in L1.
        let gx = gradient, gy = gradient + n, gz = gradient + 2 * n
        for p in 0..<n { gx[p] = 0; gy[p] = 0; gz[p] = 0 }
        for mu in 0..<m {
            let f = phi + mu * n, fx = f + nm, fy = f + 2 * nm, fz = f + 3 * nm, xm = ws.x + mu * n
            for p in 0..<n {
                let xp = xm[p]
                rho[p] = rho[p].addingProduct(f[p], xp)
                gx[p] = gx[p].addingProduct(fx[p], xp)
                gy[p] = gy[p].addingProduct(fy[p], xp)
                gz[p] = gz[p].addingProduct(fz[p], xp)
            }
        }
        for p in 0..<3 * n { gradient[p] *= 2 }
    }

    /// V[aos, aos] += φᵀY with Y_μ(p) = a_p φ_μ(p) + g_p · ∇φ_μ(p) (g: three n-vectors, nil for
    /// LDA); with the transpose that `forEachBlock` adds, Σ_p of a_p φ_μ φ_ν + g_p · ∇(φ_μ φ_ν)
    /// times two. Uses `ws.y` and `ws.vsub` as scratch.
    private func addPotential(_ block: Block, phi: UnsafePointer<Double>, a: UnsafePointer<Double>, g: UnsafePointer<Double>?,
                              _ ws: XCWorkspace, into v: UnsafeMutablePointer<Double>) {
        let n = block.range.count, m = block.aos.count, nm = n * m, nao = aoCount
        for mu in 0..<m {
            let y = ws.y + mu * n, f = phi + mu * n
            for p in 0..<n { y[p] = a[p] * f[p] }
            if let g {
                let fx = phi + nm + mu * n, fy = phi + 2 * nm + mu * n, fz = phi + 3 * nm + mu * n
                let gxp = g, gyp = g + n, gzp = g + 2 * n
                for p in 0..<n { y[p] = y[p].addingProduct(gxp[p], fx[p]).addingProduct(gyp[p], fy[p]).addingProduct(gzp[p], fz[p]) }
            }
        }
        gemm(m: m, n: m, k: n, a: phi, lda: n, transposeA: true, b: ws.y, ldb: n, c: ws.vsub, ldc: m)
        // V[aos, aos] += φᵀY here; forEachBlock adds the transpose once at the end.
        block.forEachAO { ao, b in
            let col = v + ao * nao, sub = ws.vsub + b * m
            for run in block.runs {
                let dst = col + run.ao, src = sub + run.local
                for k in 0..<run.count { dst[k] += src[k] }
            }
        }
    }

    /// The XC kernel applied to a density perturbation (restricted only): the directional
    /// derivative δV_xc = d/dε V_xc[D + εX] at ε = 0 for a symmetric X, with
    ///
    ///     δV_μν = Σ_p w_p [ δvρ φ_μ φ_ν + (2 δvσ ∇ρ + 2 vσ δ∇ρ) · ∇(φ_μ φ_ν) ],
    ///     δvρ = v2rho2 δρ + v2rhosigma δσ,   δvσ = v2rhosigma δρ + v2sigma2 δσ,   δσ = 2 ∇ρ · δ∇ρ,
    ///
    /// δρ, δ∇ρ being ρ and ∇ρ of X. This is the E_xc Hessian applied to X, so it is its own
    /// adjoint: tr(Y δV_xc[X]) = tr(X δV_xc[Y]). libxc supplies the second derivatives (fxc).
    func kernelResponse(density d: Matrix, perturbation x: Matrix) -> Matrix {
        precondition(!evaluator.polarized, "the XC kernel is implemented for restricted densities only")
        let gga = evaluator.needsGradient
        // Slot 0 holds D, slot 1 X; the response accumulates in potential slot 0.
        let potentials = forEachBlock(matrices: [d, x]) { block, phi, w, ws in
            let n = block.range.count
            // ρ, ∇ρ of D in rhoSpin[0..<n], gradSpin[0..<3n]; δρ, δ∇ρ of X in rhoSpin[n...], gradSpin[3n...].
            let rho = ws.rhoSpin, grad = ws.gradSpin, drho = ws.rhoSpin + n, dgrad = ws.gradSpin + 3 * n
            densityOnBlock(ws.density[0], block, phi: phi, ws, rho: rho, gradient: gga ? grad : nil)
            densityOnBlock(ws.density[1], block, phi: phi, ws, rho: drho, gradient: gga ? dgrad : nil)
            // v2rho2, v2rhosigma in vrho[0..<n], vrho[n..<2n]; σ, v2sigma2, δσ in sigma's three n-blocks;
            // vρ (not needed) in exc.
            let v2rr = ws.vrho, v2rs = ws.vrho + n, v2ss = ws.sigma + n, dsigma = ws.sigma + 2 * n
            if gga {
                for p in 0..<n {
                    ws.sigma[p] = grad[p] * grad[p] + grad[n + p] * grad[n + p] + grad[2 * n + p] * grad[2 * n + p]
                    dsigma[p] = 2 * (grad[p] * dgrad[p] + grad[n + p] * dgrad[n + p] + grad[2 * n + p] * dgrad[2 * n + p])
                }
            }
            // vσ (for the 2 vσ δ∇ρ term) and the second derivatives in one libxc call per component.
            evaluator.evaluateKernel(count: n, rho: rho, sigma: gga ? ws.sigma : nil, vrho: ws.exc,
                                     vsigma: gga ? ws.vsigma : nil, v2rho2: v2rr, v2rhosigma: gga ? v2rs : nil,
                                     v2sigma2: gga ? v2ss : nil, scratch: ws.scratch)
            let a = ws.coefficient, g = ws.coefficient + n
            for p in 0..<n { a[p] = 0.5 * w[p] * (v2rr[p] * drho[p] + (gga ? v2rs[p] * dsigma[p] : 0)) }
            if gga {
                for c in 0..<3 {
                    let gc = g + c * n, r = grad + c * n, dr = dgrad + c * n
                    for p in 0..<n {
                        let dvs = v2rs[p] * drho[p] + v2ss[p] * dsigma[p]
                        gc[p] = w[p] * (2 * dvs * r[p] + 2 * ws.vsigma[p] * dr[p])
                    }
                }
            }
            addPotential(block, phi: phi, a: a, g: gga ? g : nil, ws, into: ws.potential[0])
        }
        return potentials[0].symmetrized
    }
}

/// Scratch memory for `XCIntegrator.integrate`, allocated once per call.
final class XCWorkspace {
    let spins: Int
    let phi, dsub, x, y, vsub, rhoSpin, gradSpin, rho, sigma, exc, vrho, vsigma, scratch, coefficient: UnsafeMutablePointer<Double>
    let density: [UnsafeMutablePointer<Double>]
    let potential: [UnsafeMutablePointer<Double>]
    private var all: [UnsafeMutablePointer<Double>] = []

    init(maxPoints n: Int, maxFunctions m: Int, aoCount nao: Int, spins: Int, gradient: Bool) {
        self.spins = spins
        func buffer(_ count: Int) -> UnsafeMutablePointer<Double> {
            let p = UnsafeMutablePointer<Double>.allocate(capacity: max(1, count))
            p.initialize(repeating: 0, count: max(1, count))
            return p
        }
        phi = buffer(n * m * (gradient ? 4 : 1)); dsub = buffer(m * m); x = buffer(n * m); y = buffer(n * m)
        vsub = buffer(m * m); rhoSpin = buffer(2 * n); gradSpin = buffer(6 * n); rho = buffer(2 * n)
        sigma = buffer(3 * n); exc = buffer(n); vrho = buffer(2 * n); vsigma = buffer(3 * n)
        scratch = buffer(6 * n); coefficient = buffer(4 * n)
        density = (0..<spins).map { _ in buffer(nao * nao) }
        potential = (0..<spins).map { _ in buffer(nao * nao) }
        all = [phi, dsub, x, y, vsub, rhoSpin, gradSpin, rho, sigma, exc, vrho, vsigma, scratch, coefficient] + density + potential
    }

    func deallocate() { for p in all { p.deallocate() } }
}
