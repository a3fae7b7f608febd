import ChemistryCore
@testable import Discovery
import Foundation
import Testing

@Suite struct CandidateTests {
    static let library = try! PrototypeLibrary(directory: PrototypeTests.directory)

    /// Simple cubic 2×2×2 supercell (8 identical atoms, Pm-3m with 8 translations): one way to
    /// replace one atom, three to replace two (nearest neighbours, face diagonal, body diagonal),
    /// counted by hand; every candidate keeps 8 atoms and the chosen count of the new element.
    @Test func partialSubstitutionCountsSymmetryDistinct() throws {
        var numbers: [Int] = [], positions: [SIMD3<Double>] = []
        for i in 0..<2 { for j in 0..<2 { for k in 0..<2 {
            numbers.append(29); positions.append(SIMD3(Double(i), Double(j), Double(k)) * 2.5)
        } } }
        let sc = Structure(name: "sc222", atomicNumbers: numbers, positions: positions,
                           lattice: [SIMD3(5, 0, 0), SIMD3(0, 5, 0), SIMD3(0, 0, 5)], pbc: [true, true, true])
        let c = try Substitution.partialSubstitutions(of: sc, from: 29, to: 79, maxReplaced: 2)
        let byCount = Dictionary(grouping: c) { $0.structure.atomicNumbers.filter { $0 == 79 }.count }
        #expect(byCount[1]?.count == 1)
        #expect(byCount[2]?.count == 3)
        for x in c { #expect(x.parent == "sc222") }
        // The matcher, knowing nothing of symmetry, must agree: all 28 two-atom subsets fall
        // into exactly 3 groups.
        var all: [Structure] = []
        forEachCombination(Array(0..<8), 2) { subset in
            var s = sc; for i in subset { s.atomicNumbers[i] = 79 }; all.append(s)
        }
        #expect(try StructureMatcher().deduplicate(all).count == 3)
    }

    /// Spinel MgAl2O4, 2 of the 8 O (32e orbit) replaced by S: the symmetry-distinct set equals
    /// the matcher's grouping of all C(8,2) = 28 subsets.
    @Test func partialSubstitutionAgreesWithMatcherOnSpinel() throws {
        let spinel = try #require(Self.library["spinel"])
        let s = try spinel.structure(assigning: ["A": 12, "B": 13, "X": 8])
        let c = try Substitution.partialSubstitutions(of: s, from: 8, to: 16, maxReplaced: 2)
        let two = c.filter { $0.structure.atomicNumbers.filter { $0 == 16 }.count == 2 }
        var all: [Structure] = []
        let oxygens = s.atomicNumbers.indices.filter { s.atomicNumbers[$0] == 8 }
        forEachCombination(oxygens, 2) { subset in var t = s; for i in subset { t.atomicNumbers[i] = 16 }; all.append(t) }
        let groups = try StructureMatcher().deduplicate(all)
        #expect(two.count == groups.count)
        #expect(c.filter { $0.structure.atomicNumbers.filter { $0 == 16 }.count == 1 }.count == 1)
        // Distinct candidates never match one another.
        let matcher = StructureMatcher()
        let prints = try two.map { try matcher.fingerprint($0.structure) }
        for i in prints.indices { for j in prints.indices where j > i { #expect(matcher.distance(prints[i], prints[j]) > matcher.tolerance) } }
    }

    @Test func fullSubstitutionAndLikelihood() throws {
        #expect(Substitution.likelihood(from: 11, to: 11) == 1)
        // Na+ (1.02 Å) → K+ (1.38 Å) is plausible-ish, Na+ → Li+ (0.76 Å) too, Na+ → O2- impossible.
        #expect(Substitution.likelihood(from: 11, to: 19) > 0.01)
        #expect(Substitution.likelihood(from: 11, to: 8) == 0)
        #expect(Substitution.likelihood(from: 12, to: 26) > Substitution.likelihood(from: 12, to: 56))  // Mg→Fe vs Mg→Ba
        let rocksalt = try #require(Self.library["rocksalt"])
        let nacl = try Substitution.decorate(rocksalt, with: ["A": 11, "B": 17])
        #expect(nacl.structure.properties["prototype"] == "rocksalt")
        let subs = try Substitution.fullSubstitutions(of: nacl.structure, using: [3, 11, 19, 9, 17, 35, 8], threshold: 0.01)
        #expect(!subs.isEmpty)
        for c in subs {
            guard case .substitution(let map, let p) = c.method else { Issue.record("wrong method"); continue }
            #expect(!map.isEmpty && p >= 1e-4 && p <= 1)
            #expect(Set(c.structure.atomicNumbers).count == 2)
            #expect(c.parent == nacl.structure.name)
        }
        let likelihoods = subs.map { if case .substitution(_, let p) = $0.method { return p } else { return 0 } }
        #expect(likelihoods == likelihoods.sorted(by: >))
        #expect(subs.contains { Set($0.structure.atomicNumbers) == [19, 17] })
        // The optional charge-balance filter: Cl⁻ → O²⁻ is allowed by the size rule (same sign),
        // NaO is then removed by the filter, KCl kept.
        let balanced = subs.filter { Substitution.isChargeBalanced(Composition(structure: $0.structure)) }
        #expect(balanced.contains { Set($0.structure.atomicNumbers) == [19, 17] })
        #expect(!balanced.contains { Set($0.structure.atomicNumbers) == [11, 8] })
        #expect(!Substitution.isChargeBalanced(try Composition(formula: "NaCl2")))
        #expect(Substitution.isChargeBalanced(try Composition(formula: "Li2O")))
        #expect(throws: DiscoveryError.self) { try Substitution.substitute(nacl.structure, map: [26: 27]) }
    }

    @Test func randomSearchIsDeterministicAndRespectsDistances() throws {
        var search = RandomStructureSearch()
        search.separationFactor = 0.7
        let a = try search.generate(composition: [12: 2, 8: 2], count: 6, seed: 42)
        let b = try search.generate(composition: [12: 2, 8: 2], count: 3, seed: 42)
        #expect(a.count == 6)
        for i in 0..<3 { #expect(a[i].structure == b[i].structure) }
        let c = try search.generate(composition: [12: 2, 8: 2], count: 1, seed: 43)
        #expect(c[0].structure != a[0].structure)
        let estimate = try LatticeEstimate.estimatedVolume(atomicNumbers: [8, 8, 12, 12])
        for cand in a {
            let s = cand.structure
            let v = cellVolume(s.lattice!)
            #expect(v >= 0.4 * estimate * (1 - 1e-12) && v <= 1.2 * estimate * (1 + 1e-12))
            // Independent brute-force check of every pair and self-image against d_min.
            let list = try fractionalCoordinates(s)!
            for i in list.indices { for j in list.indices {
                let dmin = 0.7 * (Radii.atomicRadius(s.atomicNumbers[i])! + Radii.atomicRadius(s.atomicNumbers[j])!)
                for x in -3...3 { for y in -3...3 { for z in -3...3 where !(i == j && x == 0 && y == 0 && z == 0) {
                    let e = list[j] - list[i] + SIMD3(Double(x), Double(y), Double(z))
                    let r = e.x * s.lattice![0] + e.y * s.lattice![1] + e.z * s.lattice![2]
                    #expect((r * r).sum().squareRoot() >= dmin - 1e-9)
                } } }
            } }
            #expect(cand.parent == nil)
        }
        var tight = RandomStructureSearch()
        tight.separationFactor = 5; tight.maxCells = 3
        #expect(throws: DiscoveryError.self) { try tight.generate(composition: [8: 4], count: 1, seed: 1) }
    }
}
