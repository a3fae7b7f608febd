import ChemistryCore
import Foundation
import GraphNetworks

/// A model's prediction for one structure. For ensembles `energy` is the median over members
/// and `spread` the interquartile range; for one model the spread is 0.
public struct StructurePrediction: Sendable {
    public var name: String
    public var atomCount: Int
    /// eV.
    public var energy: Double
    public var lowerQuartile: Double
    public var upperQuartile: Double
    public var spread: Double { upperQuartile - lowerQuartile }
    public var energyPerAtom: Double { energy / Double(max(atomCount, 1)) }
    /// Every member's energy, eV.
    public var memberEnergies: [Double]
    /// Forces −dE/dR in eV/Å (component-wise median for ensembles), when asked for.
    public var forces: [SIMD3<Double>]?
}

/// Errors against reference energies.
public struct EvaluationMetrics: Sendable, Equatable {
    public var count: Int
    /// Per structure, eV.
    public var mae: Double
    public var rmse: Double
    /// Per atom (error / atom count), eV/atom.
    public var maePerAtom: Double
    public var rmsePerAtom: Double
    /// Mean ensemble spread (IQR), eV; 0 for one model.
    public var meanSpread: Double
    public var maxAbsoluteError: Double
}

extension ChemflowModel {
    /// Throws a one-line error naming the structure and the element if the model cannot take it.
    public func validate(_ s: Structure) throws {
        guard s.count > 0 else { throw TrainingError("structure '\(s.name)' has no atoms") }
        let known = Set(elements)
        let maxZ = hyperparameters.maxAtomicNumber
        for z in s.atomicNumbers where !(z >= 1 && z <= maxZ && (known.isEmpty || known.contains(z))) {
            throw TrainingError("structure '\(s.name)' contains \(Elements.symbol(z)) (Z = \(z)), an element the model was never trained on (model elements: \(elementList(elements)))")
        }
        for p in s.positions where !(p.x.isFinite && p.y.isFinite && p.z.isFinite) {
            throw TrainingError("structure '\(s.name)' has a non-finite position")
        }
    }

    /// Energies (and forces) for `structures`, in batches. All structures are checked first.
    public func predict(_ structures: [Structure], forces: Bool = false, batchSize: Int = 32) throws -> [StructurePrediction] {
        for s in structures { try validate(s) }
        var out: [StructurePrediction] = []
        out.reserveCapacity(structures.count)
        var start = 0
        let size = max(1, batchSize)
        while start < structures.count {
            let chunk = Array(structures[start..<min(start + size, structures.count)])
            let graphs = try chunk.map { s -> AtomGraph in
                do { return try AtomGraph(s, cutoff: hyperparameters.cutoff) } catch {
                    throw TrainingError("structure '\(s.name)': \(error)")
                }
            }
            let batch = GraphBatch(graphs)
            var energies: [[Double]] = [], memberForces: [[SIMD3<Double>]] = []
            for m in members {
                if forces {
                    let r = m.energiesAndForces(batch)
                    energies.append(r.energies)
                    memberForces.append(r.forces)
                } else {
                    energies.append(m.energies(batch))
                }
            }
            for b in 0..<chunk.count {
                let e = energies.map { $0[b] }
                var f: [SIMD3<Double>]? = nil
                if forces {
                    let atoms = batch.firstAtom[b]..<batch.firstAtom[b + 1]
                    f = atoms.map { a in
                        members.count == 1 ? memberForces[0][a]
                            : SIMD3((0..<3).map { k in quantile(memberForces.map { $0[a][k] }, 0.5) })
                    }
                }
                out.append(StructurePrediction(
                    name: chunk[b].name, atomCount: chunk[b].count,
                    energy: members.count == 1 ? e[0] : quantile(e, 0.5),
                    lowerQuartile: members.count == 1 ? e[0] : quantile(e, 0.25),
                    upperQuartile: members.count == 1 ? e[0] : quantile(e, 0.75),
                    memberEnergies: e, forces: f))
            }
            start += size
        }
        return out
    }

    /// MAE and RMSE against `dataset`, read and predicted `batchSize` structures at a time.
    public func evaluate(_ dataset: any EnergyDataset, batchSize: Int = 64) throws -> EvaluationMetrics {
        guard dataset.count > 0 else { throw TrainingError("the dataset has no records to evaluate") }
        var n = 0
        var abs = 0.0, sq = 0.0, absAtom = 0.0, sqAtom = 0.0, spread = 0.0, maxAbs = 0.0
        var start = 0
        while start < dataset.count {
            let idx = start..<min(start + max(1, batchSize), dataset.count)
            let structures = try idx.map { try dataset.structure(at: $0) }
            let reference = try idx.map { try dataset.energy(at: $0) }
            let predicted = try predict(structures, forces: false, batchSize: batchSize)
            for (p, e) in zip(predicted, reference) {
                let d = p.energy - e, da = d / Double(p.atomCount)
                abs += Swift.abs(d); sq += d * d
                absAtom += Swift.abs(da); sqAtom += da * da
                spread += p.spread
                maxAbs = max(maxAbs, Swift.abs(d))
                n += 1
            }
            start = idx.upperBound
        }
        let c = Double(n)
        return EvaluationMetrics(count: n, mae: abs / c, rmse: (sq / c).squareRoot(), maePerAtom: absAtom / c,
                                 rmsePerAtom: (sqAtom / c).squareRoot(), meanSpread: spread / c, maxAbsoluteError: maxAbs)
    }
}

/// The records `indices` of another dataset, in that order.
public struct SubsetDataset: EnergyDataset {
    public let base: any EnergyDataset
    public let indices: [Int]
    public init(_ base: any EnergyDataset, indices: [Int]) {
        self.base = base
        self.indices = indices
    }
    public var count: Int { indices.count }
    public func structure(at index: Int) throws -> Structure { try base.structure(at: indices[index]) }
    public func energy(at index: Int) throws -> Double { try base.energy(at: indices[index]) }
}
