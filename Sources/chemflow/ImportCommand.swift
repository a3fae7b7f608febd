import ArgumentParser
import ChemistryCore
import Datasets
import Foundation

/// `chemflow import`: energies computed elsewhere (extended XYZ) into a chemflow dataset.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Write labelled structures from an extended XYZ file (energy in the comment line) to a chemflow HDF5 dataset.",
        discussion: """
        Each frame's comment line carries its energy as key=value (ASE's convention: energy=-1234.5). \
        Frames with Lattice="..." keep their cell. The file then trains like generated data: \
        chemflow train --data OUT.h5 ...
        """
    )

    @Option(help: "Extended XYZ file, one frame per structure.")
    var input: String

    @Option(help: "Dataset to write (HDF5).")
    var output: String

    @Option(name: .customLong("energy-key"), help: "Comment-line key holding the total energy.")
    var energyKey = "energy"

    @Option(name: .customLong("energy-unit"), help: "Unit of that energy: ev, hartree, kcal/mol or kj/mol.")
    var energyUnit = "ev"

    @Flag(help: "Replace an existing output file.")
    var overwrite = false

    @Flag(help: "Print the summary as one JSON object.")
    var json = false

    func run() throws {
        do {
            guard let unit = ExternalLabels.energyUnits[energyUnit.lowercased()] else {
                throw ValidationError("unknown --energy-unit '\(energyUnit)' (ev, hartree, kcal/mol, kj/mol)")
            }
            let structures = try XYZReader.read(path: input)
            guard !structures.isEmpty else { throw DatasetError("'\(input)' holds no structures") }
            let records = try ExternalLabels.records(from: structures, energyKey: energyKey, unitInEV: unit)
            let periodic = structures.contains { $0.lattice != nil }
            let writer = try DatasetWriter(creating: output, method: ExternalLabels.method(source: input, energyKey: energyKey),
                                           overwrite: overwrite,
                                           options: DatasetOptions(cells: periodic, chemflowVersion: ChemflowVersion.string))
            try writer.append(records)
            try writer.close()
            let atoms = structures.reduce(0) { $0 + $1.count }
            if json {
                print(Terminal.jsonLine(["output": output, "structures": records.count, "atoms": atoms, "periodic": periodic]))
            } else {
                print("\(output): \(records.count) structures, \(atoms) atoms, energies from '\(energyKey)' in \(energyUnit)")
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(ExitStatus.failure)
        }
    }
}
