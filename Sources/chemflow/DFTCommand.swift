import ArgumentParser
import ChemistryCore
import Foundation
import GaussianDFT
import LinearAlgebra
import PlaneWaveDFT

/// `chemflow dft`: one DFT (or Hartree-Fock) calculation per structure in a file.
struct DFTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dft",
        abstract: "Run Kohn-Sham DFT or Hartree-Fock on molecules (XYZ) or crystals (CIF, POSCAR).",
        discussion: """
        Molecules (XYZ/extended XYZ without a periodic lattice) use Gaussian basis sets; crystals
        (CIF, POSCAR, or extended XYZ with Lattice and pbc="T T T") use plane waves with GTH
        pseudopotentials (--ecut, --kgrid, --smearing; --basis and --grid-level do not apply).
        Every structure of FILE is computed in turn. A structure that fails prints one line on stderr
        and the run goes on; the exit status is 1 if any failed, 3 if any SCF did not converge.
        Examples:
          chemflow dft water.xyz --xc b3lyp5 --basis sto-3g
          chemflow dft mols.xyz --xc pbe --basis 6-31g* --grid-level 5 --json
          chemflow dft si.cif --xc pbe --ecut 25 --kgrid 3x3x3
          chemflow dft al.poscar --xc lda --ecut 15 --kgrid 6x6x6 --smearing 0.01
        """
    )

    @Argument(help: "Structure file: XYZ/extended XYZ (Å), CIF, or POSCAR.")
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

    @Option(help: "Crystals: plane-wave kinetic-energy cutoff (Ha).")
    var ecut: Double = 20

    @Option(help: "Crystals: Monkhorst-Pack k-point grid, e.g. 4x4x4 (Γ-centred).")
    var kgrid: String = "3x3x3"

    @Option(help: "Crystals: Fermi-Dirac smearing width (Ha) for metals.")
    var smearing: Double?

    @Flag(help: "Print one JSON object per structure (JSON Lines) instead of a summary.")
    var json = false

    func validate() throws {
        guard (0...9).contains(gridLevel) else { throw ValidationError("--grid-level must be between 0 and 9") }
        guard convTol > 0 else { throw ValidationError("--conv-tol must be positive") }
        guard maxIterations > 0 else { throw ValidationError("--max-iterations must be positive") }
        guard InitialGuess(rawValue: guess) != nil else { throw ValidationError("--guess must be 'sad' or 'core'") }
        guard parsedKgrid != nil else { throw ValidationError("--kgrid must look like 4x4x4 (positive integers)") }
        guard ecut > 0 else { throw ValidationError("--ecut must be positive") }
        if let smearing, !(smearing > 0) { throw ValidationError("--smearing must be positive") }
    }

    var parsedKgrid: SIMD3<Int>? {
        let parts = kgrid.lowercased().split(separator: "x").compactMap { Int($0) }
        guard parts.count == 3, parts.allSatisfy({ $0 > 0 }) else { return nil }
        return SIMD3(parts[0], parts[1], parts[2])
    }

    func run() throws {
        setBLASThreads(1)
        let structures: [Structure]
        do {
            structures = try StructureFiles.read(path: file)
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
            if structure.isPeriodic {
                switch runCrystal(structure) {
                case .failed: failed += 1
                case .unconverged: unconverged += 1
                case .ok: break
                }
                continue
            }
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

    enum Outcome { case ok, unconverged, failed }

    /// Plane-wave DFT for one crystal.
    func runCrystal(_ structure: Structure) -> Outcome {
        var settings = PlaneWaveSettings(xc: xc, ecut: ecut, kgrid: parsedKgrid!, smearing: smearing)
        settings.maxIterations = maxIterations
        let name = structure.name
        settings.log = { line in Terminal.progress("\(name): \(line)") }
        do {
            let result = try runPlaneWaveDFT(structure: structure, settings: settings)
            Terminal.endProgress()
            print(json ? Terminal.jsonLine(ResultFormatting.json(result, structure: structure))
                       : ResultFormatting.summary(result, structure: structure))
            if !result.converged {
                Terminal.error("\(name): SCF did not converge in \(result.iterations) iterations; result printed with converged=false")
                return .unconverged
            }
            return .ok
        } catch {
            Terminal.endProgress()
            Terminal.error("\(name): \(error)")
            return .failed
        }
    }
}
