import ArgumentParser
import Datasets
import Discovery
import Foundation

/// `chemflow inspect`: what a chemflow HDF5 dataset holds.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Summarise a chemflow HDF5 dataset, model or campaign file, or print a dataset's records as JSON lines.")

    @Argument(help: "Dataset, model or campaign file (.h5).")
    var file: String

    @Flag(help: "Print one JSON object per record (JSON Lines) instead of the summary.")
    var records = false

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func run() throws {
        if CampaignStore.isCampaignFile(file) { return try inspectCampaign() }
        if Self.isModelFile(file) { return try inspectModel() }
        do {
            let reader = try DatasetReader(path: file)
            if records {
                let batch = 1024
                var start = 0
                while start < reader.count {
                    for r in try reader.records(in: start..<min(reader.count, start + batch)) {
                        print(Terminal.jsonLine(GenerateCommand.logObject(r).merging(
                            ["n_atoms": r.structure.count, "gap_ev": r.gap.isFinite ? r.gap : NSNull(),
                             "dipole_debye": [r.dipole.x, r.dipole.y, r.dipole.z].map { $0.isFinite ? $0 : 0 }]) { a, _ in a }))
                    }
                    start += batch
                }
                return
            }
            let statuses = try reader.statuses()
            let energies = try reader.energies().enumerated().filter { statuses[$0.offset] == .ok }.map(\.element)
            let m = reader.method
            var summary: [String: Any] = [
                "file": file, "structures": reader.count,
                "ok": statuses.filter { $0 == .ok }.count,
                "not_converged": statuses.filter { $0 == .notConverged }.count,
                "failed": statuses.filter { $0 == .failed }.count,
                "xc": m.xc, "libxc": m.libxc, "basis": m.basis,
                "convergence_threshold_hartree": m.convergenceThreshold,
                "chemflow_version": reader.chemflowVersion, "created": reader.created,
                "open_for_writing_or_killed": reader.openedWhileWriting,
            ]
            summary["grid_level"] = m.gridLevel.map { $0 as Any } ?? NSNull()
            if !energies.isEmpty {
                summary["energy_ev_min"] = energies.min()!
                summary["energy_ev_max"] = energies.max()!
                summary["energy_ev_mean"] = energies.reduce(0, +) / Double(energies.count)
            }
            if json { print(Terminal.jsonLine(summary)); return }
            print("\(file): \(reader.count) structures (\(summary["ok"]!) ok, \(summary["not_converged"]!) not converged, \(summary["failed"]!) failed)")
            print("  method  \(m.xc) [\(m.libxc)] / \(m.basis), grid level \(m.gridLevel.map(String.init) ?? "-"), conv_tol \(m.convergenceThreshold) Ha")
            if let lo = summary["energy_ev_min"] as? Double, let hi = summary["energy_ev_max"] as? Double {
                print(String(format: "  energy  %.4f … %.4f eV", lo, hi))
            }
            print("  written by chemflow \(reader.chemflowVersion) at \(reader.created)\(reader.openedWhileWriting ? " (still being written, or its writer was killed: resume it)" : "")")
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(ExitStatus.failure)
        }
    }

    /// A campaign file (root attribute format = "chemflow-campaign"): rounds, metrics, stable phases.
    func inspectCampaign() throws {
        do {
            let state = try CampaignStore.read(path: file)
            if json { print(Terminal.jsonLine(CampaignReport.summary(state, path: file))); return }
            let dft = state.rounds.reduce(0) { $0 + $1.dft.count }
            print("\(file): campaign '\(state.configuration.name)' over \(state.configuration.elements.joined(separator: "-")), \(state.rounds.count) round(s), \(dft) DFT results, \(state.models.count) ensemble(s)")
            print(CampaignReport.table(state))
            let stable = CampaignReport.stableLines(state)
            print("stable phases (\(stable.count)):")
            stable.forEach { print($0) }
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(ExitStatus.failure)
        }
    }
}
