import ChemistryCore
import Foundation

/// The convex hull of every usable DFT result of a campaign (eV/atom), with where each entry came from.
public struct CampaignHull: Sendable {
    public var diagram: PhaseDiagram
    /// Per entry: round and index into that round's DFT records.
    public var sources: [(round: Int, dft: Int)]

    /// Builds the hull from rounds (all rounds by default, or those before `beforeRound`).
    /// Throws `missingElementalReference` while an element has no computed pure phase.
    public init(state: CampaignState, elements: [Int], beforeRound: Int? = nil) throws {
        var entries: [PhaseEntry] = []
        var sources: [(Int, Int)] = []
        for r in state.rounds where beforeRound.map({ r.index < $0 }) ?? true {
            for (k, d) in r.dft.enumerated() where d.isUsable {
                entries.append(PhaseEntry(name: d.structure.name, composition: Composition(structure: d.structure),
                                          energyPerAtom: d.energyPerAtom))
                sources.append((r.index, k))
            }
        }
        diagram = try PhaseDiagram(entries: entries, elements: elements)
        self.sources = sources
    }

    /// Reduced formulas of the stable entries, sorted.
    public var stableFormulas: [String] {
        Array(Set(diagram.stableEntries.map { diagram.entries[$0].composition.reduced.formula })).sorted()
    }
}
