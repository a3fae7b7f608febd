import ArgumentParser
import ChemistryCore
import Datasets
import Foundation
import HamiltonianLearning
import Training

/// `chemflow inspect MODEL.h5`: what a model file holds (SchNet, GNoME or a Hamiltonian model).
extension InspectCommand {
    /// Whether `path` is a model file (root attribute format = "chemflow-model").
    static func isModelFile(_ path: String) -> Bool {
        guard let file = try? HDF5File.open(path: path), let root = try? file.root() else { return false }
        defer { try? file.close() }
        return (try? root.stringAttribute("format")) == Training.modelFormatName
    }

    func inspectModel() throws {
        guard !records else { throw ValidationError("--records is for datasets; '\(file)' is a model file") }
        do {
            let summary = HamiltonianModelStore.isHamiltonianModel(file) ? try hamiltonianSummary() : try networkSummary()
            if json { print(Terminal.jsonLine(jsonSafe(summary))); return }
            let elements = (summary["elements"] as? [Int] ?? []).map(Elements.symbol).joined(separator: " ")
            print("\(file): \(summary["architecture"]!) model, \(summary["parameters"]!) parameters, elements \(elements)")
            for key in summary.keys.sorted() where !["file", "architecture", "parameters", "elements"].contains(key) {
                print("  \(key)  \(Self.text(summary[key]!))")
            }
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(ExitStatus.failure)
        }
    }

    /// A summary value as one line: dictionaries as sorted `key=value` pairs, arrays comma-separated.
    private static func text(_ value: Any) -> String {
        if let d = value as? [String: String] { return d.keys.sorted().map { "\($0)=\(d[$0]!)" }.joined(separator: ", ") }
        if let a = value as? [String] { return a.joined(separator: ", ") }
        return "\(value)"
    }

    /// `train --loss dft-energy`: method, architecture, unrolled SCF steps, and the learning curve's
    /// best held-out gap.
    private func hamiltonianSummary() throws -> [String: Any] {
        let (model, history) = try HamiltonianModelStore.read(file)
        let c = model.configuration
        var summary: [String: Any] = [
            "file": file, "architecture": "hamiltonian", "parameters": model.parameterCount, "elements": c.elements,
            "xc": c.functional, "basis": c.basis, "grid_level": c.gridLevel, "features": c.features, "hidden": c.hidden,
            "radial_functions": c.radialCount, "cutoff_angstrom": c.cutoff, "scf_steps": c.scfSteps,
            "scf_mixing": c.scfMixing, "epochs": max(0, history.count - 1),
        ]
        if let best = history.filter({ $0.heldOutGap?.isFinite == true }).min(by: { $0.heldOutGap! < $1.heldOutGap! }) {
            summary["best_epoch"] = best.epoch
            summary["held_out_gap_hartree"] = best.heldOutGap!
        }
        return summary
    }

    /// SchNet or GNoME (`train --data`): hyperparameters, ensemble, and the provenance of training.
    private func networkSummary() throws -> [String: Any] {
        let model = try ChemflowModel.load(path: file)
        let p = model.provenance
        var summary: [String: Any] = [
            "file": file, "architecture": model.architecture, "parameters": model.parameterCount,
            "elements": model.elements, "ensemble_size": model.members.count, "target": p.target,
            "hyperparameters": model.hyperparameters.settings, "epochs": p.epochs, "train_count": p.trainCount,
            "validation_count": p.validationCount, "datasets": p.datasetPaths, "dataset_method": p.datasetMethod,
            "chemflow_version": p.chemflowVersion, "created": p.created,
        ]
        for (key, value) in p.finalMetrics { summary[key] = value }
        return summary
    }
}
