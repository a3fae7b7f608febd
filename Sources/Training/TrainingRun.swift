import ChemistryCore
import Datasets
import Foundation
import GraphNetworks

/// What `chemflow train` asks for.
public struct TrainingRunOptions: Sendable {
    /// Training dataset(s); with no validation file they are split by a stable hash of the name.
    public var dataPaths: [String]
    /// Validation dataset(s) (`--data-val`); empty: split the training data.
    public var validationPaths: [String]
    /// The model file to write; the checkpoint, metrics CSV and learning curve go next to it.
    public var outputPath: String
    public var target: String
    /// Seed included: member k uses seed + k for its initialisation and its shuffling.
    public var hyperparameters: SchNetHyperparameters
    /// Set to train GNoME models (`--model gnome`) instead; `hyperparameters` is then unused and
    /// the average degree is fitted on the training set.
    public var gnomeHyperparameters: GNoMEHyperparameters?
    public var configuration: TrainingConfiguration
    public var ensembleSize: Int
    /// Continue from the checkpoint next to the output if there is one.
    public var resume: Bool
    /// Written to the model file's provenance.
    public var chemflowVersion: String

    public init(dataPaths: [String], validationPaths: [String] = [], outputPath: String, target: String = "energy",
                hyperparameters: SchNetHyperparameters, configuration: TrainingConfiguration, ensembleSize: Int = 1,
                resume: Bool = false, chemflowVersion: String = "unknown", gnomeHyperparameters: GNoMEHyperparameters? = nil) {
        self.dataPaths = dataPaths
        self.validationPaths = validationPaths
        self.outputPath = outputPath
        self.target = target
        self.hyperparameters = hyperparameters
        self.gnomeHyperparameters = gnomeHyperparameters
        self.configuration = configuration
        self.ensembleSize = ensembleSize
        self.resume = resume
        self.chemflowVersion = chemflowVersion
    }

    public var checkpointPath: String { Training.checkpointPath(forModel: outputPath) }

    /// The architecture's hyperparameters: GNoME's if set, else SchNet's.
    public var networkHyperparameters: any NetworkHyperparameters {
        if let g = gnomeHyperparameters { return g }
        return hyperparameters
    }
}

/// One finished epoch, for progress display.
public struct TrainingProgress: Sendable {
    /// Ensemble member (0-based) and the ensemble size.
    public var member: Int
    public var members: Int
    public var metrics: EpochMetrics
    /// Epochs asked for per member.
    public var epochs: Int
}

public struct TrainingRunSummary: Sendable {
    public var modelPath: String
    public var checkpointPath: String
    /// Metrics CSV and learning-curve SVG per member.
    public var reports: [(csv: String, svg: String)]
    public var results: [TrainingResult]
    public var trainCount: Int
    public var validationCount: Int
    /// Records skipped in the dataset files (status not ok or no finite target).
    public var skipped: Int
    /// Validation metrics of the final model (ensemble median), nil without validation data.
    public var validation: EvaluationMetrics?
    /// Epoch the run continued from (member 0), nil for a fresh run.
    public var resumedFromEpoch: Int?
    public var parameterCount: Int
    public var elements: [Int]
    public var seconds: Double
}

/// Datasets → trainer (one model or an ensemble) → checkpoint every epoch → model file.
///
/// The train/validation split, standardisation, shuffling and initialisation are deterministic
/// given the options, and `resume` continues from the checkpoint bit for bit: a run stopped
/// after any epoch and resumed writes the same model file parameters as an uninterrupted run.
public final class TrainingRun {
    public let options: TrainingRunOptions
    /// Called after every epoch of every member.
    public var onEpoch: ((TrainingProgress) -> Void)?
    /// Called once the data are read: (training records, validation records).
    public var onDataLoaded: ((Int, Int) -> Void)?

    public init(options: TrainingRunOptions) {
        self.options = options
    }

    /// Settings that must agree between a checkpoint and the run resuming it.
    func settings(_ h: any NetworkHyperparameters, trainCount: Int, validationCount: Int) -> [String: String] {
        let c = options.configuration
        return h.settings.merging([
            "architecture": type(of: h).architecture, "target": options.target, "shuffle_seed": "\(c.seed)",
            "ensemble": "\(options.ensembleSize)", "batch_size": "\(c.batchSize)",
            "learning_rate": "\(c.learningRate)", "weight_decay": "\(c.weightDecay)",
            "warmup_steps": "\(c.warmupSteps)", "plateau_patience": "\(c.plateauPatience)",
            "early_stopping_patience": "\(c.earlyStoppingPatience)",
            "train_records": "\(trainCount)", "validation_records": "\(validationCount)",
        ]) { $1 }
    }

    public func run() throws -> TrainingRunSummary {
        let clock = Date()
        let o = options
        guard !o.dataPaths.isEmpty else { throw TrainingError("no training data given") }
        guard o.ensembleSize >= 1, o.ensembleSize <= 64 else { throw TrainingError("ensemble size must be between 1 and 64") }
        guard o.configuration.epochs >= 1 else { throw TrainingError("epochs must be at least 1") }
        guard o.configuration.batchSize >= 1 else { throw TrainingError("batch size must be at least 1") }
        guard o.configuration.learningRate > 0, o.configuration.learningRate.isFinite else {
            throw TrainingError("learning rate must be positive")
        }
        var hp = o.networkHyperparameters
        do { try hp.validate() } catch { throw TrainingError("\(error)") }

        // Data and the split (done here, so that the validation set is known for the final metrics).
        let sources = try o.dataPaths.map { try HDF5DatasetSource(path: $0, target: o.target) }
        let valSources = try o.validationPaths.map { try HDF5DatasetSource(path: $0, target: o.target) }
        let all: any EnergyDataset = sources.count == 1 ? sources[0] : ConcatenatedDataset(sources)
        let train: any EnergyDataset, validation: any EnergyDataset
        if valSources.isEmpty {
            let names = try (0..<all.count).map { try all.structure(at: $0).name }
            let (t, v) = splitByName(names, validationPercent: o.configuration.validationPercent)
            train = SubsetDataset(all, indices: t)
            validation = SubsetDataset(all, indices: v)
        } else {
            train = all
            validation = valSources.count == 1 ? valSources[0] : ConcatenatedDataset(valSources)
        }
        guard train.count > 0 else { throw TrainingError("no training records left after the validation split") }
        var trainElements = Set<Int>()
        for i in 0..<train.count {
            let s = try train.structure(at: i)
            guard s.count > 0 else { throw TrainingError("structure '\(s.name)' has no atoms") }
            for z in s.atomicNumbers {
                guard z >= 1, z <= hp.maxAtomicNumber else {
                    throw TrainingError("structure '\(s.name)' has atomic number \(z), outside 1...\(hp.maxAtomicNumber)")
                }
                trainElements.insert(z)
            }
        }
        for i in 0..<validation.count {
            let s = try validation.structure(at: i)
            if let z = s.atomicNumbers.first(where: { !trainElements.contains($0) }) {
                throw TrainingError("validation structure '\(s.name)' contains \(Elements.symbol(z)), an element no training structure has (training elements: \(elementList(trainElements.sorted())))")
            }
        }
        onDataLoaded?(train.count, validation.count)
        do { hp = try hp.fitted(to: train) } catch let e as TrainingError { throw e } catch { throw TrainingError("\(error)") }
        let settings = self.settings(hp, trainCount: train.count, validationCount: validation.count)

        // Checkpoint.
        var saved: [TrainingCheckpoint] = []
        let checkpointPath = o.checkpointPath
        if o.resume, FileManager.default.fileExists(atPath: checkpointPath) {
            let c = try RunCheckpoint.read(path: checkpointPath)
            let differences = settings.keys.sorted().filter { c.settings[$0] != settings[$0] }
            guard differences.isEmpty else {
                let list = differences.map { "\($0) \(c.settings[$0] ?? "none") vs \(settings[$0]!)" }.joined(separator: ", ")
                throw TrainingError("cannot resume from '\(checkpointPath)': it was made with other settings (\(list))")
            }
            saved = Array(c.members.prefix(o.ensembleSize))
        }
        let resumedFrom = saved.first?.epochsDone

        // Members.
        var models: [any ChemflowNetwork] = [], results: [TrainingResult] = [], reports: [(String, String)] = []
        for k in 0..<o.ensembleSize {
            var memberHP = hp
            memberHP.seed = hp.seed &+ UInt64(k)
            let model: any ChemflowNetwork
            do { model = try memberHP.makeNetwork() } catch { throw TrainingError("\(error)") }
            var cfg = o.configuration
            cfg.seed = o.configuration.seed &+ UInt64(k)
            let resumeState = k < saved.count ? saved[k] : nil
            if let c = resumeState {
                guard c.parameters.count == model.parameterCount, c.bestParameters.count == model.parameterCount,
                      c.optimizerM.isEmpty || c.optimizerM.count == model.parameterCount else {
                    throw TrainingError("cannot resume from '\(checkpointPath)': its parameters do not fit the model")
                }
                // Finished members (all epochs, or stopped early) are restored, not trained further.
                if c.epochsDone >= cfg.epochs || c.epochsWithoutImprovement >= cfg.earlyStoppingPatience {
                    cfg.epochs = c.epochsDone
                }
            }
            let epochs = cfg.epochs, members = o.ensembleSize
            let onEpoch: (EpochMetrics) -> Void = { [weak self] m in
                self?.onEpoch?(TrainingProgress(member: k, members: members, metrics: m, epochs: epochs))
            }
            var checkpointError: Error?
            let onCheckpoint: (TrainingCheckpoint) -> Void = { c in
                if k < saved.count { saved[k] = c } else { saved.append(c) }
                do { try RunCheckpoint(settings: settings, members: saved).write(to: checkpointPath) } catch {
                    checkpointError = error
                }
            }
            let (csv, svg) = Training.reportPaths(forModel: o.outputPath, member: k, of: members)
            let reportURL = URL(fileURLWithPath: csv).deletingLastPathComponent()
                .appendingPathComponent(URL(fileURLWithPath: csv).lastPathComponent
                    .replacingOccurrences(of: ".metrics.csv", with: ".h5"))
            let result: TrainingResult
            do {
                result = try Self.train(model, configuration: cfg, onEpoch: onEpoch, onCheckpoint: onCheckpoint,
                                        train, validation: validation.count > 0 ? validation : nil,
                                        modelPath: reportURL, resumeFrom: resumeState)
            } catch let e as TrainingError {
                throw e
            } catch {
                throw TrainingError("\(error)")
            }
            if let e = checkpointError { throw e }
            var r = result
            if let c = resumeState, r.history.count == c.history.count {
                r.stoppedEarly = c.epochsWithoutImprovement >= o.configuration.earlyStoppingPatience
            }
            models.append(model)
            results.append(r)
            reports.append((csv, svg))
        }

        let model = try ChemflowModel(members: models)
        let metrics = validation.count > 0 ? try model.evaluate(validation) : nil
        var final: [String: Double] = [:]
        if let m = metrics {
            final["val_mae_ev"] = m.mae
            final["val_rmse_ev"] = m.rmse
            final["val_mae_ev_per_atom"] = m.maePerAtom
            final["val_rmse_ev_per_atom"] = m.rmsePerAtom
        }
        final["best_val_mae_ev"] = results.map(\.bestValidationMAE).reduce(0, +) / Double(results.count)
        if let last = results[0].history.last { final["train_loss_ev2"] = last.trainLoss }
        final["seconds"] = results.compactMap { $0.history.last?.seconds }.reduce(0, +)
        model.provenance = TrainingProvenance(
            datasetPaths: o.dataPaths.map(absolute), validationPaths: o.validationPaths.map(absolute),
            datasetMethod: sources[0].methodAttributes, target: o.target,
            epochs: results.map { $0.history.count }.max() ?? 0, epochsRequested: o.configuration.epochs,
            seed: hp.seed, trainCount: train.count, validationCount: validation.count,
            configuration: o.configuration, finalMetrics: final, chemflowVersion: o.chemflowVersion)
        try model.write(to: o.outputPath)
        return TrainingRunSummary(
            modelPath: o.outputPath, checkpointPath: checkpointPath, reports: reports, results: results,
            trainCount: train.count, validationCount: validation.count,
            skipped: (sources + valSources).map(\.skipped).reduce(0, +), validation: metrics,
            resumedFromEpoch: resumedFrom, parameterCount: model.parameterCount, elements: model.elements,
            seconds: Date().timeIntervalSince(clock))
    }
}

extension TrainingRun {
    /// One member through `Trainer`, for a network of any architecture (opens the existential).
    static func train<M: ChemflowNetwork>(_ model: M, configuration: TrainingConfiguration,
                                          onEpoch: @escaping (EpochMetrics) -> Void,
                                          onCheckpoint: @escaping (TrainingCheckpoint) -> Void,
                                          _ dataset: any EnergyDataset, validation: (any EnergyDataset)?,
                                          modelPath: URL, resumeFrom checkpoint: TrainingCheckpoint?) throws -> TrainingResult {
        let trainer = Trainer(model: model, configuration: configuration)
        trainer.onEpoch = onEpoch
        trainer.onCheckpoint = onCheckpoint
        return try trainer.train(dataset, validation: validation, modelPath: modelPath, resumeFrom: checkpoint)
    }
}

func absolute(_ path: String) -> String {
    URL(fileURLWithPath: path).standardizedFileURL.path
}
