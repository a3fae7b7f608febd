import Foundation
import LinearAlgebra

// The two-electron gradient (TwoElectronGradient.swift for the formulas) on shell groups.
//
// A shell s and its derivative companions s⁺ (l+1, c_p 2α_p) and s⁻ (l−1, c_p) share centre and
// exponents, so in the auxiliary basis they form one shell group (`ShellGroups`) — for an STO-3G
// sp shell {2s, 2s⁺, 2p, 2p⁺, 2p⁻}. `ERIEngine.computeGroupQuartet` then does the primitive work
// (Boys function, VRR) once per primitive quartet for all derivative quartets of a group
// quartet, where the quartet-by-quartet version ran it again for every centre and sign.
//
// Only quartets with exactly one shifted shell are wanted: group pairs leave out pairs with two
// (`GroupPairTable(includePair:)`), and the engine's component filter drops the rest — quartets
// without a shift, with shifts on both sides, on the shell whose derivative follows from
// translational invariance, or on four shells of one atom (their derivatives cancel).
//
// Each unordered auxiliary quartet Q = (u v|w x) with its shifted shell at one position stands
// for deg(Q) = 2 · (u ≠ v ? 2 : 1) · (w ≠ x ? 2 : 1) ordered ones (the pair holding the shift is
// never the other pair, hence the factor 2), and in ½ Σ_{ordered} Γ ∂(μν|λσ) every ordered
// quartet with one shifted shell is the derivative on that shell's centre of one ordered
// original quartet — so Q adds ½ deg(Q) Σ Γ · factor · (Q's integral) to the gradient of the
// shifted shell's atom, with factor 1 for s⁺ (its coefficients carry 2α) and −n_k for s⁻, and
// the negative of that to the atom of the quartet's skipped shell.

/// Per-atom gradient (Ha/bohr) of the Coulomb and exact-exchange energy for cartesian-basis
/// densities: `density` = total D, `exchange` = [(P^k, f_k)] as in TwoElectronGradient.swift
/// (empty for pure DFT). Group quartets are screened by Q_X Q_Y max|Γ| < `threshold`, with the
/// Schwarz factors of the derivative integrals themselves and max|Γ| over the groups' AOs.
func twoElectronGradient(basis: MolecularBasis, density: Matrix, exchange: [(density: Matrix, factor: Double)],
                         threshold: Double = 1e-14) -> [SIMD3<Double>] {
    precondition(!basis.spherical, "twoElectronGradient works on cartesian functions")
    let natom = basis.positions.count
    let n = basis.aoCount
    let offsets = basis.aoOffsets
    let aux = DerivativeShellTable(basis: basis)
    aux.pairs.computeSchwarz(spherical: false)
    let shift = aux.shift, original = aux.original
    let groupPairs = GroupPairTable(basis: aux.basis, shellPairs: aux.pairs,
                                    includePair: { a, b in shift[a] == 0 || shift[b] == 0 })
    let engine = ERIEngine(pairs: aux.pairs, spherical: false, primitiveThreshold: 1e-17)
    let groups = groupPairs.groups

    let shells = basis.shells
    let atomOf = shells.map(\.atomIndex)
    // The shell whose derivative follows by translational invariance: the largest l (its l+1
    // integrals cost most), then the largest index — a function of the four shells alone.
    let lOf = shells.map(\.angularMomentum)
    @inline(__always) func skipped(_ s0: Int, _ s1: Int, _ s2: Int, _ s3: Int) -> Int {
        @inline(__always) func larger(_ a: Int, _ b: Int) -> Int {
            lOf[b] > lOf[a] || (lOf[b] == lOf[a] && b > a) ? b : a
        }
        return larger(larger(s0, s1), larger(s2, s3))
    }
    engine.componentQuartetFilter = { u, v, w, x in
        let shifted = (shift[u] != 0 ? 1 : 0) + (shift[v] != 0 ? 1 : 0) + (shift[w] != 0 ? 1 : 0) + (shift[x] != 0 ? 1 : 0)
        if shifted != 1 { return false }
        let a = original[u], b = original[v], c = original[w], d = original[x]
        if atomOf[a] == atomOf[b] && atomOf[b] == atomOf[c] && atomOf[c] == atomOf[d] { return false }
        let moved = shift[u] != 0 ? a : shift[v] != 0 ? b : shift[w] != 0 ? c : d
        return moved != skipped(a, b, c, d)
    }

    let d = density.elements
    let xs = exchange.map { ($0.density.elements, 0.5 * $0.factor) }
    // max |D|, |P^k| over the AOs of each pair of groups (their original shells).
    var groupAOs = [[Int]](repeating: [], count: groups.count)
    for (g, members) in groups.members.enumerated() {
        let originals = Set(members.map { original[$0] }).sorted()
        for s in originals { groupAOs[g] += Array(offsets[s]..<(offsets[s] + cartesianCount(shells[s].angularMomentum))) }
    }
    let ng = groups.count
    var dmax = [Double](repeating: 0, count: ng * ng)
    for gi in 0..<ng {
        for gj in 0..<ng {
            var m = 0.0
            for i in groupAOs[gi] {
                for j in groupAOs[gj] {
                    m = max(m, abs(d[i + n * j]))
                    for x in xs { m = max(m, abs(x.0[i + n * j])) }
                }
            }
            dmax[gi * ng + gj] = m
        }
    }

    // For an auxiliary shell of l and its component t, direction k: the original component i
    // with i + 1_k = t for s⁺ (`down`: t − 1_k, −1 if none), with i − 1_k = t for s⁻ (`up`:
    // t + 1_k, whose factor in ∂_k is −n_k(i) = −(t_k + 1)).
    let shiftTable = CartesianShiftTable(maxL: basis.maxAngularMomentum + 1)

    // Raw copies for the block loop (no bounds checks or reference counting per element).
    let dPtr = stableCopy(d)
    let xPtrs = xs.map { (stableCopy($0.0), $0.1) }
    let exchangeCount = xPtrs.count
    let (p0, f0) = exchangeCount > 0 ? xPtrs[0] : (dPtr, 0.0)
    let inversePtr = shiftTable.down.map { stableCopy($0.map(Int32.init)) }
    let inverseMinusPtr = shiftTable.up.map { stableCopy($0.map(Int32.init)) }
    let factorPtr = shiftTable.power.map { stableCopy($0.map { -Double($0 + 1) }) }
    defer {
        dPtr.deallocate(); for x in xPtrs { x.0.deallocate() }
        for p in inversePtr + inverseMinusPtr { p.deallocate() }
        for p in factorPtr { p.deallocate() }
    }
    let auxL = aux.basis.shells.map(\.angularMomentum)

    var grad = [SIMD3<Double>](repeating: .zero, count: natom)
    let q = groupPairs.schwarz
    var pairGroups: [(Int, Int)] = []
    for gi in 0..<ng { for gj in 0...gi { pairGroups.append((gi, gj)) } }
    for bra in 0..<groupPairs.pairCount where q[bra] > 0 {
        let (gi, gj) = pairGroups[bra]
        for ket in 0...bra where q[ket] > 0 {
            let (gk, gl) = pairGroups[ket]
            let dm = max(dmax[gi * ng + gj] * dmax[gk * ng + gl], dmax[gi * ng + gk] * dmax[gj * ng + gl],
                         dmax[gi * ng + gl] * dmax[gj * ng + gk])
            if q[bra] * q[ket] * dm < threshold { continue }
            engine.computeGroupQuartet(bra: bra, ket: ket, table: groupPairs, threshold: threshold / dm) { block in
                let a = block.a, b = block.b, c = block.c, dd = block.d
                let position = shift[a] != 0 ? 0 : shift[b] != 0 ? 1 : shift[c] != 0 ? 2 : 3
                let movedAux = position == 0 ? a : position == 1 ? b : position == 2 ? c : dd
                let o0 = original[a], o1 = original[b], o2 = original[c], o3 = original[dd]
                let lAux = auxL[movedAux]
                let plus = shift[movedAux] > 0
                let inverse = plus ? inversePtr[lAux] : inverseMinusPtr[lAux]
                let factors = factorPtr[lAux]
                let deg = 2.0 * (a != b ? 2 : 1) * (c != dd ? 2 : 1)
                let na = block.na, nb = block.nb, nc = block.nc, nd = block.nd
                // Element (ia, ib, ic, id) at ia·sa + ib·sb + ic·sc + id·sd; AO offsets per position.
                let sb = 1, sa = nb, sd = na * nb, sc = nd * na * nb
                let offset = (offsets[o0], offsets[o1], offsets[o2], offsets[o3])
                let v = block.values
                var g = SIMD3<Double>.zero
                @inline(__always) func gamma(_ mu: Int, _ nu: Int, _ la: Int, _ si: Int) -> Double {
                    var value = dPtr[mu + n * nu] * dPtr[la + n * si]
                    if exchangeCount > 0 {
                        value -= f0 * (p0[mu + n * la] * p0[nu + n * si] + p0[mu + n * si] * p0[nu + n * la])
                        for x in 1..<exchangeCount {
                            let (p, f) = xPtrs[x]
                            value -= f * (p[mu + n * la] * p[nu + n * si] + p[mu + n * si] * p[nu + n * la])
                        }
                    }
                    return value
                }
                for ic in 0..<nc {
                    for id in 0..<nd {
                        for ia in 0..<na {
                            for ib in 0..<nb {
                                let value = v[ic * sc + id * sd + ia * sa + ib * sb]
                                if value == 0 { continue }
                                var mu = offset.0 + ia, nu = offset.1 + ib, la = offset.2 + ic, si = offset.3 + id
                                let t = position == 0 ? ia : position == 1 ? ib : position == 2 ? ic : id
                                for k in 0..<3 {
                                    let i = Int(inverse[3 * t + k])
                                    if i < 0 { continue }
                                    switch position {
                                    case 0: mu = offset.0 + i
                                    case 1: nu = offset.1 + i
                                    case 2: la = offset.2 + i
                                    default: si = offset.3 + i
                                    }
                                    let factor = plus ? 1.0 : factors[3 * t + k]
                                    g[k] += factor * value * gamma(mu, nu, la, si)
                                }
                            }
                        }
                    }
                }
                g *= 0.5 * deg
                grad[atomOf[original[movedAux]]] += g
                grad[atomOf[skipped(o0, o1, o2, o3)]] -= g
            }
        }
    }
    return grad
}
