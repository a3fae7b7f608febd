import ArgumentParser
import Foundation
import GraphNetworks
import Training

/// What `chemflow train` minimises.
enum TrainingLossOption: String, ExpressibleByArgument, CaseIterable {
    case energy
    case dftEnergy = "dft-energy"
}

/// The architectures `chemflow train --model` accepts.
enum ModelArchitectureOption: String, ExpressibleByArgument, CaseIterable {
    case schnet, gnome
}

/// `chemflow train`: a SchNet or GNoME network (or an ensemble) on chemflow HDF5 datasets → an HDF5 model file.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a SchNet or GNoME energy model on chemflow HDF5 datasets and write an HDF5 model file.",
        discussion: """
        Defaults are sized for a small machine: 30 epochs, batch 32, lr 5e-4, 64 features, 3 interactions, 50 radial functions, cutoff 5 Å. The SchNet paper / SchNetPack defaults are 128 features and 6 interactions (pass --features 128 --interactions 6 for those). --model gnome trains GNoME's crystal graph network instead (Merchant et al. 2023): --width (default 256) and --steps (message-passing steps, default 3), 30 radial functions and a 4 Å cutoff by default; the average degree that normalises its messages is computed from the training set and saved in the model file. --features and --interactions are SchNet's only, --width and --steps GNoME's only. Without --data-val, structures are split into training and validation by a stable hash of their name (--val-percent, default 10). Only records with status ok are used. Next to MODEL.h5 the run writes MODEL.metrics.csv, MODEL.learning-curve.svg (ensembles: MODEL.memberK.*) and MODEL.checkpoint.h5, updated every epoch; --resume continues from the checkpoint exactly (also to extend a finished run with more --epochs). Progress (epoch, loss, validation MAE, molecules/s, ETA) is shown on a terminal only.
        """
    )

    @Option(name: .customLong("data"), help: "Training dataset (chemflow HDF5). Repeat to combine several.")
    var data: [String] = []

    @Option(name: .customLong("data-val"), help: "Validation dataset (default: a hash split of --data). Repeatable.")
    var dataVal: [String] = []

    @Option(help: "Model file to write (HDF5).")
    var output: String

    @Option(help: "Target label (energy).")
    var target: String = "energy"

    @Option(name: .customLong("epochs"), help: "Epochs (default 30; dft-energy 10).")
    var epochsOption: Int?

    @Option(name: .customLong("batch-size"), help: "Structures per optimiser step (default 32; dft-energy 2).")
    var batchSizeOption: Int?

    @Option(name: .customLong("lr"), help: "Adam learning rate (default 5e-4; dft-energy 1e-3, after --warmup-steps).")
    var lrOption: Double?

    @Option(help: "Loss: energy (labels from --data) or dft-energy (no labels: the DFT energy of the density a Hamiltonian network predicts for the conformers in --input; see docs/hamiltonian-learning.md).")
    var loss: TrainingLossOption = .energy

    @OptionGroup var dftEnergy: DFTEnergyLossOptions

    var epochs: Int { epochsOption ?? (loss == .energy ? 30 : 10) }
    var batchSize: Int { batchSizeOption ?? (loss == .energy ? 32 : 2) }
    var lr: Double { lrOption ?? (loss == .energy ? 5e-4 : 1e-3) }

    @Option(help: "Architecture: schnet or gnome.")
    var model: ModelArchitectureOption = .schnet

    @Option(help: "SchNet atom features (default 64; SchNet paper: 128); dft-energy: atom features of the Hamiltonian model (default 16).")
    var features: Int?

    @Option(help: "SchNet interaction blocks (default 3; SchNet paper: 6).")
    var interactions: Int?

    @Option(help: "GNoME width of node, edge and global features and MLPs (default 256, as GNoME).")
    var width: Int?

    @Option(help: "GNoME message-passing steps (default 3, as GNoME).")
    var steps: Int?

    @Option(name: .customLong("radial-functions"), help: "Gaussian radial basis functions (default: schnet 50, gnome 30).")
    var radialFunctions: Int?

    @Option(help: "Neighbour cutoff in Å (default: schnet 5, gnome 4).")
    var cutoff: Double?

    @Option(help: "Train this many models with seeds seed, seed+1, … (predictions: median and spread).")
    var ensemble: Int = 1

    @Option(help: "Random seed (initialisation and shuffling).")
    var seed: UInt64 = 0

    @Option(name: .customLong("val-percent"), help: "Percent of --data used for validation when there is no --data-val.")
    var valPercent: Int = 10

    @Option(help: "Stop after this many epochs without a better validation MAE.")
    var patience: Int = 20

    @Flag(help: "Continue from the checkpoint next to --output.")
    var resume = false

    @Flag(help: "Print the final summary as one JSON object.")
    var json = false

    func validate() throws {
        if loss == .dftEnergy {
            guard data.isEmpty, dataVal.isEmpty else { throw ValidationError("--loss dft-energy trains on --input conformers, not --data") }
            try dftEnergy.check()
        } else {
            guard dftEnergy.input == nil else { throw ValidationError("--input is for --loss dft-energy (labelled data: --data)") }
        }
        if data.isEmpty && loss == .energy { throw ValidationError("--data is required") }
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard lr > 0, lr.isFinite else { throw ValidationError("--lr must be positive") }
        switch model {
        case .schnet:
            if width != nil || steps != nil { throw ValidationError("--width and --steps are for --model gnome (SchNet uses --features and --interactions)") }
        case .gnome:
            if features != nil || interactions != nil { throw ValidationError("--features and --interactions are for --model schnet (GNoME uses --width and --steps)") }
        }
        guard (2...4096).contains(features ?? 64) else { throw ValidationError("--features must be between 2 and 4096") }
        guard (0...64).contains(interactions ?? 3) else { throw ValidationError("--interactions must be between 0 and 64") }
        guard (2...4096).contains(width ?? 256) else { throw ValidationError("--width must be between 2 and 4096") }
        guard (1...64).contains(steps ?? 3) else { throw ValidationError("--steps must be between 1 and 64") }
        guard (2...1024).contains(radialFunctions ?? 30) else { throw ValidationError("--radial-functions must be between 2 and 1024") }
        if let c = cutoff {
            guard c > 0, c <= 50 else { throw ValidationError("--cutoff must be in (0, 50] Å") }
            guard model == .schnet || c > GNoMEHyperparameters.radialStart else {
                throw ValidationError("--cutoff must exceed \(GNoMEHyperparameters.radialStart) Å, the first GNoME radial centre")
            }
        }
        guard ensemble >= 1, ensemble <= 64 else { throw ValidationError("--ensemble must be between 1 and 64") }
        guard (0...50).contains(valPercent) else { throw ValidationError("--val-percent must be between 0 and 50") }
        guard patience >= 1 else { throw ValidationError("--patience must be at least 1") }
    }

    func run() throws {
        if loss == .dftEnergy {
            try trainWithDFTEnergyLoss(options: dftEnergy, output: output, epochs: epochs, batchSize: batchSize,
                                       learningRate: lr, features: features, seed: seed, json: json)
            return
        }
        let outURL = URL(fileURLWithPath: output)
        let dir = outURL.deletingLastPathComponent().path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue,
              FileManager.default.isWritableFile(atPath: dir) else {
            Terminal.error("cannot write the model to '\(output)': directory '\(dir)' does not exist or is not writable")
            throw ExitCode(ExitStatus.failure)
        }
        let outPath = outURL.standardizedFileURL.path
        if let clash = (data + dataVal).first(where: { URL(fileURLWithPath: $0).standardizedFileURL.path == outPath }) {
            Terminal.error("--output '\(output)' is also a dataset ('\(clash)'); choose another model file")
            throw ExitCode(ExitStatus.failure)
        }
        var config = TrainingConfiguration(epochs: epochs, batchSize: batchSize, learningRate: lr,
                                           earlyStoppingPatience: patience, validationPercent: valPercent, seed: seed)
        config.plateauPatience = max(1, min(5, patience / 2))
        let schnet = SchNetHyperparameters(features: features ?? 64, interactions: interactions ?? 3,
                                           radialFunctions: radialFunctions ?? 50, cutoff: cutoff ?? 5.0, seed: seed)
        // GNoME's average degree is fitted on the training set by the run.
        let gnome = model == .gnome
            ? GNoMEHyperparameters(width: width ?? 256, steps: steps ?? 3, radialFunctions: radialFunctions ?? 30,
                                   cutoff: cutoff ?? 4.0, seed: seed) : nil
        let options = TrainingRunOptions(
            dataPaths: data, validationPaths: dataVal, outputPath: output, target: target, hyperparameters: schnet,
            configuration: config, ensembleSize: ensemble, resume: resume, chemflowVersion: ChemflowVersion.string,
            gnomeHyperparameters: gnome)
        if resume && !FileManager.default.fileExists(atPath: options.checkpointPath) {
            Terminal.warning("no checkpoint '\(options.checkpointPath)' to resume from; starting from scratch")
        }
        let run = TrainingRun(options: options)
        let start = Date()
        var epochsThisProcess = 0
        run.onEpoch = { p in
            epochsThisProcess += 1
            let perEpoch = Date().timeIntervalSince(start) / Double(epochsThisProcess)
            let remaining = (p.epochs - p.metrics.epoch) + (p.members - p.member - 1) * p.epochs
            var line = p.members > 1 ? "model \(p.member + 1)/\(p.members) " : ""
            line += "epoch \(p.metrics.epoch)/\(p.epochs)"
            line += String(format: "  loss %.4g eV²  val MAE %.4f eV  %.0f molecules/s", p.metrics.trainLoss,
                           p.metrics.validationMAE, p.metrics.structuresPerSecond)
            line += "  ETA " + formatDuration(perEpoch * Double(max(0, remaining)))
            Terminal.progress(line)
        }
        let summary: TrainingRunSummary
        do {
            summary = try run.run()
        } catch {
            Terminal.endProgress()
            Terminal.error("\(error)")
            throw ExitCode(ExitStatus.failure)
        }
        Terminal.endProgress()
        if summary.results.contains(where: { $0.history.contains { !$0.trainLoss.isFinite } }) {
            Terminal.warning("training diverged (the loss became NaN or infinite); the model keeps the best weights seen before, so try a lower --lr")
        }
        let best = summary.results[0]
        let epochsRun = summary.results.map { $0.history.count }.max() ?? 0
        // The fitted average degree is read back from the model file just written.
        let averageDegree = gnome == nil ? nil
            : ((try? ChemflowModel.load(path: summary.modelPath))?.hyperparameters as? GNoMEHyperparameters)?.averageDegree
        if json {
            var object: [String: Any] = [
                "model": summary.modelPath, "checkpoint": summary.checkpointPath,
                "metrics_csv": summary.reports.map(\.csv), "learning_curve_svg": summary.reports.map(\.svg),
                "ensemble": summary.results.count, "epochs": epochsRun, "train_count": summary.trainCount,
                "validation_count": summary.validationCount, "skipped": summary.skipped,
                "parameters": summary.parameterCount, "elements": summary.elements,
                "best_epoch": best.bestEpoch, "stopped_early": summary.results.map(\.stoppedEarly),
                "best_val_mae_ev": summary.results.map(\.bestValidationMAE),
                "architecture": model.rawValue, "cutoff": gnome?.cutoff ?? schnet.cutoff, "seed": seed,
                "radial_functions": gnome?.radialFunctions ?? schnet.radialFunctions, "seconds": summary.seconds,
            ]
            if let g = gnome {
                object["width"] = g.width
                object["steps"] = g.steps
                object["average_degree"] = averageDegree.map { $0 as Any } ?? NSNull()
            } else {
                object["features"] = schnet.features
                object["interactions"] = schnet.interactions
            }
            object["resumed_from_epoch"] = summary.resumedFromEpoch.map { $0 as Any } ?? NSNull()
            if let v = summary.validation {
                object["val_mae_ev"] = v.mae
                object["val_rmse_ev"] = v.rmse
                object["val_mae_ev_per_atom"] = v.maePerAtom
                object["val_rmse_ev_per_atom"] = v.rmsePerAtom
            }
            if let last = best.history.last { object["train_loss_ev2"] = last.trainLoss }
            print(Terminal.jsonLine(jsonSafe(object)))
            return
        }
        let name = gnome == nil ? "SchNet" : "GNoME"
        let ens = summary.results.count > 1 ? "ensemble of \(summary.results.count) \(name)s" : name
        let size = gnome.map { g in
            "width \(g.width) × \(g.steps) steps, cutoff \(g.cutoff) Å, average degree " + (averageDegree.map { String(format: "%.3f", $0) } ?? "?")
        } ?? "\(schnet.features) features × \(schnet.interactions) interactions, cutoff \(schnet.cutoff) Å"
        print("\(summary.modelPath): \(ens), \(size), \(summary.parameterCount) parameters\(summary.results.count > 1 ? " each" : "")")
        var trained = "  trained \(epochsRun) epochs on \(summary.trainCount) structures"
        if let r = summary.resumedFromEpoch { trained += " (resumed after epoch \(r))" }
        if summary.skipped > 0 { trained += "; \(summary.skipped) records skipped (status not ok)" }
        print(trained + String(format: ", %.1f s", summary.seconds))
        if let v = summary.validation {
            print(String(format: "  validation (%d structures): MAE %.4f eV (%.4f eV/atom), RMSE %.4f eV (%.4f eV/atom); best epoch %d",
                         v.count, v.mae, v.maePerAtom, v.rmse, v.rmsePerAtom, best.bestEpoch))
        } else {
            print("  no validation structures (the training RMSE drove scheduling and early stopping)")
        }
        if summary.results.contains(where: \.stoppedEarly) { print("  stopped early (no improvement for \(patience) epochs)") }
        for (csv, svg) in summary.reports {
            print("  metrics \(csv)")
            print("  learning curve \(svg)")
        }
        print("  checkpoint \(summary.checkpointPath) (for --resume)")
    }
}

/// JSON cannot hold NaN or ±∞ (and `JSONSerialization` traps on them): such numbers become null.
func jsonSafe(_ object: [String: Any]) -> [String: Any] {
    func clean(_ v: Any) -> Any {
        if let d = v as? Double { return d.isFinite ? d : NSNull() }
        if let a = v as? [Double] { return a.map { $0.isFinite ? $0 as Any : NSNull() } }
        if let a = v as? [[Double]] { return a.map { clean($0) } }
        if let a = v as? [Any] { return a.map(clean) }
        if let d = v as? [String: Any] { return d.mapValues(clean) }
        return v
    }
    return object.mapValues(clean)
}
