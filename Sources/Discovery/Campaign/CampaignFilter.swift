import ChemistryCore
import Foundation
import GraphNetworks
import Training

/// The model filter of a round (GNoME, Merchant et al. 2023, Methods "Active learning"): the
/// ensemble's energy per atom with test-time augmentation over isotropic volume scalings
/// (each member keeps its minimum over the scalings), median and interquartile range over the
/// members, formation energy and decomposition energy against the current DFT hull.
public enum CampaignFilter {
    /// The candidate's structure scaled isotropically to `factor` × its volume.
    public static func scaled(_ s: Structure, volumeFactor factor: Double) throws -> Structure {
        guard let l = s.lattice else { throw DiscoveryError.invalidStructure(s.name, "needs a lattice") }
        return try LatticeEstimate.scaled(s, toVolume: cellVolume(l) * factor)
    }

    public static func predict(_ model: ChemflowModel, candidates: [CandidateRecord], scalings: [Double],
                               hull: PhaseDiagram) throws -> [PredictionRecord] {
        let augmented = try candidates.flatMap { c in try scalings.map { try scaled(c.structure, volumeFactor: $0) } }
        let e = try CampaignModels.energiesPerAtom(model, augmented)   // [member][candidate·S + s]
        let ns = scalings.count
        return try candidates.indices.map { i in
            let energies = e.map { Array($0[i * ns..<(i + 1) * ns]) }
            let minima = energies.map { $0.min()! }
            let median = quantile(minima, 0.5)
            let medianPerScaling = (0..<ns).map { s in quantile(energies.map { $0[s] }, 0.5) }
            let best = medianPerScaling.indices.min { medianPerScaling[$0] < medianPerScaling[$1] }!
            let comp = candidates[i].composition
            let ef = try hull.formationEnergyPerAtom(composition: comp, energyPerAtom: median)
            let ed = try hull.decompositionEnergy(of: PhaseEntry(name: candidates[i].structure.name, composition: comp,
                                                                 energyPerAtom: median)).energy
            return PredictionRecord(energies: energies, bestScaling: best, energyPerAtom: median,
                                    spread: quantile(minima, 0.75) - quantile(minima, 0.25),
                                    formationEnergyPerAtom: ef, decompositionEnergy: ed)
        }
    }

    /// Candidates with predicted decomposition energy ≤ `threshold` (eV/atom), lowest first,
    /// one per reduced composition, at most `budget`; with `fillBudget`, the budget is filled
    /// with the lowest of the others when too few pass the threshold.
    public static func select(_ predictions: [PredictionRecord], candidates: [CandidateRecord], threshold: Double,
                              budget: Int, fillBudget: Bool = false) -> [Int] {
        let order = predictions.indices.filter { fillBudget || predictions[$0].decompositionEnergy <= threshold }
            .sorted { (predictions[$0].decompositionEnergy, $0) < (predictions[$1].decompositionEnergy, $1) }
        var seen = Set<[Int: Int64]>()
        var out: [Int] = []
        for i in order where out.count < budget {
            if seen.insert(candidates[i].composition.reducedKey).inserted { out.append(i) }
        }
        return out
    }

    /// The random-selection control: `budget` candidates drawn uniformly from those not selected
    /// (one per reduced composition), deterministic in `seed`.
    public static func control(candidates: [CandidateRecord], excluding selected: [Int], budget: Int, seed: UInt64) -> [Int] {
        var rng = SplitMix64(seed: seed)
        let taken = Set(selected)
        var pool = candidates.indices.filter { !taken.contains($0) }
        pool.shuffle(using: &rng)
        var seen = Set<[Int: Int64]>()
        var out: [Int] = []
        for i in pool where out.count < budget {
            if seen.insert(candidates[i].composition.reducedKey).inserted { out.append(i) }
        }
        return out
    }
}
