import Foundation
import LinearAlgebra

// Two-electron part of the analytic gradient (Pople et al. 1979; PySCF grad/rhf.py):
//
//   ∂E₂/∂R = ½ Σ_μνλσ Γ_μνλσ ∂(μν|λσ)/∂R,
//   Γ_μνλσ = D_μν D_λσ − Σ_k f_k ½ (P^k_μλ P^k_νσ + P^k_μσ P^k_νλ)
//
// with D the total density and (P^k, f_k) the exchange densities: restricted [(D, a_x/2)],
// unrestricted [(D_α, a_x), (D_β, a_x)] (so that E₂ = ½ D·J[D] − Σ_k (f_k/2) P^k·K[P^k]).
//
// Derivative integrals from ordinary ones (cartesian functions, Shell.swift conventions):
//   ∂/∂A_x (a b|c d) = (a+1_x b|c d)·2α − i_x (a−1_x b|c d),
// where "a+1" is a shell of angular momentum l+1 whose contraction coefficients are c_p·2α_p and
// "a−1" the shell of l−1 with the original c_p. `ERIEngine` computes (a± b|cd) for every
// component at once on an auxiliary basis holding, per shell, the shell itself and its l±1
// companions; the derivative on one centre (the highest l) follows from translational
// invariance, e.g. ∂_D = −(∂_A + ∂_B + ∂_C). One pass over unique shell quartets (8-fold
// symmetry, Schwarz screening against the density), all in cartesian functions with cartesian
// densities.

/// The auxiliary basis: for every shell s of `basis` the shell itself, s⁺ (l+1, c_p 2α_p) and,
/// for l > 0, s⁻ (l−1, c_p).
struct DerivativeShellTable {
    let basis: MolecularBasis
    let pairs: ShellPairTable
    /// Index of each original shell, its l+1 and its l−1 companion (−1 if l = 0) in the table.
    let same: [Int], plus: [Int], minus: [Int]
    /// For each auxiliary shell: the original shell it comes from, and its shift (0, +1, −1).
    let original: [Int], shift: [Int]

    init(basis: MolecularBasis) {
        var shells: [Shell] = []
        var same: [Int] = [], plus: [Int] = [], minus: [Int] = []
        for s in basis.shells {
            same.append(shells.count); shells.append(s)
            plus.append(shells.count)
            shells.append(Shell(angularMomentum: s.angularMomentum + 1, exponents: s.exponents,
                                normalisedCoefficients: zip(s.coefficients, s.exponents).map { $0 * 2 * $1 },
                                center: s.center, atomIndex: s.atomIndex))
            if s.angularMomentum > 0 {
                minus.append(shells.count)
                shells.append(Shell(angularMomentum: s.angularMomentum - 1, exponents: s.exponents,
                                    normalisedCoefficients: s.coefficients, center: s.center, atomIndex: s.atomIndex))
            } else {
                minus.append(-1)
            }
        }
        self.basis = MolecularBasis(shells: shells, spherical: false, atomicNumbers: basis.atomicNumbers, positions: basis.positions)
        self.pairs = ShellPairTable(basis: self.basis)
        self.same = same; self.plus = plus; self.minus = minus
        var original = [Int](repeating: 0, count: shells.count), shift = [Int](repeating: 0, count: shells.count)
        for s in same.indices {
            original[same[s]] = s; original[plus[s]] = s; shift[plus[s]] = 1
            if minus[s] >= 0 { original[minus[s]] = s; shift[minus[s]] = -1 }
        }
        self.original = original; self.shift = shift
    }
}

/// Shifted-component lookup: for angular momentum l, component c and direction k, the index of
/// c + 1_k in the l+1 list, of c − 1_k in the l−1 list (−1 if absent) and the exponent n_k.
struct CartesianShiftTable {
    let up: [[Int]], down: [[Int]], power: [[Int]]   // [l][3 c + k]
    init(maxL: Int) {
        var up: [[Int]] = [], down: [[Int]] = [], power: [[Int]] = []
        for l in 0...maxL {
            let e = cartesianExponents(l: l)
            let eu = cartesianExponents(l: l + 1)
            let ed = l > 0 ? cartesianExponents(l: l - 1) : []
            var u: [Int] = [], d: [Int] = [], pw: [Int] = []
            for c in e {
                let v = [c.x, c.y, c.z]
                for k in 0..<3 {
                    var w = v; w[k] += 1
                    u.append(eu.firstIndex { $0.x == w[0] && $0.y == w[1] && $0.z == w[2] }!)
                    var w2 = v; w2[k] -= 1
                    d.append(w2[k] < 0 ? -1 : ed.firstIndex { $0.x == w2[0] && $0.y == w2[1] && $0.z == w2[2] }!)
                    pw.append(v[k])
                }
            }
            up.append(u); down.append(d); power.append(pw)
        }
        self.up = up; self.down = down; self.power = power
    }
}

/// `twoElectronGradient` one shell quartet at a time on the scalar engine: for each unique
/// quartet and each of three centres, the (a+ b|cd) and (a− b|cd) blocks separately. The
/// reference the grouped version is tested against.
/// `threshold` screens shell quartets by Q_ab Q_cd max|Γ| (Schwarz factors of the undifferentiated
/// integrals; derivative integrals are larger by ~√α, well inside the margin for 1e-14).
func twoElectronGradientByQuartet(basis: MolecularBasis, density: Matrix, exchange: [(density: Matrix, factor: Double)],
                         threshold: Double = 1e-14) -> [SIMD3<Double>] {
    precondition(!basis.spherical, "twoElectronGradient works on cartesian functions")
    let natom = basis.positions.count
    var grad = [SIMD3<Double>](repeating: .zero, count: natom)
    let nsh = basis.shells.count
    let n = basis.aoCount
    let offsets = basis.aoOffsets
    let counts = basis.shells.map { cartesianCount($0.angularMomentum) }
    let screening = ShellPairTable(basis: basis)
    screening.computeSchwarz(spherical: false)
    let aux = DerivativeShellTable(basis: basis)
    let engine = ERIEngine(pairs: aux.pairs, spherical: false, primitiveThreshold: 1e-17)
    let shifts = CartesianShiftTable(maxL: basis.maxAngularMomentum)
    let d = density.elements
    let xs = exchange.map { ($0.density.elements, $0.factor) }

    // max |D|, max |P^k| per shell pair for screening.
    var dmax = [Double](repeating: 0, count: nsh * nsh)
    for a in 0..<nsh {
        for b in 0..<nsh {
            var m = 0.0
            for i in offsets[a]..<(offsets[a] + counts[a]) {
                for j in offsets[b]..<(offsets[b] + counts[b]) {
                    m = max(m, abs(d[i + n * j]))
                    for x in xs { m = max(m, abs(x.0[i + n * j])) }
                }
            }
            dmax[a * nsh + b] = m
        }
    }

    var gamma: [Double] = []
    var dIntegrals: [Double] = []       // derivative integrals, 3 directions × na nb nc nd
    var shifted: [Double] = []          // (a± b|c d) reordered to requested order

    /// Fills `shifted` with (s1 s2|s3 s4) of the auxiliary basis, element (i1,i2,i3,i4) at
    /// ((i1 n2 + i2) n3 + i3) n4 + i4.
    func fetch(_ s1: Int, _ s2: Int, _ s3: Int, _ s4: Int) {
        let bra = ShellPairTable.pairIndex(s1, s2), ket = ShellPairTable.pairIndex(s3, s4)
        let block = engine.compute(bra: bra, ket: ket)
        let n1 = cartesianCount(aux.basis.shells[s1].angularMomentum)
        let n2 = cartesianCount(aux.basis.shells[s2].angularMomentum)
        let n3 = cartesianCount(aux.basis.shells[s3].angularMomentum)
        let n4 = cartesianCount(aux.basis.shells[s4].angularMomentum)
        if shifted.count < n1 * n2 * n3 * n4 { shifted = [Double](repeating: 0, count: n1 * n2 * n3 * n4) }
        // Which requested pair sits on the block's bra, and in which order.
        let braIsFirst = ((block.a == s1 && block.b == s2) || (block.a == s2 && block.b == s1))
            && ((block.c == s3 && block.d == s4) || (block.c == s4 && block.d == s3))
        let v = block.values
        let na = block.na, nb = block.nb, nd = block.nd
        for i1 in 0..<n1 {
            for i2 in 0..<n2 {
                for i3 in 0..<n3 {
                    for i4 in 0..<n4 {
                        // Indices in the block's (a, b, c, d) order.
                        var pa: Int, pb: Int, pc: Int, pd: Int
                        if braIsFirst {
                            (pa, pb) = block.a == s1 ? (i1, i2) : (i2, i1)
                            (pc, pd) = block.c == s3 ? (i3, i4) : (i4, i3)
                        } else {
                            (pa, pb) = block.a == s3 ? (i3, i4) : (i4, i3)
                            (pc, pd) = block.c == s1 ? (i1, i2) : (i2, i1)
                        }
                        shifted[((i1 * n2 + i2) * n3 + i3) * n4 + i4] = v[(pc * nd + pd) * (na * nb) + pa * nb + pb]
                    }
                }
            }
        }
    }

    let q = screening.schwarz
    for bra in 0..<screening.pairCount where q[bra] > 0 {
        let sa = Int(screening.first[bra]), sb = Int(screening.second[bra])
        for ket in 0...bra where q[ket] > 0 {
            let sc = Int(screening.first[ket]), sd = Int(screening.second[ket])
            let dm = max(dmax[sa * nsh + sb] * dmax[sc * nsh + sd], dmax[sa * nsh + sc] * dmax[sb * nsh + sd],
                         dmax[sa * nsh + sd] * dmax[sb * nsh + sc])
            if q[bra] * q[ket] * dm < threshold { continue }
            let shellQ = [sa, sb, sc, sd]
            let atoms = shellQ.map { basis.shells[$0].atomIndex }
            // All four centres on one atom: the derivatives cancel exactly.
            if atoms[0] == atoms[1] && atoms[1] == atoms[2] && atoms[2] == atoms[3] { continue }
            let ns = shellQ.map { counts[$0] }
            let size = ns[0] * ns[1] * ns[2] * ns[3]
            var deg = 1.0
            if sa != sb { deg *= 2 }
            if sc != sd { deg *= 2 }
            if bra != ket { deg *= 2 }
            let scale = 0.5 * deg
            // Γ for this quartet.
            if gamma.count < size { gamma = [Double](repeating: 0, count: size) }
            let o = shellQ.map { offsets[$0] }
            for i in 0..<ns[0] {
                let mu = o[0] + i
                for j in 0..<ns[1] {
                    let nu = o[1] + j
                    let dmn = d[mu + n * nu]
                    for k in 0..<ns[2] {
                        let la = o[2] + k
                        for l in 0..<ns[3] {
                            let si = o[3] + l
                            var g = dmn * d[la + n * si]
                            for (p, f) in xs {
                                g -= 0.5 * f * (p[mu + n * la] * p[nu + n * si] + p[mu + n * si] * p[nu + n * la])
                            }
                            gamma[((i * ns[1] + j) * ns[2] + k) * ns[3] + l] = scale * g
                        }
                    }
                }
            }
            // Derivatives on three centres; the one with the highest l (the most expensive l+1
            // integrals) follows by translational invariance.
            var skipped = 3
            for k in 0..<3 where basis.shells[shellQ[k]].angularMomentum > basis.shells[shellQ[skipped]].angularMomentum { skipped = k }
            var total = SIMD3<Double>.zero
            for centre in 0..<4 where centre != skipped {
                let s = shellQ[centre]
                let l = basis.shells[s].angularMomentum
                if dIntegrals.count < 3 * size { dIntegrals = [Double](repeating: 0, count: 3 * size) }
                for k in 0..<(3 * size) { dIntegrals[k] = 0 }
                // Strides of the four indices in the derivative array and in `shifted`.
                for sign in [1, -1] {
                    let auxShell = sign > 0 ? aux.plus[s] : aux.minus[s]
                    if auxShell < 0 { continue }
                    var q4 = shellQ.map { aux.same[$0] }
                    q4[centre] = auxShell
                    fetch(q4[0], q4[1], q4[2], q4[3])
                    var nsShift = ns
                    nsShift[centre] = cartesianCount(l + sign)
                    let table = sign > 0 ? shifts.up[l] : shifts.down[l]
                    let power = shifts.power[l]
                    // Strides of `shifted` (row-major over the four indices).
                    let t3 = 1, t2 = nsShift[3], t1 = nsShift[2] * nsShift[3], t0 = nsShift[1] * nsShift[2] * nsShift[3]
                    let centreStride = [t0, t1, t2, t3][centre]
                    let n0 = ns[0], n1 = ns[1], n2 = ns[2], n3 = ns[3]
                    table.withUnsafeBufferPointer { tab in
                        power.withUnsafeBufferPointer { pw in
                            shifted.withUnsafeBufferPointer { sh in
                                dIntegrals.withUnsafeMutableBufferPointer { di in
                                    var flat = 0
                                    for i0 in 0..<n0 {
                                        for i1 in 0..<n1 {
                                            for i2 in 0..<n2 {
                                                for i3 in 0..<n3 {
                                                    let c: Int
                                                    switch centre {
                                                    case 0: c = i0
                                                    case 1: c = i1
                                                    case 2: c = i2
                                                    default: c = i3
                                                    }
                                                    // Offset of the other three indices; the centre's is added per direction.
                                                    let rest = i0 * t0 + i1 * t1 + i2 * t2 + i3 * t3 - c * centreStride
                                                    for dir in 0..<3 {
                                                        let t = tab[3 * c + dir]
                                                        if t < 0 { continue }
                                                        let factor = sign > 0 ? 1.0 : -Double(pw[3 * c + dir])
                                                        di[dir * size + flat] += factor * sh[rest + t * centreStride]
                                                    }
                                                    flat += 1
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                var g = SIMD3<Double>.zero
                for dir in 0..<3 {
                    var acc = 0.0
                    for k in 0..<size { acc += gamma[k] * dIntegrals[dir * size + k] }
                    g[dir] = acc
                }
                grad[atoms[centre]] += g
                total += g
            }
            grad[atoms[skipped]] -= total
        }
    }
    return grad
}
