import ChemistryCore
import Foundation
import Testing
@testable import Discovery

/// Selection rules of the filter and the per-round metric arithmetic, on hand-made numbers.
@Suite("Campaign filter and metrics")
struct CampaignFilterTests {
    func record(_ formula: String, _ i: Int) throws -> CandidateRecord {
        let comp = try Composition(formula: formula)
        let zs = comp.elements.flatMap { Array(repeating: $0, count: Int(comp[$0])) }
        let s = Structure(name: "c\(i)", atomicNumbers: zs, positions: zs.indices.map { SIMD3(Double($0) * 1.5, 0, 0) },
                          lattice: [SIMD3(4, 0, 0), SIMD3(0, 4, 0), SIMD3(0, 0, 4)], pbc: [true, true, true])
        return CandidateRecord(structure: s, method: "prototype", provenance: "", parent: "")
    }

    func prediction(_ ed: Double) -> PredictionRecord {
        PredictionRecord(energies: [[0]], bestScaling: 0, energyPerAtom: 0, spread: 0, formationEnergyPerAtom: 0,
                         decompositionEnergy: ed)
    }

    @Test func selectionKeepsLowestPerCompositionWithinThresholdAndBudget() throws {
        let cands = try [("NaAl", 0), ("NaAl", 1), ("Na2Al", 2), ("NaAl2", 3), ("NaAl3", 4)].map { try record($0.0, $0.1) }
        let preds = [0.02, -0.10, 0.04, 0.30, 0.049].map(prediction)
        // Within 0.05: 0 (NaAl), 1 (NaAl, lower), 2, 4; one per composition → 1, 2, 4 ordered by energy.
        #expect(CampaignFilter.select(preds, candidates: cands, threshold: 0.05, budget: 10) == [1, 2, 4])
        #expect(CampaignFilter.select(preds, candidates: cands, threshold: 0.05, budget: 2) == [1, 2])
        #expect(CampaignFilter.select(preds, candidates: cands, threshold: -1, budget: 5) == [])
        // fill_budget: the threshold-passing ones first, then the lowest others (NaAl2 at 0.30);
        // still one per composition, and never more than the budget.
        #expect(CampaignFilter.select(preds, candidates: cands, threshold: 0.05, budget: 10, fillBudget: true) == [1, 2, 4, 3])
        #expect(CampaignFilter.select(preds, candidates: cands, threshold: -1, budget: 2, fillBudget: true) == [1, 2])
        #expect(CampaignFilter.select(preds, candidates: cands, threshold: 0.05, budget: 2, fillBudget: true) == [1, 2])
        let control = CampaignFilter.control(candidates: cands, excluding: [1, 2], budget: 2, seed: 9)
        #expect(control.count == 2 && Set(control).isDisjoint(with: [1, 2]))
        #expect(Set(control.map { cands[$0].composition.reducedKey }).count == 2)
        #expect(control == CampaignFilter.control(candidates: cands, excluding: [1, 2], budget: 2, seed: 9))
    }

    @Test func metricsArithmetic() throws {
        var m = RoundMetrics()
        m.verified = 8; m.hits = 2; m.controlVerified = 4; m.controlHits = 0
        #expect(m.hitRate == 0.25)
        #expect(m.enrichment == .infinity)
        m.controlHits = 1
        #expect(m.enrichment == 1.0)
        m.verified = 0
        #expect(m.hitRate.isNaN && m.enrichment.isNaN)
        // Pooled over rounds ≥ 1 (round 0 is the seed and is left out).
        var state = try CampaignState(configuration: CampaignConfiguration())
        for (k, v, h, cv, ch) in [(0, 40, 0, 0, 0), (1, 0, 0, 4, 0), (2, 3, 0, 4, 1), (3, 1, 1, 4, 0)] {
            var r = RoundRecord(index: k)
            r.metrics.verified = v; r.metrics.hits = h; r.metrics.controlVerified = cv; r.metrics.controlHits = ch
            state.rounds.append(r)
        }
        let t = CampaignReport.total(state)
        #expect(t.verified == 4 && t.hits == 1 && t.controlVerified == 12 && t.controlHits == 1)
        #expect(abs(t.enrichment - 3.0) < 1e-12)   // (1/4) / (1/12)
    }

    /// Volume augmentation: V' = f·V exactly, fractional coordinates kept.
    @Test func volumeScaling() throws {
        let s = try record("NaAl", 0).structure
        let t = try CampaignFilter.scaled(s, volumeFactor: 0.8)
        let v = { (x: Structure) in cellVolume(x.lattice!) }
        #expect(abs(v(t) / v(s) - 0.8) < 1e-12)
        #expect(abs(t.positions[1].x / t.lattice![0].x - s.positions[1].x / s.lattice![0].x) < 1e-12)
    }
}
