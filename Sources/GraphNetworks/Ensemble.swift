import ChemistryCore
import Foundation

/// Median and spread of an ensemble's predictions for one structure (GNoME filters with these).
public struct EnsemblePrediction: Sendable {
    /// Median energy over members, eV.
    public var median: Double
    /// First and third quartiles (linear interpolation, as numpy.percentile) and their difference.
    public var lowerQuartile: Double
    public var upperQuartile: Double
    public var interquartileRange: Double { upperQuartile - lowerQuartile }
    /// Every member's energy, in member order.
    public var members: [Double]
    /// Component-wise median forces, eV/Å.
    public var medianForces: [SIMD3<Double>]
}

/// Linear-interpolation quantile of unsorted values, q in [0, 1].
public func quantile(_ values: [Double], _ q: Double) -> Double {
    precondition(!values.isEmpty)
    let s = values.sorted()
    let pos = q * Double(s.count - 1)
    let lo = Int(pos.rounded(.down)), hi = min(lo + 1, s.count - 1)
    return s[lo] + (pos - Double(lo)) * (s[hi] - s[lo])
}

/// M models of one architecture trained with different seeds.
public final class ModelEnsemble<Model: EnergyModel> {
    public private(set) var members: [Model]

    public init(members: [Model]) {
        precondition(!members.isEmpty)
        self.members = members
    }

    /// Trains `count` copies of `template` re-initialised with seeds seed, seed+1, … (the
    /// shuffling seed follows the same offset); results in member order.
    public static func train(template: Model, count: Int, seed: UInt64, dataset: any EnergyDataset,
                             validation: (any EnergyDataset)? = nil, configuration: TrainingConfiguration,
                             modelPath: URL? = nil,
                             onEpoch: ((Int, EpochMetrics) -> Void)? = nil) throws -> (ModelEnsemble, [TrainingResult]) {
        guard count >= 1 else { throw GraphNetworkError.invalidHyperparameter("ensemble size \(count)") }
        var models: [Model] = [], results: [TrainingResult] = []
        for k in 0..<count {
            let m = template.reinitialized(seed: seed &+ UInt64(k))
            var cfg = configuration
            cfg.seed = configuration.seed &+ UInt64(k)
            let t = Trainer(model: m, configuration: cfg)
            if let cb = onEpoch { t.onEpoch = { cb(k, $0) } }
            let path = modelPath.map { p in
                count == 1 ? p : p.deletingLastPathComponent()
                    .appendingPathComponent(p.deletingPathExtension().lastPathComponent + ".member\(k)." + p.pathExtension)
            }
            results.append(try t.train(dataset, validation: validation, modelPath: path))
            models.append(m)
        }
        return (ModelEnsemble(members: models), results)
    }

    public func predict(_ structures: [Structure], batchSize: Int = 32) throws -> [EnsemblePrediction] {
        let all = try members.map { try $0.predict(structures, batchSize: batchSize) }
        return (0..<structures.count).map { s in
            let e = all.map { $0[s].energy }
            var forces: [SIMD3<Double>] = []
            for a in 0..<structures[s].count {
                var f = SIMD3<Double>.zero
                for k in 0..<3 { f[k] = quantile(all.map { $0[s].forces[a][k] }, 0.5) }
                forces.append(f)
            }
            return EnsemblePrediction(median: quantile(e, 0.5), lowerQuartile: quantile(e, 0.25),
                                      upperQuartile: quantile(e, 0.75), members: e, medianForces: forces)
        }
    }
}
