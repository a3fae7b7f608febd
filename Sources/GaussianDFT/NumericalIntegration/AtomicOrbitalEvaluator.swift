import Foundation
import LinearAlgebra

/// Default |φ| below which an AO is treated as zero in a grid block (PySCF screens similarly
/// through `non0tab`, at 1e-15). Such a function adds below |φ| · Σ_ν |D_μν φ_ν| to ρ at the
/// points it is dropped from, all of them in the molecule's outer tail: on caffeine PBE/6-31G*
/// (level 3) 1e-10 moves the energy by under 1e-10 Ha, 1e-7 by 1.2e-9 Ha, while the XC passes
/// get about 10 % cheaper than at 1e-14 (fewer functions per block, so smaller products).
public let defaultAOCutoff = 1e-10

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
    /// |φ| below which an AO is dropped from a block (`defaultAOCutoff` unless the caller needs
    /// less accuracy, as the start grids and the qm1b preset do).
    let cutoff: Double
    /// A primitive below this everywhere in a block is skipped (two orders below `cutoff`).
    let logPrimitiveCutoff: Double

    init(basis: MolecularBasis, cutoff: Double = defaultAOCutoff) {
        self.cutoff = cutoff
        logPrimitiveCutoff = log(cutoff) - log(100)
        aoCount = basis.aoCount
        shells = basis.shells.enumerated().map { index, s in
            let l = s.angularMomentum
            let tr: [Double]?
            if basis.spherical && l >= 2 { tr = sphericalTransform(l: l).elements } else { tr = nil }
            return ShellData(l: l, center: s.center, exponents: s.exponents, coefficients: s.coefficients,
                             aoOffset: basis.aoOffsets[index], functions: basis.functionCount(ofShell: index),
                             extent: Self.extent(l: l, exponents: s.exponents, coefficients: s.coefficients, cutoff: cutoff),
                             transform: tr, exps: cartesianExponents(l: l))
        }
    }

    /// Radius where max_p |c_p| r^l e^{−α_p r²} (times the largest angular factor ≤ 1) drops below `cutoff`.
    static func extent(l: Int, exponents: [Double], coefficients: [Double], cutoff: Double) -> Double {
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

    /// Shells whose extent reaches the bounding sphere of `points[range]` (centred on their mean).
    func shellsNear(points: [SIMD3<Double>], range: Range<Int>) -> [Int] {
        var center = SIMD3<Double>.zero
        for p in range { center += points[p] }
        center /= Double(range.count)
        var radius = 0.0
        for p in range { let d = points[p] - center; radius = max(radius, (d * d).sum().squareRoot()) }
        return shells.indices.filter {
            let d = shells[$0].center - center
            return (d * d).sum().squareRoot() - radius < shells[$0].extent
        }
    }

    /// Evaluates the selected shells at `points`. Returns the number of AOs written; the AO
    /// indices are appended to `aoIndex`. `values` must hold n·m, and `gradients` (if not nil)
    /// 3·n·m, laid out as three consecutive n × m blocks.
    ///
    /// Structure-of-arrays over the points so that every inner loop vectorises: per atom the
    /// offsets d = r − A and r²; per distinct exponent of that atom one vector exponential (Pople
    /// sp shells share theirs); per shell the radial part R = Σ c e^{−αr²} and R' = Σ −2αc e^{−αr²};
    /// then per cartesian component x^i y^j z^k R with ∂x = y^j z^k (i x^{i−1} R + x^{i+1} R'),
    /// followed by the cartesian → spherical transform.
    func evaluate(points: UnsafeBufferPointer<SIMD3<Double>>, shellIndices: [Int],
                  values: UnsafeMutablePointer<Double>, gradients: UnsafeMutablePointer<Double>?,
                  aoIndex: inout [Int]) {
        let n = points.count
        guard n > 0 else { return }
        let m = shellIndices.reduce(0) { $0 + shells[$1].functions }
        let maxL = shellIndices.map { shells[$0].l }.max() ?? 0
        let maxCart = (maxL + 1) * (maxL + 2) / 2
        let components = gradients == nil ? 1 : 4
        // Scratch: d (3n), r² (n), powers (3 · (maxL+2) · n), R and R' (2n), exponent argument (n),
        // exponentials (n per distinct exponent of the current atom), cartesian values (4 · ncart · n).
        let powerCount = maxL + 2
        // Exponentials: at most the primitives of one centre's selected shells at a time.
        var maxPrimitivesPerCenter = 0, running = 0
        var previousCenter: SIMD3<Double>? = nil
        for si in shellIndices {
            if shells[si].center != previousCenter { running = 0; previousCenter = shells[si].center }
            running += shells[si].exponents.count
            maxPrimitivesPerCenter = Swift.max(maxPrimitivesPerCenter, running)
        }
        let fixed = 3 * n + n + 3 * powerCount * n + 2 * n + n + components * maxCart * n
        // Every region is written before it is read, so the scratch is left uninitialised.
        let base = UnsafeMutablePointer<Double>.allocate(capacity: fixed + maxPrimitivesPerCenter * n)
        defer { base.deallocate() }
        let expCache = base + fixed
        var expAlphas: [Double] = []
        expAlphas.reserveCapacity(maxPrimitivesPerCenter)
        do {
            let dx = base, dy = base + n, dz = base + 2 * n, r2 = base + 3 * n
            let pow = base + 4 * n                                   // pow[(axis · powerCount + e) · n + p]
            let radial = pow + 3 * powerCount * n, dradial = radial + n, argument = dradial + n
            let cart = argument + n                                  // cart[(comp · ncart + c) · n + p]
            var lastCenter: SIMD3<Double>? = nil
            var r2min = 0.0, logRmax = 0.0
            var column = 0
            for si in shellIndices {
                let s = shells[si]
                let l = s.l
                let ncart = (l + 1) * (l + 2) / 2
                for f in 0..<s.functions { aoIndex.append(s.aoOffset + f) }
                if lastCenter != s.center {
                    lastCenter = s.center
                    for p in 0..<n {
                        let d = points[p] - s.center
                        dx[p] = d.x; dy[p] = d.y; dz[p] = d.z
                        r2[p] = d.x * d.x + d.y * d.y + d.z * d.z
                    }
                    var lo = Double.infinity, hi = 0.0
                    for p in 0..<n { lo = Swift.min(lo, r2[p]); hi = Swift.max(hi, r2[p]) }
                    r2min = lo; logRmax = 0.5 * log(Swift.max(hi, 1))
                    for axis in 0..<3 {
                        let src = axis == 0 ? dx : (axis == 1 ? dy : dz)
                        let p0 = pow + axis * powerCount * n
                        for p in 0..<n { p0[p] = 1 }
                        for e in 1..<powerCount {
                            let pe = p0 + e * n, prev = p0 + (e - 1) * n
                            for p in 0..<n { pe[p] = prev[p] * src[p] }
                        }
                    }
                    expAlphas.removeAll(keepingCapacity: true)
                }
                // Radial part and its derivative factor.
                for p in 0..<n { radial[p] = 0; dradial[p] = 0 }
                for (k, alpha) in s.exponents.enumerated() {
                    // A primitive whose value and derivative factor stay below e^`logPrimitiveCutoff`
                    // at every point of the block (|c|(1 + 2α) e^{−α r²} r^{l+1} ≤ that at the
                    // nearest point with the farthest point's r^{l+1}) contributes nothing: tight
                    // core primitives of distant atoms cost no exponential.
                    let logBound = log(abs(s.coefficients[k]) * (1 + 2 * alpha)) - alpha * r2min + Double(l + 1) * logRmax
                    if logBound < logPrimitiveCutoff { continue }
                    var slot = expAlphas.firstIndex(of: alpha)
                    if slot == nil {
                        slot = expAlphas.count
                        expAlphas.append(alpha)
                        for p in 0..<n { argument[p] = -alpha * r2[p] }
                        exponentialOfNonPositive(argument, expCache + slot! * n, count: n)
                    }
                    let c = s.coefficients[k], dc = -2 * alpha * c
                    let ex = expCache + slot! * n
                    for p in 0..<n { radial[p] = radial[p].addingProduct(c, ex[p]) }
                    if gradients != nil { for p in 0..<n { dradial[p] = dradial[p].addingProduct(dc, ex[p]) } }
                }
                // Cartesian components (value, then ∂x, ∂y, ∂z): straight into the output when
                // the shell's functions are its cartesian components, else into `cart` for the
                // spherical transform below.
                let direct = s.transform == nil
                for (c, e) in s.exps.enumerated() {
                    let px = pow + e.x * n, py = pow + (powerCount + e.y) * n, pz = pow + (2 * powerCount + e.z) * n
                    let value = direct ? values + (column + c) * n : cart + c * n
                    for p in 0..<n { value[p] = px[p] * py[p] * pz[p] * radial[p] }
                    guard let gradients else { continue }
                    let gx = direct ? gradients + (column + c) * n : cart + (ncart + c) * n
                    let gy = direct ? gradients + n * m + (column + c) * n : cart + (2 * ncart + c) * n
                    let gz = direct ? gradients + 2 * n * m + (column + c) * n : cart + (3 * ncart + c) * n
                    let px1 = pow + (e.x + 1) * n, py1 = pow + (powerCount + e.y + 1) * n, pz1 = pow + (2 * powerCount + e.z + 1) * n
                    let fx = Double(e.x), fy = Double(e.y), fz = Double(e.z)
                    let pxm = pow + Swift.max(e.x - 1, 0) * n, pym = pow + (powerCount + Swift.max(e.y - 1, 0)) * n
                    let pzm = pow + (2 * powerCount + Swift.max(e.z - 1, 0)) * n
                    for p in 0..<n {
                        let yz = py[p] * pz[p], xz = px[p] * pz[p], xy = px[p] * py[p]
                        gx[p] = yz * (fx * pxm[p] * radial[p]).addingProduct(px1[p], dradial[p])
                        gy[p] = xz * (fy * pym[p] * radial[p]).addingProduct(py1[p], dradial[p])
                        gz[p] = xy * (fz * pzm[p] * radial[p]).addingProduct(pz1[p], dradial[p])
                    }
                }
                if let t = s.transform {
                    for comp in 0..<components {
                        let out: UnsafeMutablePointer<Double> = comp == 0 ? values : gradients! + (comp - 1) * n * m
                        let src = cart + comp * ncart * n
                        for f in 0..<s.functions {
                            let o = out + (column + f) * n
                            for p in 0..<n { o[p] = 0 }
                            for c in 0..<ncart {
                                let coefficient = t[c + f * ncart]
                                if coefficient == 0 { continue }
                                let sc = src + c * n
                                for p in 0..<n { o[p] = o[p].addingProduct(coefficient, sc[p]) }
                            }
                        }
                    }
                }
                column += s.functions
            }
        }
    }
}
