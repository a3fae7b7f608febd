import ArgumentParser
import ChemistryCore
import Foundation
import GaussianDFT
import LinearAlgebra

/// `chemflow dft`: one DFT (or Hartree-Fock) calculation per structure in a file.
struct DFTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dft",
        abstract: "Run Kohn-Sham DFT or Hartree-Fock on molecules from an XYZ/extended-XYZ file.",
        discussion: """
        Every frame of FILE is computed in turn. A frame that fails prints one line on stderr and the
        run goes on; the exit status is 1 if any frame failed, 3 if any SCF did not converge.
        Examples:
          chemflow dft water.xyz --xc b3lyp5 --basis sto-3g
          chemflow dft mols.xyz --xc pbe --basis 6-31g* --grid-level 5 --json
        """
    )

    @Argument(help: "Structure file (XYZ or extended XYZ, coordinates in Å).")
    var file: String

    @Option(help: "Exchange-correlation functional: hf, lda, pbe, b3lyp (libxc 402), b3lyp5 (475), pbe0, or libxc names/ids like GGA_X_PBE,GGA_C_PBE.")
    var xc: String = "b3lyp"

    @Option(help: "Basis set: sto-3g, 6-31g, 6-31g*, 6-31g**, def2-svp, def2-tzvp, cc-pvdz.")
    var basis: String = "sto-3g"

    @Option(name: .customLong("grid-level"), help: "Integration grid level 0-9 (PySCF's meaning).")
    var gridLevel: Int = 3

    @Option(help: "Total charge.")
    var charge: Int = 0

    @Option(help: "Number of unpaired electrons 2S (0 = singlet, 1 = doublet, ...).")
    var spin: Int = 0

    @Flag(help: "Use cartesian d and f functions instead of spherical ones.")
    var cartesian = false

    @Flag(help: "Unrestricted (UHF/UKS) even for closed shells.")
    var unrestricted = false

    @Option(name: .customLong("conv-tol"), help: "Convergence threshold on the energy change (Ha).")
    var convTol: Double = 1e-9

    @Option(name: .customLong("max-iterations"), help: "Maximum SCF iterations.")
    var maxIterations: Int = 100

    @Option(help: "Initial guess: sad (superposition of atomic densities) or core.")
    var guess: String = "sad"

    @Flag(help: "Print one JSON object per structure (JSON Lines) instead of a summary.")
    var json = false

    func validate() throws {
        guard (0...9).contains(gridLevel) else { throw ValidationError("--grid-level must be between 0 and 9") }
        guard convTol > 0 else { throw ValidationError("--conv-tol must be positive") }
        guard maxIterations > 0 else { throw ValidationError("--max-iterations must be positive") }
        guard InitialGuess(rawValue: guess) != nil else { throw ValidationError("--guess must be 'sad' or 'core'") }
    }

    func run() throws {
        setBLASThreads(1)
        let structures: [Structure]
        do {
            structures = try XYZReader.read(path: file)
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(ExitStatus.failure)
        }
        var settings = SCFSettings()
        settings.functional = xc
        settings.basis = basis
        settings.gridLevel = gridLevel
        settings.cartesian = cartesian
        settings.charge = charge
        settings.spin = spin
        settings.unrestricted = unrestricted
        settings.energyTolerance = convTol
        settings.maxIterations = maxIterations
        settings.initialGuess = InitialGuess(rawValue: guess)!

        var failed = 0, unconverged = 0
        for structure in structures {
            do {
                let calculation = try MolecularCalculation(structure: structure, settings: settings)
                let result = try calculation.run { iteration, energy in
                    Terminal.progress("\(structure.name): iteration \(iteration)  E = \(String(format: "%.10f", energy)) Ha")
                }
                Terminal.endProgress()
                print(json ? Terminal.jsonLine(ResultFormatting.json(result)) : ResultFormatting.summary(result, structure: structure))
                if !result.converged {
                    unconverged += 1
                    Terminal.error("\(structure.name): SCF did not converge in \(result.iterations) iterations (last ΔE and gradient above tolerance); result printed with converged=false")
                }
            } catch {
                Terminal.endProgress()
                failed += 1
                Terminal.error("\(structure.name): \(error)")
            }
        }
        if failed > 0 { throw ExitCode(ExitStatus.failure) }
        if unconverged > 0 { throw ExitCode(ExitStatus.notConverged) }
    }
}
