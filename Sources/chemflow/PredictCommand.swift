import ArgumentParser
import ChemistryCore
import Datasets
import Foundation
import HamiltonianLearning
import Training

/// `chemflow predict`: energies (and forces) from a trained model file.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict energies (and forces) with a model file from `chemflow train`.",
        discussion: """
        Input: XYZ/extended XYZ, SDF, CIF, POSCAR, or a chemflow HDF5 dataset (.h5; every record). Per structure: energy_ev (the median over members for an ensemble), energy_spread_ev (the interquartile range over members; 0 for one model), energy_per_atom_ev and, with --forces, forces_ev_per_angstrom (−dE/dR; the component-wise median for an ensemble). --json prints one JSON object per structure (JSON Lines).
        """
    )

    @Option(help: "Model file (HDF5) written by chemflow train.")
    var model: String

    @Option(help: "Structures: XYZ, SDF, CIF, POSCAR, or a chemflow .h5 dataset.")
    var input: String

    @Flag(help: "Also compute forces −dE/dR (eV/Å).")
    var forces = false

    @Flag(help: "One JSON object per structure.")
    var json = false

    @Option(name: .customLong("batch-size"), help: "Structures per batch.")
    var batchSize: Int = 32

    @Option(name: .customLong("scf-steps"), help: "Hamiltonian models only: damped Roothaan steps ((D + D_new)/2, about one SCF iteration each) after the predicted density before reporting energy, HOMO and LUMO (default 0: the prediction itself; a model trained with --scf-steps includes its own steps in the prediction, and these come on top).")
    var scfSteps: Int = 0

    @Option(name: .customLong("scf-mixing"), help: "Hamiltonian models: fraction α of the new density in each --scf-steps step, D ← (1 − α) D + α D_new (default 0.5).")
    var scfMixing: Double = 0.5

    func validate() throws {
        guard scfMixing > 0, scfMixing <= 1 else { throw ValidationError("--scf-mixing must be in (0, 1]") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard scfSteps >= 0 else { throw ValidationError("--scf-steps must be at least 0") }
    }

    func run() throws {
        do {
            if HamiltonianModelStore.isHamiltonianModel(model) {
                guard !forces else { throw TrainingError("--forces is not available for a Hamiltonian model (train --loss dft-energy)") }
                try predictWithHamiltonianModel(modelPath: model, structures: try readStructures(input), scfSteps: scfSteps, mixing: scfMixing, json: json)
                return
            }
            guard scfSteps == 0 else { throw TrainingError("--scf-steps is for Hamiltonian models (train --loss dft-energy)") }
            let m = try ChemflowModel.load(path: model)
            let structures = try readStructures(input)
            for s in structures { try m.validate(s) }
            let block = 256
            var start = 0
            if !json {
                print("name".padding(toLength: 24, withPad: " ", startingAt: 0) + " atoms      energy_ev  spread_ev  energy_per_atom_ev")
            }
            while start < structures.count {
                let chunk = Array(structures[start..<min(start + block, structures.count)])
                for (i, p) in try m.predict(chunk, forces: forces, batchSize: batchSize).enumerated() {
                    if json {
                        var o: [String: Any] = ["name": p.name, "n_atoms": p.atomCount, "energy_ev": p.energy,
                                                "energy_spread_ev": p.spread, "energy_per_atom_ev": p.energyPerAtom]
                        if m.isEnsemble { o["energy_members_ev"] = p.memberEnergies }
                        if let f = p.forces { o["forces_ev_per_angstrom"] = f.map { [$0.x, $0.y, $0.z] } }
                        print(Terminal.jsonLine(jsonSafe(o)))
                    } else {
                        print(p.name.padding(toLength: max(24, p.name.count), withPad: " ", startingAt: 0)
                              + String(format: " %5d %14.6f %10.6f %19.6f", p.atomCount, p.energy, p.spread, p.energyPerAtom))
                        if let f = p.forces {
                            for (a, v) in f.enumerated() {
                                let symbol = Elements.symbol(chunk[i].atomicNumbers[a]).padding(toLength: 3, withPad: " ", startingAt: 0)
                                print("    " + symbol + String(format: " %12.6f %12.6f %12.6f eV/Å", v.x, v.y, v.z))
                            }
                        }
                    }
                }
                start += block
            }
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(ExitStatus.failure)
        }
    }
}

/// Structures from a structure file or (for .h5) every record of a chemflow dataset.
func readStructures(_ path: String) throws -> [Structure] {
    guard FileManager.default.fileExists(atPath: path) else { throw TrainingError("cannot read '\(path)': no such file") }
    let structures: [Structure]
    if path.lowercased().hasSuffix(".h5") || path.lowercased().hasSuffix(".hdf5") {
        let reader = try DatasetReader(path: path)
        structures = try reader.structures(in: 0..<reader.count)
    } else {
        structures = try StructureFiles.read(path: path)
    }
    guard !structures.isEmpty else { throw TrainingError("'\(path)' holds no structures") }
    return structures
}
