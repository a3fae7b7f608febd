import ChemistryCore
import Foundation

/// Candidate generation by substitution (GNoME's structural pipeline, Merchant et al., Nature 624,
/// 80 (2023)): full substitution of elements into known structures or prototypes, and
/// symmetry-aware partial substitution within one Wyckoff orbit.
public enum Substitution {
    /// Width of the relative ionic-radius mismatch in `likelihood` (Goldschmidt's ~15 % rule).
    public static let radiusWidth = 0.15

    /// How plausible it is to put element B on a site of element A (0…1), a deliberately simple
    /// heuristic (GNoME uses Hautier et al.'s data-mined probabilities, Inorg. Chem. 50, 656
    /// (2011), which chemflow does not ship):
    ///
    ///     p(A→B) = s_ox · exp(−½ ((r_B − r_A) / (σ r_A))²),   σ = 0.15
    ///
    /// with r the Shannon ionic radii (CN VI) of A and B in their tabulated oxidation states q_A,
    /// q_B (Radii.ionicRadius), and s_ox = 1 when q_A is one of B's common oxidation states, 0.3
    /// when B has a common state of the same sign, 0 otherwise. Elements without an ionic radius
    /// (noble gases, H, some metalloids) fall back to Slater's atomic radii and s_ox = 0.5.
    /// p(A→A) = 1.
    public static func likelihood(from a: Int, to b: Int) -> Double {
        if a == b { return 1 }
        if let ia = Radii.ionicRadius(a), let ib = Radii.ionicRadius(b) {
            let states = Radii.commonOxidationStates(b)
            let sOx: Double = states.contains(ia.oxidationState) ? 1
                : (states.contains { $0 != 0 && ($0 > 0) == (ia.oxidationState > 0) } ? 0.3 : 0)
            let x = (ib.radius - ia.radius) / (radiusWidth * ia.radius)
            return sOx * exp(-0.5 * x * x)
        }
        guard let ra = Radii.atomicRadius(a), let rb = Radii.atomicRadius(b) else { return 0 }
        let x = (rb - ra) / (radiusWidth * ra)
        return 0.5 * exp(-0.5 * x * x)
    }

    /// A prototype decorated with elements, scaled to the estimated volume (LatticeEstimate).
    public static func decorate(_ prototype: Prototype, with assignment: [String: Int], scaleToEstimate: Bool = true) throws -> Candidate {
        var s = try prototype.structure(assigning: assignment)
        if scaleToEstimate { s = try LatticeEstimate.scaledToEstimate(s) }
        s.name = Composition(structure: s).reduced.formula + "-" + prototype.name
        return Candidate(structure: s, method: .prototype(name: prototype.name, assignment: assignment), parent: prototype.name)
    }

    /// Replaces every atom of each element A of `parent` by map[A] (elements not in the map stay).
    public static func substitute(_ parent: Structure, map: [Int: Int], scaleToEstimate: Bool = true) throws -> Candidate {
        for (a, b) in map {
            guard (1..<Elements.symbols.count).contains(b) else { throw DiscoveryError.invalidArgument("Z = \(b) is not an element") }
            guard parent.atomicNumbers.contains(a) else {
                throw DiscoveryError.invalidArgument("\(Elements.symbol(a)) does not occur in \(parent.name)")
            }
        }
        var s = parent
        s.atomicNumbers = parent.atomicNumbers.map { map[$0] ?? $0 }
        if scaleToEstimate { s = try LatticeEstimate.scaledToEstimate(s) }
        s.name = Composition(structure: s).reduced.formula + "-from-" + parent.name
        let p = map.reduce(1.0) { $0 * likelihood(from: $1.key, to: $1.value) }
        return Candidate(structure: s, method: .substitution(map: map, likelihood: p), parent: parent.name)
    }

    /// All full substitutions of `parent` by the given elements: each element A of the parent is
    /// kept or replaced by some B with p(A→B) ≥ `threshold`; distinct parent elements stay
    /// distinct (the map is injective); the identity is skipped. Sorted by decreasing likelihood
    /// (ties by provenance), at most `limit`.
    public static func fullSubstitutions(of parent: Structure, using elements: [Int], threshold: Double = 0.1,
                                         limit: Int = 1000, scaleToEstimate: Bool = true) throws -> [Candidate] {
        let present = Array(Set(parent.atomicNumbers)).sorted()
        let options: [[Int]] = present.map { a in [a] + elements.filter { $0 != a && likelihood(from: a, to: $0) >= threshold } }
        var maps: [[Int: Int]] = [[:]]
        for (k, a) in present.enumerated() {
            maps = maps.flatMap { m in options[k].map { b in var n = m; if b != a { n[a] = b }; return n } }
        }
        let candidates = try maps.filter { !$0.isEmpty }.compactMap { map -> Candidate? in
            let images = present.map { map[$0] ?? $0 }
            guard Set(images).count == images.count else { return nil }
            return try substitute(parent, map: map, scaleToEstimate: scaleToEstimate)
        }
        let sorted = candidates.sorted {
            let p0 = likelihoodOf($0), p1 = likelihoodOf($1)
            return p0 != p1 ? p0 > p1 : $0.provenance < $1.provenance
        }
        return Array(sorted.prefix(limit))
    }

    private static func likelihoodOf(_ c: Candidate) -> Double {
        if case .substitution(_, let p) = c.method { return p }
        return 0
    }

    /// Symmetry-aware partial substitution: in each Wyckoff orbit of `parent` that holds element
    /// `from` (or in every orbit of that element), replace k = 1…`maxReplaced` of its atoms by
    /// `to`, and keep one representative per class of subsets equivalent under the parent's
    /// space-group operations (spglib; atom permutations, including pure translations of a
    /// non-primitive cell). Canonical form of a subset S: min over operations g of sort(g(S)).
    /// Throws when an orbit would need more than `maxSubsets` subsets to be enumerated.
    public static func partialSubstitutions(of parent: Structure, from: Int, to: Int, maxReplaced: Int,
                                            maxSubsets: Int = 200_000, symprec: Double = 1e-3) throws -> [Candidate] {
        guard maxReplaced >= 1 else { throw DiscoveryError.invalidArgument("maxReplaced must be at least 1") }
        guard from != to else { throw DiscoveryError.invalidArgument("substituting an element by itself") }
        guard (1..<Elements.symbols.count).contains(to) else { throw DiscoveryError.invalidArgument("Z = \(to) is not an element") }
        let analysis = try SpaceGroupAnalysis(structure: parent, symprec: symprec)
        let permutations = try analysis.atomPermutations(of: parent, tolerance: max(1e-4, symprec))
        var result: [Candidate] = []
        for orbit in analysis.orbits where parent.atomicNumbers[orbit[0]] == from {
            let wyckoff = "\(orbit.count)\(analysis.wyckoffLetters[orbit[0]])"
            for k in 1...min(maxReplaced, orbit.count) {
                guard binomial(orbit.count, k) <= Double(maxSubsets) else {
                    throw DiscoveryError.invalidArgument("orbit \(wyckoff) of \(parent.name): C(\(orbit.count), \(k)) subsets exceed the limit \(maxSubsets)")
                }
                var seen = Set<[Int]>()
                forEachCombination(orbit, k) { subset in
                    let canonical = permutations.map { p in subset.map { p[$0] }.sorted() }.min { $0.lexicographicallyPrecedes($1) }!
                    guard seen.insert(canonical).inserted else { return }
                    var s = parent
                    for i in subset { s.atomicNumbers[i] = to }
                    s.name = Composition(structure: s).reduced.formula + "-from-" + parent.name
                    result.append(Candidate(structure: s, method: .partialSubstitution(orbit: orbit, wyckoff: wyckoff, replaced: subset, element: to),
                                            parent: parent.name))
                }
            }
        }
        return result
    }

    /// Whether some assignment of common oxidation states (one per element) sums to zero.
    public static func isChargeBalanced(_ composition: Composition) -> Bool {
        let elements = composition.elements
        func search(_ k: Int, _ charge: Double) -> Bool {
            if k == elements.count { return abs(charge) < 1e-8 }
            let states = Radii.commonOxidationStates(elements[k])
            return (states.isEmpty ? [0] : states).contains { search(k + 1, charge + Double($0) * composition[elements[k]]) }
        }
        return search(0, 0)
    }
}

func binomial(_ n: Int, _ k: Int) -> Double {
    guard k >= 0, k <= n else { return 0 }
    var r = 1.0
    for i in 0..<min(k, n - k) { r = r * Double(n - i) / Double(i + 1) }
    return r
}

/// Calls `body` with every k-subset of `items` (in lexicographic order of positions).
func forEachCombination(_ items: [Int], _ k: Int, _ body: ([Int]) -> Void) {
    guard k > 0, k <= items.count else { return }
    var idx = Array(0..<k)
    while true {
        body(idx.map { items[$0] })
        var i = k - 1
        while i >= 0 && idx[i] == items.count - k + i { i -= 1 }
        if i < 0 { return }
        idx[i] += 1
        for j in (i + 1)..<k { idx[j] = idx[j - 1] + 1 }
    }
}
