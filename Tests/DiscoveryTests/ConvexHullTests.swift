import ChemistryCore
@testable import Discovery
import Testing

/// Phase diagrams against pymatgen's `PhaseDiagram` (qhull): HullReferenceData.swift, produced by
/// Reference/hull_reference.py. Tolerance 1e-9 eV/atom: both sides are exact algorithms in double
/// precision on energies of order 1–10 eV, so agreement should be ~1e-14; 1e-9 leaves room for
/// qhull's own round-off while still catching any wrong vertex (differences ≥ 1e-6 by construction).
@Suite struct ConvexHullTests {
    static let tolerance = 1e-9

    func diagram(_ system: HullReferenceSystem) throws -> PhaseDiagram {
        let entries = try system.entries.enumerated().map { i, e in
            try PhaseEntry(formula: e.formula, energyPerAtom: e.energyPerAtom, name: "\(i):\(e.formula)")
        }
        return try PhaseDiagram(entries: entries)
    }

    @Test(arguments: ["binary", "ternary", "quaternary", "single", "collinear", "duplicates", "onhull"])
    func matchesPymatgen(_ name: String) throws {
        let ref = try #require(hullReferenceSystems.first { $0.name == name })
        let pd = try diagram(ref)
        #expect(pd.entries.count == ref.entries.count)
        for j in ref.entries.indices {
            #expect(abs(pd.formationEnergies[j] - ref.formationEnergy[j]) < Self.tolerance, "\(name) ΔEf[\(j)]")
            #expect(abs(pd.energiesAboveHull[j] - ref.eAboveHull[j]) < Self.tolerance,
                    "\(name) e_above_hull[\(j)] \(pd.energiesAboveHull[j]) vs \(ref.eAboveHull[j])")
            #expect(pd.energiesAboveHull[j] >= 0)
            #expect(try pd.isHullVertex(j) == ref.stable[j], "\(name) vertex[\(j)]")
            // Stable (on the hull) includes every vertex and the points lying exactly on a facet.
            #expect(pd.isStable(j) == (ref.eAboveHull[j] <= Self.tolerance))
            let pse = try pd.phaseSeparationEnergy(of: j)
            #expect(abs(pse - ref.phaseSeparationEnergy[j]) < Self.tolerance,
                    "\(name) phase separation[\(j)] \(pse) vs \(ref.phaseSeparationEnergy[j])")
        }
        for (k, e) in ref.newEntries.enumerated() {
            let (energy, decomposition) = try pd.decompositionEnergy(of: try PhaseEntry(formula: e.formula, energyPerAtom: e.energyPerAtom))
            #expect(abs(energy - ref.newDecompositionEnergy[k]) < Self.tolerance,
                    "\(name) new[\(k)] \(energy) vs \(ref.newDecompositionEnergy[k])")
            let amounts = Dictionary(uniqueKeysWithValues: decomposition.phases.map { ($0.entry, $0.fraction) })
            // Where the hull is degenerate (a point on an edge with several exact splittings) the
            // products may legitimately differ; every reference case here has a unique one.
            #expect(Set(amounts.keys) == Set(ref.newDecomposition[k].keys), "\(name) new[\(k)] products")
            for (entry, fraction) in ref.newDecomposition[k] {
                #expect(abs((amounts[entry] ?? 0) - fraction) < 1e-9)
            }
        }
    }

    @Test func exactlyOnHullIsZero() throws {
        let ref = try #require(hullReferenceSystems.first { $0.name == "onhull" })
        let pd = try diagram(ref)
        // Li3O, LiO3, LiFeO2, Li3FeO4 lie exactly on tie lines: e_above_hull exactly 0 (no round-off
        // with these dyadic energies), stable, but not hull vertices.
        for j in [5, 6, 8, 9] {
            #expect(pd.energiesAboveHull[j] == 0)
            #expect(pd.isStable(j))
            #expect(try !pd.isHullVertex(j))
        }
    }

    @Test func missingElementalReferenceIsAClearError() throws {
        let entries = [try PhaseEntry(formula: "Li", energyPerAtom: -1.9), try PhaseEntry(formula: "Li2O", energyPerAtom: -4.7)]
        #expect(throws: DiscoveryError.missingElementalReference("O")) { try PhaseDiagram(entries: entries) }
        #expect(throws: DiscoveryError.noEntries) { try PhaseDiagram(entries: []) }
        let pd = try PhaseDiagram(entries: [entries[0], try PhaseEntry(formula: "O", energyPerAtom: -4.9)])
        #expect(throws: DiscoveryError.elementOutsideSystem("Fe")) {
            try pd.decompositionEnergy(of: try PhaseEntry(formula: "FeO", energyPerAtom: -6))
        }
        #expect(throws: DiscoveryError.self) { try PhaseEntry(formula: "Xx2O", energyPerAtom: 0) }
        #expect(throws: DiscoveryError.self) {
            try PhaseDiagram(entries: [try PhaseEntry(formula: "O", energyPerAtom: .nan)])
        }
    }

    @Test func linearProgramKnownOptimum() throws {
        // max 3x + 5y s.t. x ≤ 4, 2y ≤ 12, 3x + 2y ≤ 18 (Hillier & Lieberman's Wyndor example):
        // optimum x = 2, y = 6, value 36. In standard form with slacks s1..s3.
        let lp = LinearProgram(objective: [-3, -5, 0, 0, 0],
                               constraints: [[1, 0, 1, 0, 0], [0, 2, 0, 1, 0], [3, 2, 0, 0, 1]],
                               rightHandSide: [4, 12, 18])
        let s = try lp.solve()
        #expect(abs(s.objectiveValue + 36) < 1e-12)
        #expect(abs(s.variables[0] - 2) < 1e-12 && abs(s.variables[1] - 6) < 1e-12)
        // Infeasible: x + y = 1, x + y = 2.
        #expect(throws: LinearProgram.Failure.infeasible) {
            try LinearProgram(objective: [1, 1], constraints: [[1, 1], [1, 1]], rightHandSide: [1, 2]).solve()
        }
        // Unbounded: min −x with x − y = 0.
        #expect(throws: LinearProgram.Failure.unbounded) {
            try LinearProgram(objective: [-1, 0], constraints: [[1, -1]], rightHandSide: [0]).solve()
        }
        // Redundant rows (x + y = 1 twice) are fine.
        let r = try LinearProgram(objective: [1, 2], constraints: [[1, 1], [2, 2]], rightHandSide: [1, 2]).solve()
        #expect(abs(r.objectiveValue - 1) < 1e-12)
    }

    @Test func compositionParsing() throws {
        let c = try Composition(formula: "Fe4O6")
        #expect(c.reduced == Composition(counts: [26: 2, 8: 3]))
        #expect(c.hasSameReducedComposition(as: try Composition(formula: "Fe2O3")))
        #expect(abs(c.fraction(8) - 0.6) < 1e-15)
    }
}
