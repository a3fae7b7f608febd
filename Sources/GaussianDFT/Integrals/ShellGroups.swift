import Foundation

/// Shells of a basis that share their centre and primitive exponents — the s and p halves of a
/// Pople sp shell (STO-3G and 6-31G carbon: 1s | 2s 2p), or the columns of a general
/// contraction. The primitive-quartet work of an electron repulsion integral (Gaussian product
/// centres, the Boys function, the prefactor) depends only on exponents and centres, so
/// `ERIEngine.computeGroupQuartet` does it once for all component shell quartets of a group
/// quartet: 16 for four sp groups.
struct ShellGroups {
    /// Shell indices of each group, ascending; groups ordered by their first shell.
    let members: [[Int]]
    let groupOfShell: [Int]

    /// With `grouping` false every shell is its own group (the reference for tests).
    init(basis: MolecularBasis, grouping: Bool = true) {
        var members: [[Int]] = []
        var groupOfShell = [Int](repeating: 0, count: basis.shells.count)
        struct Key: Hashable { var atom: Int; var center: [UInt64]; var exponents: [UInt64] }
        var index: [Key: Int] = [:]
        for (s, shell) in basis.shells.enumerated() {
            let key = Key(atom: shell.atomIndex,
                          center: [shell.center.x.bitPattern, shell.center.y.bitPattern, shell.center.z.bitPattern],
                          exponents: shell.exponents.map(\.bitPattern))
            if grouping, let g = index[key] {
                members[g].append(s)
                groupOfShell[s] = g
            } else {
                index[key] = members.count
                groupOfShell[s] = members.count
                members.append([s])
            }
        }
        self.members = members
        self.groupOfShell = groupOfShell
    }

    var count: Int { members.count }
}

/// A primitive pair of a group pair with unit contraction coefficients.
struct GroupPrimitivePair {
    var p: Double                                 // α + β (bohr⁻²)
    var oneOver2p: Double
    var px: Double, py: Double, pz: Double         // P
    var pax: Double, pay: Double, paz: Double      // P − A (A: centre of the first group)
    var pbx: Double, pby: Double, pbz: Double      // P − B (B: centre of the second group)
    var k: Double                                  // √2 π^{5/4} e^{−μ AB²} / p
    var bound: Double                              // max over components of the ShellPairTable bound
    var first: Int32, second: Int32                // primitive indices within the two groups

    /// P − A (`fromFirst`) or P − B: the shift of a recurrence built on that centre.
    @inline(__always)
    func shift(fromFirst: Bool) -> SIMD3<Double> { fromFirst ? SIMD3(pax, pay, paz) : SIMD3(pbx, pby, pbz) }
}

/// One shell pair of a group pair: its `ShellPairTable` index, whether its canonical first shell
/// lies in the group pair's first group, and where its coefficient products start.
struct GroupComponent {
    var shellPair: Int32
    var firstInFirstGroup: Bool
    var weightStart: Int32
    /// The shell pair's Schwarz factor √max|(ab|ab)|.
    var schwarz: Double
    /// The pair in the group pair's own orientation (u in the "first" group, see
    /// `GroupPairTable.firstIsI`): shells, angular momenta, and the e range [l_u, l_u + l_v]
    /// of its [e0| within the group pair's range [lMinFirst, lMax].
    var u: Int32, v: Int32
    var lu: Int32, lv: Int32
    var eOffset: Int32, eCount: Int32
}

/// All group pairs (I ≥ J in group order) with their primitive pairs (shared by every
/// component), component shell pairs and coefficient products, and group Schwarz factors.
/// Primitive pairs are sorted by decreasing bound; a pair is dropped when its bound is below
/// `ShellPairTable.primitivePairCutoff` for every component.
final class GroupPairTable: @unchecked Sendable {
    let groups: ShellGroups
    let pairCount: Int
    let primStart: [Int32], primCount: [Int32]
    let prims: [GroupPrimitivePair]
    let componentStart: [Int32], componentCount: [Int32]
    let components: [GroupComponent]
    /// c_a[ia] c_b[ib] of each component (a, b canonical) for each primitive pair, in the
    /// group pair's primitive order.
    let weights: [Double]
    /// The ShellPairTable screening bound of each component's primitive pairs, laid out as
    /// `weights` (the engine skips a component's primitive quartet below the threshold, as
    /// `ERIEngine.compute` does).
    let bounds: [Double]
    /// Largest primitive bound of each group pair (0 if every primitive was dropped).
    let maxBound: [Double]
    /// max over components of the shell-pair Schwarz factors.
    let schwarz: [Double]
    /// Largest l_a + l_b over the components of each group pair.
    let lSum: [Int32]
    /// Orientation of each group pair for group-quartet VRRs: the "first" group is I (the
    /// larger group index) unless J has the larger maximum l. [e0| runs over
    /// lMinFirst ≤ |e| ≤ lSum, built on the first group's centre.
    let firstIsI: [Bool]
    let lMinFirst: [Int32]
    /// Centre of the first group minus centre of the second (bohr), 3 per group pair.
    let displacement: [Double]
    let displacementPointer: UnsafeMutablePointer<Double>
    /// Stable copies for the engine's inner loops.
    let primsPointer: UnsafeMutablePointer<GroupPrimitivePair>
    let componentsPointer: UnsafeMutablePointer<GroupComponent>
    let weightsPointer: UnsafeMutablePointer<Double>
    let boundsPointer: UnsafeMutablePointer<Double>

    static func pairIndex(_ i: Int, _ j: Int) -> Int { i >= j ? i * (i + 1) / 2 + j : j * (j + 1) / 2 + i }

    /// `shellPairs` must have its Schwarz factors computed. `includePair(a, b)` false leaves the
    /// shell pair out of its group pair's components (the analytic gradient's auxiliary basis
    /// never needs two differentiated shells in one pair).
    init(basis: MolecularBasis, shellPairs: ShellPairTable, grouping: Bool = true,
         includePair: ((Int, Int) -> Bool)? = nil) {
        let groups = ShellGroups(basis: basis, grouping: grouping)
        self.groups = groups
        let shells = basis.shells
        let ng = groups.count
        pairCount = ng * (ng + 1) / 2
        var primStart = [Int32](), primCount = [Int32](), prims = [GroupPrimitivePair]()
        var componentStart = [Int32](), componentCount = [Int32](), components = [GroupComponent]()
        var weights = [Double](), bounds = [Double](), maxBound = [Double](), schwarz = [Double](), lSum = [Int32]()
        var firstIsI = [Bool](), lMinFirst = [Int32](), displacement = [Double]()
        let factor = 2.0.squareRoot() * pow(Double.pi, 1.25)
        for gi in 0..<ng {
            for gj in 0...gi {
                let sa = shells[groups.members[gi][0]], sb = shells[groups.members[gj][0]]
                // Component shell pairs: every (a ∈ I, b ∈ J), each unordered pair once.
                var pairList: [(pair: Int, first: Int, second: Int)] = []
                for a in groups.members[gi] {
                    for b in groups.members[gj] where (gi != gj || b <= a) && includePair?(a, b) ?? true {
                        let idx = ShellPairTable.pairIndex(a, b)
                        pairList.append((idx, Int(shellPairs.first[idx]), Int(shellPairs.second[idx])))
                    }
                }
                let ab = sa.center - sb.center
                let ab2 = (ab * ab).sum()
                var list: [GroupPrimitivePair] = []
                for (ia, ea) in sa.exponents.enumerated() {
                    for (ib, eb) in sb.exponents.enumerated() {
                        let p = ea + eb
                        let k = factor * exp(-ea * eb / p * ab2) / p
                        let pc = (ea * sa.center + eb * sb.center) / p
                        let pa = pc - sa.center, pb = pc - sb.center
                        let width = (0.5 / p).squareRoot()
                        var bound = 0.0
                        for c in pairList {
                            let f = shells[c.first], s = shells[c.second]
                            let firstInI = groups.groupOfShell[c.first] == gi
                            let (fi, si) = firstInI ? (ia, ib) : (ib, ia)
                            let (pf, ps) = firstInI ? (pa, pb) : (pb, pa)
                            let poly = pow((pf * pf).sum().squareRoot() + width, Double(f.angularMomentum))
                                * pow((ps * ps).sum().squareRoot() + width, Double(s.angularMomentum))
                            bound = max(bound, abs(k * f.coefficients[fi] * s.coefficients[si]) / pow(2 * p, 0.25) * poly)
                        }
                        if bound < ShellPairTable.primitivePairCutoff { continue }
                        list.append(GroupPrimitivePair(p: p, oneOver2p: 0.5 / p, px: pc.x, py: pc.y, pz: pc.z,
                                                       pax: pa.x, pay: pa.y, paz: pa.z, pbx: pb.x, pby: pb.y, pbz: pb.z,
                                                       k: k, bound: bound, first: Int32(ia), second: Int32(ib)))
                    }
                }
                list.sort { $0.bound > $1.bound }
                primStart.append(Int32(prims.count)); primCount.append(Int32(list.count))
                maxBound.append(list.first?.bound ?? 0)
                prims.append(contentsOf: list)
                componentStart.append(Int32(components.count)); componentCount.append(Int32(pairList.count))
                let lMaxOf = { (g: Int) in groups.members[g].map { shells[$0].angularMomentum }.max() ?? 0 }
                let lMinOf = { (g: Int) in groups.members[g].map { shells[$0].angularMomentum }.min() ?? 0 }
                let orientI = lMaxOf(gi) >= lMaxOf(gj)
                let (gFirst, gSecond) = orientI ? (gi, gj) : (gj, gi)
                firstIsI.append(orientI)
                lMinFirst.append(Int32(lMinOf(gFirst)))
                let d = shells[groups.members[gFirst][0]].center - shells[groups.members[gSecond][0]].center
                displacement += [d.x, d.y, d.z]
                var q = 0.0, lmax = 0
                for c in pairList {
                    let firstInI = groups.groupOfShell[c.first] == gi
                    // Own orientation: u from the first group (in a diagonal group pair, the later shell).
                    var u = c.first, v = c.second
                    if gi != gj ? groups.groupOfShell[u] != gFirst : u < v { swap(&u, &v) }
                    let lu = shells[u].angularMomentum, lv = shells[v].angularMomentum
                    let lMin = lMinOf(gFirst)
                    components.append(GroupComponent(shellPair: Int32(c.pair), firstInFirstGroup: firstInI,
                                                     weightStart: Int32(weights.count),
                                                     schwarz: shellPairs.schwarz[c.pair],
                                                     u: Int32(u), v: Int32(v), lu: Int32(lu), lv: Int32(lv),
                                                     eOffset: Int32(cartesianRangeOffset(from: lMin, to: lu)),
                                                     eCount: Int32(cartesianRangeOffset(from: lu, to: lu + lv + 1))))
                    let f = shells[c.first], s = shells[c.second]
                    for pp in list {
                        let (fi, si) = firstInI ? (Int(pp.first), Int(pp.second)) : (Int(pp.second), Int(pp.first))
                        let w = f.coefficients[fi] * s.coefficients[si]
                        weights.append(w)
                        let (pf, ps) = firstInI ? ((pp.pax, pp.pay, pp.paz), (pp.pbx, pp.pby, pp.pbz))
                                                : ((pp.pbx, pp.pby, pp.pbz), (pp.pax, pp.pay, pp.paz))
                        let width = (0.5 / pp.p).squareRoot()
                        let poly = pow((pf.0 * pf.0 + pf.1 * pf.1 + pf.2 * pf.2).squareRoot() + width, Double(f.angularMomentum))
                            * pow((ps.0 * ps.0 + ps.1 * ps.1 + ps.2 * ps.2).squareRoot() + width, Double(s.angularMomentum))
                        bounds.append(abs(pp.k * w) / pow(2 * pp.p, 0.25) * poly)
                    }
                    q = max(q, shellPairs.schwarz[c.pair])
                    lmax = max(lmax, f.angularMomentum + s.angularMomentum)
                }
                schwarz.append(q)
                lSum.append(Int32(lmax))
            }
        }
        self.primStart = primStart; self.primCount = primCount; self.prims = prims
        self.componentStart = componentStart; self.componentCount = componentCount
        self.components = components; self.weights = weights; self.bounds = bounds
        self.maxBound = maxBound; self.schwarz = schwarz; self.lSum = lSum
        self.firstIsI = firstIsI; self.lMinFirst = lMinFirst; self.displacement = displacement
        displacementPointer = stableCopy(displacement)
        primsPointer = stableCopy(prims)
        componentsPointer = stableCopy(components)
        weightsPointer = stableCopy(weights)
        boundsPointer = stableCopy(bounds)
    }

    deinit {
        primsPointer.deallocate(); componentsPointer.deallocate(); weightsPointer.deallocate(); boundsPointer.deallocate(); displacementPointer.deallocate()
    }
}
