import ArgumentParser
import ChemistryCore
import DatasetGeneration
import Datasets
import Foundation
import GaussianDFT

/// `chemflow generate`: DFT labels for many structures, written to a chemflow HDF5 dataset.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Label molecules with DFT and write them to an HDF5 dataset (resumable, shardable).",
        discussion: """
        Presets: qm1b = B3LYP5/STO-3G on grid level 0 (QM1B's labels, but converged SCF), with
        AO cutoff 1e-5 and ERI primitive threshold 1e-10 (their effect is below 1/1000 of the
        level-0 grid's error); accurate = B3LYP5/STO-3G on grid level 3. Explicit --xc/--basis/
        --grid-level/--ao-cutoff/--eri-primitive-threshold override a preset.
        Without --input the shipped GDB-9 set (datasets/molecules/gdb9-1000.xyz) is used.
        A killed run continues with --resume: every structure ends up in the file exactly once.
        --shard I/N processes structures whose input index i has i mod N = I (0 <= I < N);
        combine shards with `chemflow merge`.
        --forces also writes analytic forces (eV/Å) to /labels/forces;
        a file is resumed or merged only with runs of the same --forces setting.
        """
    )

    @Option(help: "Structures: multi-frame XYZ/extended XYZ or SDF (V2000).")
    var input: String?

    @Option(help: "Output HDF5 file.")
    var output: String

    @Option(help: "Method preset: qm1b or accurate.")
    var preset: String?

    @Option(help: "Exchange-correlation functional (see chemflow dft --help). Default b3lyp5.")
    var xc: String?

    @Option(help: "Basis set. Default sto-3g.")
    var basis: String?

    @Option(name: .customLong("grid-level"), help: "Grid level 0-9. Default 3 (0 with --preset qm1b).")
    var gridLevel: Int?

    @Option(name: .customLong("ao-cutoff"), help: "|AO value| below which a function is dropped from a grid block. Default 1e-10 (1e-5 with --preset qm1b).")
    var aoCutoff: Double?

    @Option(name: .customLong("eri-primitive-threshold"), help: "Estimate below which a primitive quartet of the two-electron integrals is skipped. Default 1e-15 (1e-10 with --preset qm1b).")
    var eriPrimitiveThreshold: Double?

    @Option(help: "Total charge of every structure.")
    var charge: Int = 0

    @Option(help: "2S of every structure.")
    var spin: Int = 0

    @Option(name: .customLong("conv-tol"), help: "SCF convergence on the energy (Ha).")
    var convTol: Double = 1e-9

    @Option(name: .customLong("max-iterations"), help: "Maximum SCF iterations.")
    var maxIterations: Int = 100

    @Option(help: "Worker threads (one structure each; BLAS single-threaded). Default: all cores.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Process shard I/N of the input (0 <= I < N).")
    var shard: String?

    @Flag(help: "Also label analytic nuclear forces (eV/Å) in /labels/forces.")
    var forces = false

    @Flag(help: "Continue an existing output file.")
    var resume = false

    @Flag(help: "Replace an existing output file.")
    var overwrite = false

    @Option(name: .customLong("log-json"), help: "Append one JSON line per finished structure to this file.")
    var logJSON: String?

    @Flag(help: "Print the final summary as JSON.")
    var json = false

    func validate() throws {
        if let preset, GenerationPreset(rawValue: preset) == nil { throw ValidationError("--preset must be qm1b or accurate") }
        for (name, value) in [("--ao-cutoff", aoCutoff), ("--eri-primitive-threshold", eriPrimitiveThreshold)] {
            if let value, !(value >= 0 && value < 1) { throw ValidationError("\(name) must lie in [0, 1)") }
        }
        if let gridLevel, !(0...9).contains(gridLevel) { throw ValidationError("--grid-level must be between 0 and 9") }
        if let shard, Shard(shard) == nil { throw ValidationError("--shard must be I/N with 0 <= I < N") }
        guard threads > 0 else { throw ValidationError("--threads must be positive") }
        if resume && overwrite { throw ValidationError("--resume and --overwrite exclude each other") }
    }

    var scfSettings: SCFSettings {
        var s = (preset.flatMap(GenerationPreset.init(rawValue:)) ?? .accurate).settings
        if let xc { s.functional = xc }
        if let basis { s.basis = basis }
        if let gridLevel { s.gridLevel = gridLevel }
        if let aoCutoff { s.aoCutoff = aoCutoff }
        if let eriPrimitiveThreshold { s.eriPrimitiveThreshold = eriPrimitiveThreshold }
        s.charge = charge
        s.spin = spin
        s.energyTolerance = convTol
        s.maxIterations = maxIterations
        return s
    }

    func run() throws {
        let inputPath = input ?? ShippedData.path("molecules/gdb9-1000.xyz")
        let structures: [Structure]
        do { structures = try StructureFiles.read(path: inputPath) } catch {
            Terminal.error("\(error)"); throw ExitCode(ExitStatus.failure)
        }
        if let periodic = structures.first(where: { $0.isPeriodic }) {
            Terminal.error("\(periodic.name): periodic structures are not supported by generate yet (molecules only)")
            throw ExitCode(ExitStatus.failure)
        }
        var generator = DatasetGenerator(settings: scfSettings, preset: preset, threads: threads,
                                         shard: shard.flatMap(Shard.init), chemflowVersion: ChemflowVersion.string)
        generator.forces = forces
        let log = try logJSON.map { try JSONLineLog(path: $0) }
        let summary: GenerationSummary
        do {
            summary = try generator.run(structures: structures, output: output, resume: resume, overwrite: overwrite,
                                        progress: { p in Terminal.progress(Self.progressLine(p)) },
                                        finished: { r in log?.write(Self.logObject(r)) })
        } catch {
            Terminal.endProgress()
            Terminal.error("\(error)")
            throw ExitCode(ExitStatus.failure)
        }
        Terminal.endProgress()
        let line = "\(output): \(summary.total) structures (\(summary.computed) computed now, \(summary.skipped) already present), \(summary.failed) failed, \(summary.notConverged) not converged, \(String(format: "%.1f", summary.seconds)) s"
        if json {
            print(Terminal.jsonLine(["output": output, "total": summary.total, "computed": summary.computed,
                                     "skipped": summary.skipped, "failed": summary.failed,
                                     "not_converged": summary.notConverged, "seconds": summary.seconds]))
        } else {
            print(line)
        }
        if summary.failed > 0 || summary.notConverged > 0 { throw ExitCode(ExitStatus.failure) }
    }

    static func progressLine(_ p: GenerationProgress) -> String {
        var s = "\(p.done)/\(p.total) done, \(p.failed) failed"
        if p.notConverged > 0 { s += ", \(p.notConverged) not converged" }
        if p.rate > 0 { s += String(format: ", %.2f conformers/s", p.rate) }
        if let eta = p.eta { s += ", ETA " + formatDuration(eta) }
        return s
    }

    static func logObject(_ r: LabelledStructure) -> [String: Any] {
        func finite(_ x: Double) -> Any { x.isFinite ? x : NSNull() }
        return ["index": r.index, "name": r.structure.name, "status": ["ok", "not_converged", "failed"][Int(r.status.rawValue)],
                "error": r.error, "energy_ev": finite(r.energy), "homo_ev": finite(r.homo), "lumo_ev": finite(r.lumo),
                "iterations": r.iterations, "seconds": r.seconds]
    }
}

/// `chemflow merge`: combine shard files into one dataset.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine dataset shards into one HDF5 file (methods must agree; no duplicate structures).")

    @Argument(help: "Output HDF5 file.")
    var output: String

    @Argument(help: "Shard files.")
    var shards: [String]

    @Flag(help: "Replace an existing output file.")
    var overwrite = false

    func run() throws {
        guard !shards.isEmpty else { Terminal.error("no shard files given"); throw ExitCode(ExitStatus.failure) }
        do {
            let n = try mergeDatasets(into: output, from: shards, overwrite: overwrite)
            print("\(output): \(n) structures from \(shards.count) shards")
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(ExitStatus.failure)
        }
    }
}

/// "1h02m", "3m05s", "12s".
func formatDuration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    if s >= 3600 { return "\(s / 3600)h\(String(format: "%02d", (s % 3600) / 60))m" }
    if s >= 60 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
    return "\(s)s"
}

/// Appends JSON lines to a file (for --log-json).
final class JSONLineLog {
    let handle: FileHandle
    init(path: String) throws {
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        guard let h = FileHandle(forWritingAtPath: path) else { throw ValidationError("cannot write '\(path)'") }
        h.seekToEndOfFile()
        handle = h
    }
    func write(_ object: [String: Any]) { handle.write(Data((Terminal.jsonLine(object) + "\n").utf8)) }
}

/// Locates data shipped in the repository's datasets/ folder: $CHEMFLOW_DATA, or a `datasets`
/// folder found walking up from the executable (build products live in .build/<config>/).
enum ShippedData {
    static func path(_ relative: String) -> String {
        if let root = ProcessInfo.processInfo.environment["CHEMFLOW_DATA"] { return root + "/" + relative }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = dir.appendingPathComponent("datasets").appendingPathComponent(relative)
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate.path }
            dir = dir.deletingLastPathComponent()
        }
        return "datasets/" + relative
    }
}
