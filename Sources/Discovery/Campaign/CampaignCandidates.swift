import ChemistryCore
import Foundation

/// Candidate generation for the campaign (GNoME's structural pipeline at toy scale): prototype
/// decorations, full substitution into every computed structure, symmetry-aware partial
/// substitution, and random structure search; lattices from the radii estimate; duplicates
/// removed with the structure matcher, also against everything already computed.
public enum CampaignCandidates {
    /// The prototypes the configuration asks for (all that fit `maxAtoms` when the list is empty).
    public static func library(_ c: CampaignConfiguration) throws -> (compounds: [Prototype], elemental: [Prototype]) {
        let lib = try PrototypeLibrary(directory: c.resolvedPrototypesDirectory())
        func pick(_ names: [String], _ key: String) throws -> [Prototype] {
            try names.map { n in
                guard let p = lib[n] else {
                    throw CampaignError.invalidConfiguration("\(key): no prototype '\(n)' (available: \(lib.names.joined(separator: ", ")))")
                }
                return p
            }
        }
        let compounds = c.prototypes.isEmpty
            ? lib.prototypes.filter { $0.roles.count >= 2 && $0.sites.count <= c.maxAtoms }
            : try pick(c.prototypes, "prototypes")
        let elemental = try pick(c.elementalPrototypes, "elemental_prototypes")
        for p in elemental where p.roles.count != 1 {
            throw CampaignError.invalidConfiguration("elemental_prototypes: '\(p.name)' has \(p.roles.count) roles; elemental prototypes need one")
        }
        return (compounds.filter { $0.sites.count <= c.maxAtoms }, elemental.filter { $0.sites.count <= c.maxAtoms })
    }

    /// Every decoration of `prototype` with distinct elements on distinct roles.
    public static func decorations(of prototype: Prototype, elements: [Int]) throws -> [Candidate] {
        let roles = prototype.roles
        guard roles.count <= elements.count else { return [] }
        var result: [Candidate] = []
        func assign(_ k: Int, _ used: [Int], _ map: [String: Int]) throws {
            if k == roles.count { result.append(try Substitution.decorate(prototype, with: map)); return }
            for z in elements where !used.contains(z) {
                var m = map; m[roles[k]] = z
                try assign(k + 1, used + [z], m)
            }
        }
        try assign(0, [], [:])
        return result
    }

    /// Round 0: every element in every elemental prototype (the references) and `seedRound.compounds`
    /// decorated prototypes drawn at random (deduplicated).
    public static func seed(_ c: CampaignConfiguration) throws -> [CandidateRecord] {
        let zs = try c.atomicNumbers()
        let (compounds, elemental) = try library(c)
        var records: [CandidateRecord] = []
        for p in elemental { for z in zs { records.append(CandidateRecord(try Substitution.decorate(p, with: [p.roles[0]: z]), elemental: true)) } }
        var pool = try compounds.flatMap { try decorations(of: $0, elements: zs) }.map { CandidateRecord($0) }
        var rng = SplitMix64(seed: c.seed ^ 0x5EED)
        pool.shuffle(using: &rng)
        let matcher = StructureMatcher(tolerance: c.generation.matcherTolerance)
        let elementalKept = try deduplicate(records, against: [], matcher: matcher)
        let compoundKept = try deduplicate(pool, against: elementalKept.map(\.structure), matcher: matcher)
        return name(elementalKept + compoundKept.prefix(c.seedRound.compounds), round: 0)
    }

    /// Candidates of discovery round `round`, given every structure computed so far.
    public static func generate(_ c: CampaignConfiguration, round: Int, computed: [Structure]) throws -> [CandidateRecord] {
        let zs = try c.atomicNumbers()
        let (compounds, _) = try library(c)
        let g = c.generation
        var pool: [CandidateRecord] = []
        if g.prototypeDecoration {
            pool += try compounds.flatMap { try decorations(of: $0, elements: zs) }.map { CandidateRecord($0) }
        }
        let parents = computed.filter { Set($0.atomicNumbers).count >= 2 }
        for parent in parents {
            pool += try Substitution.fullSubstitutions(of: parent, using: zs, threshold: g.substitutionThreshold, limit: 50)
                .map { CandidateRecord($0) }
        }
        if g.partialSubstitution {
            for parent in parents {
                for from in Set(parent.atomicNumbers).sorted() {
                    for to in zs where to != from {
                        let partial = (try? Substitution.partialSubstitutions(of: parent, from: from, to: to,
                                                                             maxReplaced: g.partialMaxReplaced, maxSubsets: 5000)) ?? []
                        for p in partial where Set(p.structure.atomicNumbers).count >= 2 {
                            var q = p
                            q.structure = try LatticeEstimate.scaledToEstimate(p.structure)
                            pool.append(CandidateRecord(q))
                        }
                    }
                }
            }
        }
        var rng = SplitMix64(seed: c.seed &+ UInt64(round) &* 0x9E37_79B9)
        if g.randomStructures > 0, zs.count >= 2 {
            let search = RandomStructureSearch()
            let maxAtoms = min(c.maxAtoms, 4)
            for i in 0..<g.randomStructures {
                let ia = Int(rng.next() % UInt64(zs.count))
                let ib = (ia + 1 + Int(rng.next() % UInt64(zs.count - 1))) % zs.count
                let (a, b) = (zs[ia], zs[ib])
                let total = 2 + Int(rng.next() % UInt64(max(1, maxAtoms - 1)))
                let na = 1 + Int(rng.next() % UInt64(max(1, total - 1)))
                let comp = [a: na, b: max(1, total - na)]
                if let cands = try? search.generate(composition: comp, count: 1, seed: rng.next() ^ UInt64(i)) {
                    pool += cands.map { CandidateRecord($0) }
                }
            }
        }
        pool = pool.filter { $0.structure.count <= c.maxAtoms && Set($0.structure.atomicNumbers).isSubset(of: zs) }
        let matcher = StructureMatcher(tolerance: g.matcherTolerance)
        var kept = try deduplicate(pool, against: computed, matcher: matcher)
        if kept.count > g.maxCandidates {
            kept.shuffle(using: &rng)
            kept = Array(kept.prefix(g.maxCandidates))
        }
        return name(kept, round: round)
    }

    /// Drops candidates that match an earlier candidate or any of `known` (same reduced
    /// composition and fingerprint distance below the tolerance), keeping the first of each group.
    public static func deduplicate(_ candidates: [CandidateRecord], against known: [Structure],
                                   matcher: StructureMatcher) throws -> [CandidateRecord] {
        var prints: [[Int: Int64]: [StructureMatcher.Fingerprint]] = [:]
        for s in known {
            let f = try matcher.fingerprint(s)
            prints[f.composition, default: []].append(f)
        }
        var kept: [CandidateRecord] = []
        for c in candidates {
            guard let f = try? matcher.fingerprint(c.structure) else { continue }
            if prints[f.composition, default: []].contains(where: { matcher.distance($0, f) < matcher.tolerance }) { continue }
            prints[f.composition, default: []].append(f)
            kept.append(c)
        }
        return kept
    }

    /// Unique names: "r<round>-<i>-<formula>-<method>", so names identify structures across the campaign
    /// (the trainer's validation split and the hull entries go by name).
    static func name(_ records: [CandidateRecord], round: Int) -> [CandidateRecord] {
        records.enumerated().map { i, r in
            var r = r
            let tag = r.method == "prototype" || r.method == "elemental" ? (r.parent.isEmpty ? r.method : r.parent) : r.method
            r.structure.name = "r\(round)-\(i)-\(r.composition.reduced.formula)-\(tag)"
            return r
        }
    }
}
