import ArgumentParser
import LinearAlgebra

/// The `chemflow` command line: argument parsing and display only; the science lives in the
/// library modules.
@main
struct Chemflow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chemflow",
        abstract: "DFT-labelled datasets, graph networks and materials discovery.",
        discussion: """
        Units: input coordinates in Å; energies printed in hartree (Ha) unless the name says eV.
        Exit status: 0 success, 1 bad input or failed calculation, 64 usage error, 3 SCF not converged.
        """,
        version: ChemflowVersion.string,
        subcommands: [DFTCommand.self, GenerateCommand.self, ImportCommand.self, MergeCommand.self, InspectCommand.self, TrainCommand.self, PredictCommand.self, EvaluateCommand.self, DiscoverCommand.self]
    )

    /// Fixes OpenBLAS's kernel choice (`OpenBLASKernels`) while the process has one thread, then runs.
    static func main() {
        OpenBLASKernels.ensureSelected()
        main(nil)
    }
}

enum ChemflowVersion {
    static let string = "0.1.0"
}
