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
          chemflow dft si.poscar --xc lda --ecut 15 --kgrid 4x4x4 --relax full --json
        Molecules with --forces also report analytic forces −dE/dR (eV/Å; HF exact, Kohn-Sham without
        grid-weight response as PySCF's default). Crystals always report Hellmann-Feynman forces (eV/Å). --relax volume fits a Birch-Murnaghan
        equation of state to 7 isotropically scaled volumes (0.94-1.06) and reports the structure
        at V0; --relax positions moves the atoms (BFGS) until max|F| < --fmax; --relax full does
        volume, positions, volume. The printed result is the SCF of the relaxed structure.
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

    @Option(name: .customLong("start-grid-levels"),
            help: "Coarse grid levels for the first SCF iterations, e.g. 0,1 (the SCF then finishes on --grid-level with the full tolerances), or 'none'. Levels above --grid-level minus 2 are skipped.")
    var startGridLevels: StartGridLevels = StartGridLevels(levels: SCFSettings().startGridLevels)

    @Option(help: "Total charge.")
    var charge: Int = 0

    @Option(help: "Number of unpaired electrons 2S (0 = singlet, 1 = doublet, ...).")
    var spin: Int = 0

    @Flag(help: "Use cartesian d and f functions instead of spherical ones.")
    var cartesian = false

    @Flag(help: "Unrestricted (UHF/UKS) even for closed shells.")
    var unrestricted = false

    @Option(name: .customLong("conv-tol"), help: "Convergence threshold on the energy change (Ha). Default 1e-9 for molecules, 1e-8 for crystals.")
    var convTol: Double?

    @Option(name: .customLong("max-iterations"), help: "Maximum SCF iterations.")
    var maxIterations: Int = 100

    @Option(help: "Initial guess: sad (superposition of atomic densities) or core.")
    var guess: String = "sad"

    @Option(help: "Crystals: plane-wave kinetic-energy cutoff (Ha).")
    var ecut: Double = 20

    @Option(help: "Crystals: Monkhorst-Pack k-point grid, e.g. 4x4x4 (Γ-centred). (default: 3x3x3)")
    var kgrid: String?

    @Option(help: "Crystals: k-point spacing (Å⁻¹) instead of --kgrid: n_i = ⌈2π|b_i|/spacing⌉ (VASP's KSPACING).")
    var kspacing: Double?

    @Option(help: "Crystals: Fermi-Dirac smearing width (Ha) for metals.")
    var smearing: Double?

    @Option(help: "Crystals: relax the structure: volume (Birch-Murnaghan fit), positions (BFGS), or full (volume, positions, volume).")
    var relax: String?

    @Option(help: "Crystals: force tolerance of --relax positions/full (eV/Å).")
    var fmax: Double = 0.01

    @Flag(help: "Molecules: also compute analytic nuclear forces (eV/Å); crystals always report forces.")
    var forces = false

    @Flag(help: "Print one JSON object per structure (JSON Lines) instead of a summary.")
    var json = false

    func validate() throws {
        guard (0...9).contains(gridLevel) else { throw ValidationError("--grid-level must be between 0 and 9") }
        if let convTol, !(convTol > 0) { throw ValidationError("--conv-tol must be positive") }
        guard maxIterations > 0 else { throw ValidationError("--max-iterations must be positive") }
        guard InitialGuess(rawValue: guess) != nil else { throw ValidationError("--guess must be 'sad' or 'core'") }
        guard parsedKgrid != nil else { throw ValidationError("--kgrid must look like 4x4x4 (positive integers)") }
        if let kspacing {
            guard kgrid == nil else { throw ValidationError("give --kgrid or --kspacing, not both") }
            guard kspacing > 0, kspacing.isFinite else { throw ValidationError("--kspacing must be positive (Å⁻¹)") }
        }
        guard ecut > 0 else { throw ValidationError("--ecut must be positive") }
        if let smearing, !(smearing > 0) { throw ValidationError("--smearing must be positive") }
        if let relax, RelaxationMode(rawValue: relax.lowercased()) == nil {
            throw ValidationError("--relax must be 'volume', 'positions' or 'full'")
        }
        guard fmax > 0, fmax.isFinite else { throw ValidationError("--fmax must be positive (eV/Å)") }
    }

    var parsedKgrid: SIMD3<Int>? {
        let parts = (kgrid ?? "3x3x3").lowercased().split(separator: "x").compactMap { Int($0) }
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
        settings.startGridLevels = startGridLevels.levels
        settings.cartesian = cartesian
        settings.charge = charge
        settings.spin = spin
        settings.unrestricted = unrestricted
        settings.energyTolerance = convTol ?? 1e-9
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
            if relax != nil {
                failed += 1
                Terminal.error("\(structure.name): --relax applies to crystals only (the structure has no periodic lattice)")
                continue
            }
            do {
                let calculation = try MolecularCalculation(structure: structure, settings: settings)
                let progress: (Int, Double) -> Void = { iteration, energy in
                    Terminal.progress("\(structure.name): iteration \(iteration)  E = \(String(format: "%.10f", energy)) Ha")
                }
                let result: SCFResult
                var moleculeForces: [SIMD3<Double>]? = nil
                if forces {
                    let gradient = try calculation.nuclearGradient(progress: progress)
                    result = gradient.result
                    moleculeForces = gradient.forcesEVPerAngstrom
                } else {
                    result = try calculation.run(progress: progress)
                }
                Terminal.endProgress()
                if json {
                    var object = ResultFormatting.json(result)
                    if let f = moleculeForces {
                        object["forces_ev_per_angstrom"] = f.map { [$0.x, $0.y, $0.z] }
                        object["max_force_ev_per_angstrom"] = Self.maxForce(f)
                    }
                    print(Terminal.jsonLine(object))
                } else {
                    var text = ResultFormatting.summary(result, structure: structure)
                    if let f = moleculeForces { text += "\n" + Self.forceTable(f, structure: structure) }
                    print(text)
                }
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

    /// Plane-wave DFT for one crystal, with forces, optionally after a relaxation.
    func runCrystal(_ structure: Structure) -> Outcome {
        var settings = PlaneWaveSettings(xc: xc, ecut: ecut, kgrid: parsedKgrid!, smearing: smearing)
        settings.maxIterations = maxIterations
        if let convTol { settings.energyTolerance = convTol }
        let name = structure.name
        settings.log = { line in Terminal.progress("\(name): \(line)") }
        do {
            var result: PlaneWaveResult
            var relaxation: RelaxationResult? = nil
            var printed = structure
            if let kspacing {
                guard let lattice = structure.lattice else { throw PlaneWaveError.notPeriodic("no lattice vectors") }
                settings.kgrid = try monkhorstPackSize(lattice: lattice, spacing: kspacing)
            }
            if let relax, let mode = RelaxationMode(rawValue: relax.lowercased()) {
                var options = RelaxationOptions(forceTolerance: fmax)
                options.log = { line in Terminal.progress("\(name): \(line)") }
                let r = try relaxStructure(structure: structure, settings: settings, mode: mode, options: options)
                relaxation = r
                result = r.final
                printed = r.structure
            } else {
                result = try runPlaneWaveDFT(structure: structure, settings: settings)
            }
            Terminal.endProgress()
            if json {
                var object = ResultFormatting.json(result, structure: printed)
                object["forces_ev_per_angstrom"] = result.forcesEVPerAngstrom
                object["max_force_ev_per_angstrom"] = result.maxForceEVPerAngstrom
                if let relaxation, let relax { object.merge(relaxationJSON(relaxation, mode: relax.lowercased())) { $1 } }
                print(Terminal.jsonLine(object))
            } else {
                var text = ResultFormatting.summary(result, structure: printed)
                text += "\n" + forceSummary(result, structure: printed)
                if let relaxation { text += "\n" + relaxationSummary(relaxation, structure: printed) }
                print(text)
            }
            if !result.converged {
                Terminal.error("\(name): SCF did not converge in \(result.iterations) iterations; result printed with converged=false")
                return .unconverged
            }
            if let relaxation {
                let unconvergedPoints = relaxation.eosPoints.filter { !$0.converged }.count
                if !relaxation.forcesConverged || !relaxation.volumeBracketed || unconvergedPoints > 0 {
                    Terminal.error("\(name): relaxation did not converge (forces below --fmax: \(relaxation.forcesConverged), V0 inside the scanned volumes: \(relaxation.volumeBracketed), unconverged EOS SCFs: \(unconvergedPoints)); result printed")
                    return .unconverged
                }
            }
            return .ok
        } catch {
            Terminal.endProgress()
            Terminal.error("\(name): \(error)")
            return .failed
        }
    }

    /// JSON keys of a relaxation (Å, Å³, GPa, hartree).
    func relaxationJSON(_ r: RelaxationResult, mode: String) -> [String: Any] {
        var o: [String: Any] = [
            "relax_mode": mode,
            "relaxed_lattice_angstrom": (r.structure.lattice ?? []).map { [$0.x, $0.y, $0.z] },
            "relaxed_positions_angstrom": r.structure.positions.map { [$0.x, $0.y, $0.z] },
            "relax_forces_converged": r.forcesConverged,
            "relax_volume_bracketed": r.volumeBracketed,
            "relax_log": r.log,
        ]
        if let eos = r.equationOfState {
            o["v0_angstrom3"] = eos.v0Angstrom3
            o["b0_gpa"] = eos.b0GPa
            o["b0_prime"] = eos.b0Prime
            o["e0_hartree"] = eos.e0
            o["eos_rms_residual_hartree"] = eos.rmsResidual
            o["eos_volumes_angstrom3"] = r.eosPoints.map(\.volumeAngstrom3)
            o["eos_energies_hartree"] = r.eosPoints.map(\.energyHartree)
        }
        if !r.positionSteps.isEmpty {
            o["relax_step_energies_hartree"] = r.positionSteps.map(\.energyHartree)
            o["relax_step_max_force_ev_per_angstrom"] = r.positionSteps.map(\.maxForceEVPerAngstrom)
        }
        return o
    }

    /// Largest force norm (eV/Å).
    static func maxForce(_ f: [SIMD3<Double>]) -> Double { f.map { ($0 * $0).sum().squareRoot() }.max() ?? 0 }

    /// Molecule forces (eV/Å), one line per atom, in the layout of the crystal force summary.
    static func forceTable(_ f: [SIMD3<Double>], structure: Structure) -> String {
        var lines = ["  forces (eV/Å)   max |F| \(String(format: "%.6f", maxForce(f)))"]
        for (i, v) in f.enumerated() {
            let symbol = Elements.symbol(structure.atomicNumbers[i])
            lines.append("    \("\(symbol)\(i + 1)".padding(toLength: 6, withPad: " ", startingAt: 0))" + [v.x, v.y, v.z].map { String(format: "%12.6f", $0) }.joined())
        }
        return lines.joined(separator: "\n")
    }

    func forceSummary(_ r: PlaneWaveResult, structure: Structure) -> String {
        var lines = ["  forces (eV/Å)   max |F| \(String(format: "%.6f", r.maxForceEVPerAngstrom))"]
        for (i, f) in r.forcesEVPerAngstrom.enumerated() {
            let symbol = Elements.symbol(structure.atomicNumbers[i])
            lines.append("    \("\(symbol)\(i + 1)".padding(toLength: 6, withPad: " ", startingAt: 0))" + f.map { String(format: "%12.6f", $0) }.joined())
        }
        return lines.joined(separator: "\n")
    }

    func relaxationSummary(_ r: RelaxationResult, structure: Structure) -> String {
        var lines: [String] = []
        if let eos = r.equationOfState {
            lines.append(String(format: "  Birch-Murnaghan: V0 %.4f Å³  E0 %.10f Ha  B0 %.2f GPa  B0' %.3f  (rms %.1e Ha)",
                                eos.v0Angstrom3, eos.e0, eos.b0GPa, eos.b0Prime, eos.rmsResidual))
        }
        if !r.positionSteps.isEmpty {
            lines.append("  BFGS: \(r.positionSteps.count) force evaluations, \(r.forcesConverged ? "converged" : "NOT converged")")
        }
        lines.append("  relaxed lattice (Å)")
        for v in r.structure.lattice ?? [] { lines.append("    " + [v.x, v.y, v.z].map { String(format: "%14.8f", $0) }.joined()) }
        lines.append("  relaxed positions (Å)")
        for (i, p) in r.structure.positions.enumerated() {
            let symbol = Elements.symbol(structure.atomicNumbers[i])
            lines.append("    \(symbol.padding(toLength: 3, withPad: " ", startingAt: 0))" + [p.x, p.y, p.z].map { String(format: "%14.8f", $0) }.joined())
        }
        return lines.joined(separator: "\n")
    }
}

/// `--start-grid-levels 0,1|none`.
struct StartGridLevels: ExpressibleByArgument {
    var levels: [Int]
    init(levels: [Int]) { self.levels = levels }
    init?(argument: String) {
        if argument.lowercased() == "none" { levels = []; return }
        let parsed = argument.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parsed.isEmpty, parsed.allSatisfy({ $0.map { (0...9).contains($0) } ?? false }) else { return nil }
        levels = parsed.compactMap { $0 }
    }
    var defaultValueDescription: String { levels.isEmpty ? "none" : levels.map(String.init).joined(separator: ",") }
}
