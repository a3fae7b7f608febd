import ArgumentParser
import ChemistryCore
import Foundation
import GraphNetworks
import HamiltonianLearning

extension HamiltonianLearningRateSchedule.Shape: ExpressibleByArgument {}

/// Options of `chemflow train --loss dft-energy` (a Hamiltonian network trained with the DFT energy as its loss).
struct DFTEnergyLossOptions: ParsableArguments {
    @Option(help: "dft-energy: conformers to train on (XYZ/extended XYZ, SDF), no labels needed.")
    var input: String?

    @Option(help: "dft-energy: exchange-correlation functional (libxc name or alias; hf for Hartree-Fock).")
    var xc = "b3lyp5"

    @Option(help: "dft-energy: basis set.")
    var basis = "sto-3g"

    @Option(name: .customLong("grid-level"), help: "dft-energy: integration grid level 0-9 (as PySCF).")
    var gridLevel = 3

    @Option(name: .customLong("held-out"), help: "dft-energy: conformers kept out of training; each gets one converged SCF to measure the gap.")
    var heldOut = 8

    @Option(help: "dft-energy: conformers evaluated in parallel (threads, each with single-threaded BLAS); results do not depend on it.")
    var threads = 2

    @Option(name: .customLong("ao-cache-mib"), help: "dft-energy: memory per conformer for AO values on the grid kept across epochs (MiB).")
    var aoCacheMiB = 32

    @Option(name: .customLong("lr-schedule"), help: "dft-energy: learning-rate schedule after the warm-up: cosine (decays to 1% of --lr at the last step) or constant.")
    var lrSchedule: HamiltonianLearningRateSchedule.Shape = .constant

    @Option(name: .customLong("warmup-steps"), help: "dft-energy: optimiser steps of linear learning-rate warm-up.")
    var warmupSteps = 10

    @Option(help: "dft-energy: width of the pair network's two hidden layers (default 32); atom features: --features (default 16).")
    var hidden: Int?

    @Flag(inversion: .prefixedNo, help: "dft-energy: scale the learned coefficients per input block family (kinetic, nuclear, … blocks by element and shell) from the training conformers.")
    var inputScaling = true

    @Option(name: .customLong("scf-steps"), help: "dft-energy: damped Roothaan steps unrolled after the predicted density, in training and in every prediction of the model (QPT's unrolled SCF; the loss is the energy after them, differentiated through them with the libxc XC kernel; each costs about two SCF iterations per conformer and step).")
    var scfSteps = 0

    @Option(name: .customLong("scf-mixing"), help: "dft-energy: fraction α of the new density in each --scf-steps step, D ← (1 − α) D + α D_new.")
    var scfMixing = 0.5

    /// Called by `TrainCommand.validate` for --loss dft-energy only (a `validate()` here would run for every loss).
    func check() throws {
        guard input != nil else { throw ValidationError("--loss dft-energy needs --input CONFORMERS.xyz") }
        guard (0...9).contains(gridLevel) else { throw ValidationError("--grid-level must be between 0 and 9") }
        guard heldOut >= 0 else { throw ValidationError("--held-out must be at least 0") }
        guard warmupSteps >= 0, (hidden ?? 1) > 0 else { throw ValidationError("--warmup-steps must be at least 0 and --hidden positive") }
        guard scfSteps >= 0, scfMixing > 0, scfMixing <= 1 else { throw ValidationError("--scf-steps must be at least 0 and --scf-mixing in (0, 1]") }
        guard threads > 0, aoCacheMiB >= 0 else { throw ValidationError("--threads must be positive and --ao-cache-mib at least 0") }
    }
}

/// Runs `train --loss dft-energy`: trains, writes MODEL.h5 (HDF5), MODEL.metrics.csv and
/// MODEL.learning-curve.svg, prints a summary (or one JSON object).
func trainWithDFTEnergyLoss(options: DFTEnergyLossOptions, output: String, epochs: Int, batchSize: Int,
                            learningRate: Double, features: Int?, seed: UInt64, json: Bool) throws {
    do {
        let conformers = try StructureFiles.read(path: options.input!)
        var settings = HamiltonianTrainingSettings()
        settings.model.functional = options.xc
        settings.model.basis = options.basis
        settings.model.gridLevel = options.gridLevel
        settings.model.seed = seed
        settings.model.elements = Array(Set(conformers.flatMap(\.atomicNumbers))).sorted()
        settings.epochs = epochs
        settings.batchSize = batchSize
        settings.learningRate = learningRate
        settings.heldOutCount = min(options.heldOut, max(0, conformers.count - 1))
        settings.seed = seed
        if let f = features { settings.model.features = f }
        if let h = options.hidden { settings.model.hidden = h }
        settings.schedule = HamiltonianLearningRateSchedule(shape: options.lrSchedule, warmupSteps: options.warmupSteps)
        settings.scaleInputs = options.inputScaling
        if options.scfSteps > 0 {
            settings.model.unrolledSCFSteps = options.scfSteps
            settings.model.unrolledSCFMixing = options.scfMixing
        }
        settings.threads = options.threads
        settings.aoCacheBytes = options.aoCacheMiB << 20
        let started = Date()
        let reportPaths = trainingReportPaths(nextTo: URL(fileURLWithPath: output))
        var csv = "epoch,train_energy_hartree,held_out_gap_hartree,held_out_max_gap_hartree,seconds\n"
        let result = try trainHamiltonianModel(conformers: conformers, settings: settings) { r in
            let seconds = Date().timeIntervalSince(started)
            csv += "\(r.epoch),\(r.trainingEnergy),\(r.heldOutGap.map { "\($0)" } ?? ""),\(r.heldOutMaxGap.map { "\($0)" } ?? ""),\(seconds)\n"
            try? csv.write(to: reportPaths.csv, atomically: true, encoding: .utf8)
            var line = "epoch \(r.epoch)/\(epochs)  mean energy \(String(format: "%.6f", r.trainingEnergy)) Ha"
            if let gap = r.heldOutGap { line += String(format: "  held-out gap to SCF %.3f mHa", gap * 1000) }
            if r.epoch > 0 {
                let eta = seconds / Double(r.epoch) * Double(epochs - r.epoch)
                line += String(format: "  %.1f s/epoch  ETA %.0f s", seconds / Double(r.epoch), eta)
            }
            Terminal.progress(line)
        }
        Terminal.endProgress()
        try HamiltonianModelStore.write(result.model, history: result.history, chemflowVersion: ChemflowVersion.string, to: output)
        let gaps = result.history.compactMap { r in r.heldOutGap.map { (Double(r.epoch), abs($0) * 1000) } }
        if !gaps.isEmpty {
            let plot = LearningCurvePlot(series: [.init(label: "held-out |E[D_pred] − E_SCF|", color: "#1f77b4", points: gaps)],
                                         xLabel: "epoch", yLabel: "mHa", title: "chemflow train --loss dft-energy")
            try plot.svg().write(to: reportPaths.svg, atomically: true, encoding: .utf8)
        }
        let last = result.history[result.bestEpoch]
        let seconds = Date().timeIntervalSince(started)
        if json {
            print(Terminal.jsonLine(jsonSafe([
                "model": output, "loss": "dft-energy", "epochs": epochs, "conformers": conformers.count,
                "held_out": result.heldOut.count, "scf_steps": options.scfSteps, "scf_mixing": options.scfMixing, "xc": options.xc, "basis": options.basis, "grid_level": options.gridLevel,
                "train_energy_hartree": last.trainingEnergy, "held_out_gap_hartree": last.heldOutGap ?? Double.nan,
                "held_out_max_gap_hartree": last.heldOutMaxGap ?? Double.nan, "best_epoch": result.bestEpoch, "seconds": seconds,
                "metrics_csv": reportPaths.csv.path, "learning_curve_svg": reportPaths.svg.path,
            ])))
        } else {
            print("\(output): Hamiltonian model (\(options.xc)/\(options.basis)), trained \(epochs) epochs on \(conformers.count - result.heldOut.count) conformers with the DFT energy as the loss\(options.scfSteps > 0 ? " after \(options.scfSteps) unrolled SCF step(s) (mixing \(options.scfMixing))" : "")")
            if let gap = last.heldOutGap, let maxGap = last.heldOutMaxGap {
                print(String(format: "  held-out (%d conformers): mean gap to the converged SCF %.3f mHa, largest %.3f mHa (epoch %d, the best)", result.heldOut.count, gap * 1000, maxGap * 1000, result.bestEpoch))
            }
            print(String(format: "  %.1f s; metrics %@", seconds, reportPaths.csv.path))
        }
    } catch {
        Terminal.error("\(error)")
        throw ExitCode(ExitStatus.failure)
    }
}
