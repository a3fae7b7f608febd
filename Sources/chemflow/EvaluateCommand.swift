import ArgumentParser
import Foundation
import GraphNetworks
import Training

/// `chemflow evaluate`: a model's errors on a labelled dataset.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Mean absolute and root-mean-square errors of a model on a chemflow HDF5 dataset.",
        discussion: """
        Uses the records with status ok and a finite target. Errors are per structure (eV) and per atom (error / number of atoms, eV/atom); for ensembles the median prediction is scored.
        """
    )

    @Option(help: "Model file (HDF5) written by chemflow train.")
    var model: String

    @Option(help: "Labelled dataset (chemflow HDF5).")
    var data: String

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    func run() throws {
        do {
            let m = try ChemflowModel.load(path: model)
            let source = try HDF5DatasetSource(path: data, target: m.provenance.target)
            for i in 0..<source.count { try m.validate(try source.structure(at: i)) }
            let r = try m.evaluate(source)
            if json {
                print(Terminal.jsonLine(jsonSafe([
                    "model": model, "data": data, "count": r.count, "skipped": source.skipped,
                    "mae_ev": r.mae, "rmse_ev": r.rmse, "mae_ev_per_atom": r.maePerAtom,
                    "rmse_ev_per_atom": r.rmsePerAtom, "max_abs_error_ev": r.maxAbsoluteError,
                    "mean_spread_ev": r.meanSpread, "ensemble": m.members.count,
                ])))
                return
            }
            print("\(data): \(r.count) structures\(source.skipped > 0 ? " (\(source.skipped) skipped: status not ok)" : "")")
            print(String(format: "  MAE  %.6f eV   %.6f eV/atom", r.mae, r.maePerAtom))
            print(String(format: "  RMSE %.6f eV   %.6f eV/atom", r.rmse, r.rmsePerAtom))
            print(String(format: "  max |error| %.6f eV", r.maxAbsoluteError))
            if m.isEnsemble { print(String(format: "  mean ensemble spread (IQR) %.6f eV over %d models", r.meanSpread, m.members.count)) }
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(ExitStatus.failure)
        }
    }
}
