import ChemistryCore
import Foundation

/// A labelled set of structures. The HDF5 reader conforms to this; so does `InMemoryDataset`.
/// Energies are totals in eV.
public protocol EnergyDataset {
    var count: Int { get }
    func structure(at index: Int) throws -> Structure
    func energy(at index: Int) throws -> Double
}

public struct InMemoryDataset: EnergyDataset, Sendable {
    public var structures: [Structure]
    public var energies: [Double]
    public init(structures: [Structure], energies: [Double]) {
        precondition(structures.count == energies.count)
        self.structures = structures
        self.energies = energies
    }
    public var count: Int { structures.count }
    public func structure(at index: Int) throws -> Structure { structures[index] }
    public func energy(at index: Int) throws -> Double { energies[index] }
}

/// Train/validation split by a stable hash of the structure name: FNV-1a(name) mod 100 <
/// `validationPercent` goes to validation. Conformers sharing a name stay on one side. If that
/// leaves validation empty (tiny sets), the structure with the smallest hash bucket moves over.
public func splitByName(_ names: [String], validationPercent: Int) -> (train: [Int], validation: [Int]) {
    var train: [Int] = [], validation: [Int] = []
    let buckets = names.map { Int(stableHash($0) % 100) }
    for (i, b) in buckets.enumerated() { if b < validationPercent { validation.append(i) } else { train.append(i) } }
    if validation.isEmpty && validationPercent > 0 && names.count >= 2,
       let k = train.min(by: { (buckets[$0], $0) < (buckets[$1], $1) }) {
        train.removeAll { $0 == k }
        validation = [k]
    }
    return (train, validation)
}

public struct TrainingConfiguration: Codable, Sendable, Equatable {
    public var epochs = 100
    public var batchSize = 32
    public var learningRate = 5e-4
    public var weightDecay = 0.0
    /// Linear warm-up length in optimiser steps.
    public var warmupSteps = 0
    public var plateauFactor = 0.5
    public var plateauPatience = 5
    public var minimumLearningRate = 1e-6
    /// Stop when validation MAE has not improved for this many epochs (best weights are kept).
    public var earlyStoppingPatience = 20
    public var validationPercent = 10
    /// Shuffling seed (epoch e shuffles with seed + e, so a resumed run is identical).
    public var seed: UInt64 = 0
    /// Keep every training graph in memory (fast); false rebuilds graphs per batch so memory
    /// follows the batch size, not the dataset size.
    public var cacheGraphs = true
    /// Fit the element references, mean and scale on the training set first.
    public var fitStandardization = true

    public init(epochs: Int = 100, batchSize: Int = 32, learningRate: Double = 5e-4, weightDecay: Double = 0,
                warmupSteps: Int = 0, plateauFactor: Double = 0.5, plateauPatience: Int = 5,
                minimumLearningRate: Double = 1e-6, earlyStoppingPatience: Int = 20, validationPercent: Int = 10,
                seed: UInt64 = 0, cacheGraphs: Bool = true, fitStandardization: Bool = true) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.warmupSteps = warmupSteps
        self.plateauFactor = plateauFactor
        self.plateauPatience = plateauPatience
        self.minimumLearningRate = minimumLearningRate
        self.earlyStoppingPatience = earlyStoppingPatience
        self.validationPercent = validationPercent
        self.seed = seed
        self.cacheGraphs = cacheGraphs
        self.fitStandardization = fitStandardization
    }
}

/// One row of the metrics CSV.
public struct EpochMetrics: Codable, Sendable, Equatable {
    public var epoch: Int
    /// Mean squared error of the training energies over the epoch, eV² (per structure).
    public var trainLoss: Double
    /// Mean absolute error of the validation energies, eV (per structure).
    public var validationMAE: Double
    /// Learning rate at the end of the epoch.
    public var learningRate: Double
    /// Wall-clock seconds since training started.
    public var seconds: Double
    /// Training throughput of this epoch, structures per second.
    public var structuresPerSecond: Double
}

/// Everything needed to continue a run exactly (`--resume`): the lead stores it in the model file.
public struct TrainingCheckpoint: Sendable {
    public var epochsDone: Int
    public var parameters: [Double]
    public var bestParameters: [Double]
    public var bestValidationMAE: Double
    public var epochsWithoutImprovement: Int
    public var optimizerStep: Int
    public var optimizerM: [Double]
    public var optimizerV: [Double]
    public var schedule: LearningRateSchedule
    public var standardization: Standardization
    public var history: [EpochMetrics]

    public init(epochsDone: Int, parameters: [Double], bestParameters: [Double], bestValidationMAE: Double,
                epochsWithoutImprovement: Int, optimizerStep: Int, optimizerM: [Double], optimizerV: [Double],
                schedule: LearningRateSchedule, standardization: Standardization, history: [EpochMetrics]) {
        self.epochsDone = epochsDone
        self.parameters = parameters
        self.bestParameters = bestParameters
        self.bestValidationMAE = bestValidationMAE
        self.epochsWithoutImprovement = epochsWithoutImprovement
        self.optimizerStep = optimizerStep
        self.optimizerM = optimizerM
        self.optimizerV = optimizerV
        self.schedule = schedule
        self.standardization = standardization
        self.history = history
    }
}

public struct TrainingResult: Sendable {
    public var history: [EpochMetrics]
    public var bestValidationMAE: Double
    public var bestEpoch: Int
    public var stoppedEarly: Bool
    public var trainCount: Int
    public var validationCount: Int
}

/// Trains any `EnergyModel<Float>` (or `<Double>`) on an energy dataset with Adam(W), warm-up,
/// reduce-on-plateau and early stopping, minimising the mean over structures of
/// ((E_pred − E_ref) / scale)², scale = the standardisation's per-atom σ.
public final class Trainer<Model: EnergyModel> {
    public let model: Model
    public var configuration: TrainingConfiguration
    /// Called after every epoch (progress line).
    public var onEpoch: ((EpochMetrics) -> Void)?
    /// Called after every epoch with a checkpoint to persist.
    public var onCheckpoint: ((TrainingCheckpoint) -> Void)?

    public init(model: Model, configuration: TrainingConfiguration) {
        self.model = model
        self.configuration = configuration
    }

    /// Trains on `dataset`, validating on `validation` or, if nil, on a name-hash split.
    /// Writes `<stem>.metrics.csv` and `<stem>.learning-curve.svg` next to `modelPath` if given.
    @discardableResult
    public func train(_ dataset: any EnergyDataset, validation: (any EnergyDataset)? = nil,
                      modelPath: URL? = nil, resumeFrom checkpoint: TrainingCheckpoint? = nil) throws -> TrainingResult {
        let cfg = configuration
        guard dataset.count > 0 else { throw GraphNetworkError.emptyDataset }
        guard cfg.batchSize >= 1, cfg.epochs >= 0, cfg.learningRate > 0 else {
            throw GraphNetworkError.invalidHyperparameter("batch size, epochs and learning rate must be positive")
        }
        // Split.
        let trainSet: [(any EnergyDataset, Int)]
        let valSet: [(any EnergyDataset, Int)]
        if let v = validation {
            trainSet = (0..<dataset.count).map { (dataset, $0) }
            valSet = (0..<v.count).map { (v, $0) }
        } else {
            let names = try (0..<dataset.count).map { try dataset.structure(at: $0).name }
            let (t, v) = splitByName(names, validationPercent: cfg.validationPercent)
            trainSet = t.map { (dataset, $0) }
            valSet = v.map { (dataset, $0) }
        }
        guard !trainSet.isEmpty else { throw GraphNetworkError.emptyDataset }
        let trainEnergies = try trainSet.map { try $0.0.energy(at: $0.1) }
        let valEnergies = try valSet.map { try $0.0.energy(at: $0.1) }

        if let c = checkpoint {
            model.standardization = c.standardization
        } else if cfg.fitStandardization {
            let zs = try trainSet.map { try $0.0.structure(at: $0.1).atomicNumbers }
            model.standardization = try Standardization.fit(atomicNumbers: zs, energies: trainEnergies)
        }
        for item in trainSet + valSet { try model.validate(try item.0.structure(at: item.1)) }

        let cutoff = model.cutoff
        func graph(_ item: (any EnergyDataset, Int)) throws -> AtomGraph {
            try AtomGraph(try item.0.structure(at: item.1), cutoff: cutoff)
        }
        let trainGraphs = cfg.cacheGraphs ? try trainSet.map(graph) : nil
        let valGraphs = cfg.cacheGraphs ? try valSet.map(graph) : nil
        func batch(_ set: [(any EnergyDataset, Int)], _ cached: [AtomGraph]?, _ idx: ArraySlice<Int>) throws -> GraphBatch {
            if let c = cached { return GraphBatch(idx.map { c[$0] }) }
            return GraphBatch(try idx.map { try graph(set[$0]) })
        }

        var optimizer = AdamW(weightDecay: cfg.weightDecay)
        var schedule = LearningRateSchedule(base: cfg.learningRate, warmupSteps: cfg.warmupSteps,
                                            factor: cfg.plateauFactor, patience: cfg.plateauPatience,
                                            minimum: cfg.minimumLearningRate)
        var history: [EpochMetrics] = []
        var best = Double.infinity
        var bestParameters = model.parameters.flatValues
        var sinceBest = 0
        var startEpoch = 0
        if let c = checkpoint {
            model.parameters.flatValues = c.parameters.map { Model.Scalar($0) }
            bestParameters = c.bestParameters.map { Model.Scalar($0) }
            best = c.bestValidationMAE
            sinceBest = c.epochsWithoutImprovement
            optimizer.restore(step: c.optimizerStep, m: c.optimizerM, v: c.optimizerV)
            schedule = c.schedule
            history = c.history
            startEpoch = c.epochsDone
        }
        let scale = model.standardization.scale
        let clock = Date()
        let secondsBefore = history.last?.seconds ?? 0
        var stoppedEarly = false

        for epoch in startEpoch..<cfg.epochs {
            let epochStart = Date()
            var order = Array(0..<trainSet.count)
            var rng = SplitMix64(seed: cfg.seed &+ UInt64(epoch) &* 0x9E37_79B9)
            order.shuffle(using: &rng)
            var squaredError = 0.0
            var start = 0
            while start < order.count {
                let idx = order[start..<min(start + cfg.batchSize, order.count)]
                let b = try batch(trainSet, trainGraphs, idx)
                let targets = idx.map { trainEnergies[$0] }
                model.parameters.zeroGradients()
                let n = Double(idx.count)
                let r = model.evaluate(b, parameterGradients: true, positionGradients: false) { e in
                    (0..<e.count).map { 2 * (e[$0] - targets[$0]) / (scale * scale * n) }
                }
                for k in 0..<targets.count { squaredError += (r.energies[k] - targets[k]) * (r.energies[k] - targets[k]) }
                optimizer.update(model.parameters, learningRate: schedule.rate(step: optimizer.step))
                start += cfg.batchSize
            }
            let trainSeconds = Date().timeIntervalSince(epochStart)
            // Validation MAE.
            var absError = 0.0
            start = 0
            while start < valSet.count {
                let idx = Array(start..<min(start + cfg.batchSize, valSet.count))
                let e = model.energies(try batch(valSet, valGraphs, idx[...]))
                for (k, i) in idx.enumerated() { absError += abs(e[k] - valEnergies[i]) }
                start += cfg.batchSize
            }
            // Without validation data the training loss drives scheduling and early stopping.
            let mae = valSet.isEmpty ? (squaredError / Double(trainSet.count)).squareRoot() : absError / Double(valSet.count)
            schedule.observe(mae)
            if mae < best {
                best = mae
                bestParameters = model.parameters.flatValues
                sinceBest = 0
            } else {
                sinceBest += 1
            }
            let metrics = EpochMetrics(epoch: epoch + 1, trainLoss: squaredError / Double(trainSet.count),
                                       validationMAE: mae, learningRate: schedule.rate(step: optimizer.step),
                                       seconds: secondsBefore + Date().timeIntervalSince(clock),
                                       structuresPerSecond: Double(trainSet.count) / max(trainSeconds, 1e-9))
            history.append(metrics)
            onEpoch?(metrics)
            if let cb = onCheckpoint {
                let st = optimizer.state
                cb(TrainingCheckpoint(epochsDone: epoch + 1, parameters: model.parameters.flatValues.map { Double($0) },
                                      bestParameters: bestParameters.map { Double($0) }, bestValidationMAE: best,
                                      epochsWithoutImprovement: sinceBest, optimizerStep: st.step,
                                      optimizerM: st.m, optimizerV: st.v, schedule: schedule,
                                      standardization: model.standardization, history: history))
            }
            if sinceBest >= cfg.earlyStoppingPatience { stoppedEarly = true; break }
        }
        model.parameters.flatValues = bestParameters
        if let path = modelPath { try writeTrainingReport(history, nextTo: path) }
        let bestEpoch = history.firstIndex { $0.validationMAE == best }.map { history[$0].epoch } ?? 0
        return TrainingResult(history: history, bestValidationMAE: best, bestEpoch: bestEpoch,
                              stoppedEarly: stoppedEarly, trainCount: trainSet.count, validationCount: valSet.count)
    }
}

/// `<dir>/<stem>.metrics.csv` and `<dir>/<stem>.learning-curve.svg` for a model at `path`.
public func trainingReportPaths(nextTo path: URL) -> (csv: URL, svg: URL) {
    let stem = path.deletingPathExtension().lastPathComponent
    let dir = path.deletingLastPathComponent()
    return (dir.appendingPathComponent(stem + ".metrics.csv"), dir.appendingPathComponent(stem + ".learning-curve.svg"))
}

public func metricsCSV(_ history: [EpochMetrics]) -> String {
    var s = "epoch,train_loss,val_mae,lr,seconds\n"
    for m in history {
        s += "\(m.epoch),\(m.trainLoss),\(m.validationMAE),\(m.learningRate),\(String(format: "%.3f", m.seconds))\n"
    }
    return s
}

public func writeTrainingReport(_ history: [EpochMetrics], nextTo path: URL) throws {
    let (csv, svg) = trainingReportPaths(nextTo: path)
    do {
        try metricsCSV(history).write(to: csv, atomically: true, encoding: .utf8)
        let plot = LearningCurvePlot(series: [
            .init(label: "validation MAE (eV)", color: "#d62728", points: history.map { (Double($0.epoch), $0.validationMAE) }),
            .init(label: "train RMSE (eV)", color: "#1f77b4", points: history.map { (Double($0.epoch), $0.trainLoss.squareRoot()) }),
        ], xLabel: "epoch", yLabel: "error (eV)", title: "Learning curve")
        try plot.svg().write(to: svg, atomically: true, encoding: .utf8)
    } catch {
        throw GraphNetworkError.io("cannot write training report next to \(path.path): \(error)")
    }
}
