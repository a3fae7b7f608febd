import ChemistryCore
import Datasets
import Foundation
import GraphNetworks
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a model came from: written to `/provenance` in the model file.
public struct TrainingProvenance: Sendable, Equatable {
    /// Training dataset file(s) and the validation file(s) (empty: split by name hash).
    public var datasetPaths: [String]
    public var validationPaths: [String]
    /// The method attributes of the (first) training dataset: xc, libxc, basis, grid_level, ...
    public var datasetMethod: [String: String]
    public var target: String
    /// Epochs run (the largest over ensemble members) and epochs asked for.
    public var epochs: Int
    public var epochsRequested: Int
    public var seed: UInt64
    public var trainCount: Int
    public var validationCount: Int
    /// The trainer's configuration (stored as JSON).
    public var configuration: TrainingConfiguration?
    /// Final metrics, e.g. `val_mae_ev`, `val_rmse_ev`, `best_val_mae_ev`, `train_loss_ev2`.
    public var finalMetrics: [String: Double]
    /// Version of the chemflow that trained the model, and when (UTC, ISO 8601).
    public var chemflowVersion: String
    public var created: String

    public init(datasetPaths: [String] = [], validationPaths: [String] = [], datasetMethod: [String: String] = [:],
                target: String = "energy", epochs: Int = 0, epochsRequested: Int = 0, seed: UInt64 = 0,
                trainCount: Int = 0, validationCount: Int = 0, configuration: TrainingConfiguration? = nil,
                finalMetrics: [String: Double] = [:], chemflowVersion: String = "unknown", created: String = isoTimestamp()) {
        self.datasetPaths = datasetPaths
        self.validationPaths = validationPaths
        self.datasetMethod = datasetMethod
        self.target = target
        self.epochs = epochs
        self.epochsRequested = epochsRequested
        self.seed = seed
        self.trainCount = trainCount
        self.validationCount = validationCount
        self.configuration = configuration
        self.finalMetrics = finalMetrics
        self.chemflowVersion = chemflowVersion
        self.created = created
    }
}

/// The hyperparameters of an architecture a model file can hold (SchNet, GNoME): what the
/// training run, the checkpoint's resume check and the model file need without knowing which.
public protocol NetworkHyperparameters: Sendable {
    /// The model file's `architecture` attribute: "schnet" or "gnome".
    static var architecture: String { get }
    var seed: UInt64 { get set }
    /// Å.
    var cutoff: Double { get }
    var maxAtomicNumber: Int { get }
    /// Name → value, compared between a checkpoint and the run resuming it.
    var settings: [String: String] { get }
    func validate() throws
    /// The same hyperparameters with their data-derived constants fitted on the training set
    /// (GNoME's average degree; nothing for SchNet).
    func fitted(to training: any EnergyDataset) throws -> Self
    /// A freshly initialised Float32 network.
    func makeNetwork() throws -> any ChemflowNetwork
}

/// A Float32 network of a known architecture, as held by a model file.
public protocol ChemflowNetwork: EnergyModel where Scalar == Float {
    associatedtype Hyperparameters: NetworkHyperparameters
    var hyperparameters: Hyperparameters { get }
}

extension SchNet: ChemflowNetwork where Scalar == Float {}
extension GNoME: ChemflowNetwork where Scalar == Float {}

extension SchNetHyperparameters: NetworkHyperparameters {
    public static var architecture: String { "schnet" }
    public var settings: [String: String] {
        ["features": "\(features)", "interactions": "\(interactions)", "radial_functions": "\(radialFunctions)",
         "cutoff": "\(cutoff)", "max_atomic_number": "\(maxAtomicNumber)", "seed": "\(seed)"]
    }
    public func fitted(to training: any EnergyDataset) throws -> SchNetHyperparameters { self }
    public func makeNetwork() throws -> any ChemflowNetwork { try SchNetModel(self) }
}

extension GNoMEHyperparameters: NetworkHyperparameters {
    public static var architecture: String { "gnome" }
    public var settings: [String: String] {
        ["width": "\(width)", "steps": "\(steps)", "radial_functions": "\(radialFunctions)", "cutoff": "\(cutoff)",
         "average_degree": "\(averageDegree)", "smooth_cutoff": "\(smoothCutoff)",
         "max_atomic_number": "\(maxAtomicNumber)", "seed": "\(seed)"]
    }
    /// δ = directed edges per atom over the training structures at the cutoff.
    public func fitted(to training: any EnergyDataset) throws -> GNoMEHyperparameters {
        var atoms = 0, edges = 0
        for i in 0..<training.count {
            let g = try AtomGraph(try training.structure(at: i), cutoff: cutoff)
            atoms += g.atomCount
            edges += g.edgeCount
        }
        var hp = self
        hp.averageDegree = edges > 0 && atoms > 0 ? Double(edges) / Double(atoms) : 1
        return hp
    }
    public func makeNetwork() throws -> any ChemflowNetwork { try GNoMEModel(self) }
}

/// Equal architecture and settings (seed included).
public func == (lhs: any NetworkHyperparameters, rhs: any NetworkHyperparameters) -> Bool {
    type(of: lhs).architecture == type(of: rhs).architecture && lhs.settings == rhs.settings
}

/// A trained model (one network or an ensemble) with its provenance: what a model file holds.
///
/// File layout (HDF5, see docs/training.md):
/// ```
/// /                      attrs format="chemflow-model", format_version, architecture ("schnet" | "gnome"),
///                              target, ensemble_size, elements, element_symbols, units_*, chemflow_version, created
/// /hyperparameters       attrs, per architecture: schnet: features, interactions, radial_functions, cutoff,
///                              max_atomic_number, seed; gnome: width, steps, radial_functions, cutoff,
///                              average_degree, smooth_cutoff, max_atomic_number, seed
/// /parameters/<name>     float32, the parameter's shape           (one model)
/// /standardization       attrs mean, scale; datasets elements (int64), references (float64, eV)
/// /members/<k>/...       parameters/<name>, standardization, attr seed   (ensembles, k = 0..<M)
/// /provenance            attrs dataset_paths, validation_paths, epochs, seed, final_*, ...;
///                        /provenance/method: the dataset's method attributes
/// ```
public final class ChemflowModel {
    /// The networks, all of one architecture and size (seeds may differ).
    public let members: [any ChemflowNetwork]
    public var provenance: TrainingProvenance
    /// The file it was read from, if any.
    public private(set) var path: String?

    public init(members: [any ChemflowNetwork], provenance: TrainingProvenance = TrainingProvenance()) throws {
        guard let first = members.first else { throw TrainingError("a model needs at least one member") }
        for m in members.dropFirst() {
            var a = m.hyperparameters.settings, b = first.hyperparameters.settings
            a["seed"] = nil; b["seed"] = nil
            guard m.kind == first.kind, a == b else { throw TrainingError("ensemble members must share their architecture and hyperparameters") }
        }
        self.members = members
        self.provenance = provenance
    }

    /// "schnet" or "gnome".
    public var architecture: String { members[0].kind }
    /// The first member's hyperparameters (`SchNetHyperparameters` or `GNoMEHyperparameters`).
    public var hyperparameters: any NetworkHyperparameters { members[0].hyperparameters }
    public var cutoff: Double { members[0].cutoff }
    public var maxAtomicNumber: Int { members[0].maxAtomicNumber }
    public var isEnsemble: Bool { members.count > 1 }
    /// Elements the model was trained on (union over members; empty: any element).
    public var elements: [Int] { Array(Set(members.flatMap { $0.standardization.elements })).sorted() }
    public var parameterCount: Int { members[0].parameterCount }

    // MARK: Writing

    /// Writes the model file (to a temporary name, then renamed over `path`).
    public func write(to path: String) throws {
        try writeAtomically(path, describing: "model file", writeContents)
        self.path = path
    }

    private func writeContents(to path: String) throws {
        let file = try HDF5File.create(path: path, overwrite: true)
        try writeObjects(into: file)
        // Every group and dataset of writeObjects is released by now, so this really closes the file
        // before writeAtomically renames it, and an error at close (a full disk) fails the write.
        try file.close()
    }

    private func writeObjects(into file: HDF5File) throws {
        let root = try file.root()
        try root.setAttribute("format", Training.modelFormatName)
        try root.setAttribute("format_version", Training.modelFormatVersion)
        try root.setAttribute("architecture", architecture)
        try root.setAttribute("target", provenance.target)
        try root.setAttribute("ensemble_size", members.count)
        try root.setAttribute("elements", elements)
        try root.setAttribute("element_symbols", elementList(elements))
        try root.setAttribute("units_energy", "eV")
        try root.setAttribute("units_length", "angstrom")
        try root.setAttribute("units_forces", "eV/angstrom")
        try root.setAttribute("chemflow_version", provenance.chemflowVersion)
        try root.setAttribute("created", provenance.created)
        try root.setAttribute("parameter_count", parameterCount)

        try Self.writeHyperparameters(hyperparameters, in: try root.createGroup("hyperparameters"))

        if members.count == 1 {
            try Self.writeMember(members[0], in: root)
        } else {
            for (k, m) in members.enumerated() {
                let g = try root.createGroup("members/\(k)")
                try g.setAttribute("seed", Int(bitPattern: UInt(m.hyperparameters.seed)))
                try Self.writeMember(m, in: g)
            }
        }

        let p = try root.createGroup("provenance")
        let v = provenance
        try p.setAttribute("dataset_paths", v.datasetPaths.joined(separator: "\n"))
        try p.setAttribute("validation_paths", v.validationPaths.joined(separator: "\n"))
        try p.setAttribute("target", v.target)
        try p.setAttribute("epochs", v.epochs)
        try p.setAttribute("epochs_requested", v.epochsRequested)
        try p.setAttribute("seed", Int(bitPattern: UInt(v.seed)))
        try p.setAttribute("train_count", v.trainCount)
        try p.setAttribute("validation_count", v.validationCount)
        try p.setAttribute("chemflow_version", v.chemflowVersion)
        try p.setAttribute("created", v.created)
        if let c = v.configuration {
            try p.setAttribute("training_configuration", String(decoding: try JSONEncoder().encode(c), as: UTF8.self))
            try p.setAttribute("batch_size", c.batchSize)
            try p.setAttribute("learning_rate", c.learningRate)
        }
        try p.setAttribute("final_metrics", v.finalMetrics.keys.sorted().joined(separator: "\n"))
        for (key, value) in v.finalMetrics { try p.setAttribute("final_" + key, value) }
        let method = try p.createGroup("method")
        try method.setAttribute("keys", v.datasetMethod.keys.sorted().joined(separator: "\n"))
        for (key, value) in v.datasetMethod { try method.setAttribute(key, value) }
        try file.flush()
    }

    private static func writeHyperparameters(_ hp: any NetworkHyperparameters, in g: HDF5Group) throws {
        if let h = hp as? GNoMEHyperparameters {
            try g.setAttribute("width", h.width)
            try g.setAttribute("steps", h.steps)
            try g.setAttribute("radial_functions", h.radialFunctions)
            try g.setAttribute("cutoff", h.cutoff)
            try g.setAttribute("average_degree", h.averageDegree)
            try g.setAttribute("smooth_cutoff", h.smoothCutoff ? 1 : 0)
            try g.setAttribute("max_atomic_number", h.maxAtomicNumber)
        } else if let h = hp as? SchNetHyperparameters {
            try g.setAttribute("features", h.features)
            try g.setAttribute("interactions", h.interactions)
            try g.setAttribute("radial_functions", h.radialFunctions)
            try g.setAttribute("cutoff", h.cutoff)
            try g.setAttribute("max_atomic_number", h.maxAtomicNumber)
        } else {
            throw TrainingError("cannot write hyperparameters of architecture '\(type(of: hp).architecture)'")
        }
        try g.setAttribute("seed", Int(bitPattern: UInt(hp.seed)))
    }

    private static func writeMember(_ m: any ChemflowNetwork, in group: HDF5Group) throws {
        for p in m.namedParameters() {
            let shape = p.shape.isEmpty ? [1] : p.shape
            let ds = try group.createDataset("parameters/" + p.name, type: .float32, rowShape: Array(shape.dropFirst()),
                                             chunkRows: max(1, shape[0]), rows: shape[0])
            try ds.write(p.values, atRow: 0)
        }
        let s = m.standardization
        let g = try group.createGroup("standardization")
        try g.setAttribute("mean", s.mean)
        try g.setAttribute("scale", s.scale)
        try g.setAttribute("units", "eV (references), eV/atom (mean, scale)")
        let e = try g.createDataset("elements", type: .int64, chunkRows: max(1, s.elements.count), rows: s.elements.count)
        try e.write(s.elements.map { Int64($0) }, atRow: 0)
        let r = try g.createDataset("references", type: .float64, chunkRows: max(1, s.references.count), rows: s.references.count)
        try r.write(s.references, atRow: 0)
    }

    // MARK: Reading

    /// Reads a model file. Every failure is a one-line `TrainingError`: missing file, not HDF5,
    /// not a chemflow model (e.g. a dataset), an unknown architecture, damaged contents.
    public static func load(path: String) throws -> ChemflowModel {
        guard FileManager.default.fileExists(atPath: path) else {
            throw TrainingError("cannot read model '\(path)': no such file")
        }
        let file: HDF5File
        do { file = try HDF5File.open(path: path, mode: .readOnly) } catch {
            throw TrainingError("'\(path)' is not a chemflow model file (not a readable HDF5 file: \(error))")
        }
        do {
            let model = try read(file, path: path)
            model.path = path
            return model
        } catch let e as TrainingError {
            throw e
        } catch {
            throw TrainingError("model file '\(path)' is damaged: \(error)")
        }
    }

    private static func read(_ file: HDF5File, path: String) throws -> ChemflowModel {
        let root = try file.root()
        let format = try? root.stringAttribute("format")
        guard format == Training.modelFormatName else {
            if format == Datasets.formatName {
                throw TrainingError("'\(path)' is a chemflow dataset, not a model file (train one with `chemflow train`)")
            }
            if format == Training.checkpointFormatName {
                throw TrainingError("'\(path)' is a training checkpoint, not a model file (continue it with `chemflow train --resume`)")
            }
            throw TrainingError("'\(path)' is not a chemflow model file (no format = \"\(Training.modelFormatName)\" attribute)")
        }
        let version = try root.intAttribute("format_version") ?? 0
        guard version >= 1, version <= Training.modelFormatVersion else {
            throw TrainingError("'\(path)' has model format_version \(version); this chemflow reads up to \(Training.modelFormatVersion)")
        }
        let architecture = try root.stringAttribute("architecture") ?? ""
        guard ["schnet", "gnome"].contains(architecture) else {
            throw TrainingError("'\(path)': architecture '\(architecture)' is not supported by this chemflow (supported: schnet, gnome)")
        }
        let count = try root.intAttribute("ensemble_size") ?? 1
        guard count >= 1, count <= 1024 else { throw TrainingError("'\(path)': ensemble_size \(count) is invalid") }

        guard try root.exists("hyperparameters") else { throw TrainingError("'\(path)' lacks /hyperparameters") }
        let hg = try root.openGroup("hyperparameters")
        var hp: any NetworkHyperparameters = architecture == "gnome"
            ? try readGNoMEHyperparameters(hg, path: path) : try readSchNetHyperparameters(hg, path: path)
        var members: [any ChemflowNetwork] = []
        for k in 0..<count {
            let g = count == 1 ? root : try root.openGroup("members/\(k)")
            if count > 1 { hp.seed = UInt64(bitPattern: Int64(try g.intAttribute("seed") ?? Int(hp.seed))) }
            let model: any ChemflowNetwork
            do { model = try hp.makeNetwork() } catch { throw TrainingError("'\(path)': \(error)") }
            var named: [(name: String, shape: [Int], values: [Float])] = []
            for info in model.parameters.infos {
                let where_ = (count == 1 ? "" : "members/\(k)/") + "parameters/" + info.name
                guard try g.exists("parameters/" + info.name) else {
                    throw TrainingError("'\(path)' lacks parameter /\(where_)")
                }
                let ds = try g.openDataset("parameters/" + info.name)
                var shape = try ds.shape()
                if info.shape.isEmpty && shape == [1] { shape = [] }
                guard shape == info.shape else {
                    throw TrainingError("'\(path)': parameter /\(where_) has shape \(shape), expected \(info.shape)")
                }
                named.append((info.name, shape, try ds.read(Float.self)))
            }
            try model.loadParameters(named)
            model.standardization = try readStandardization(g, path: path)
            members.append(model)
        }
        let model = try ChemflowModel(members: members, provenance: try readProvenance(root))
        return model
    }

    private static func requiredInt(_ g: HDF5Group, _ name: String, path: String) throws -> Int {
        guard let v = try g.intAttribute(name) else { throw TrainingError("'\(path)': /\(g.name) lacks attribute '\(name)'") }
        return v
    }

    private static func readSchNetHyperparameters(_ hg: HDF5Group, path: String) throws -> SchNetHyperparameters {
        let hp = SchNetHyperparameters(
            features: try requiredInt(hg, "features", path: path), interactions: try requiredInt(hg, "interactions", path: path),
            radialFunctions: try requiredInt(hg, "radial_functions", path: path),
            cutoff: try hg.doubleAttribute("cutoff") ?? .nan,
            seed: UInt64(bitPattern: Int64(try hg.intAttribute("seed") ?? 0)),
            maxAtomicNumber: try requiredInt(hg, "max_atomic_number", path: path))
        // Bounds before allocating anything sized by the file.
        guard (2...8192).contains(hp.features), (0...128).contains(hp.interactions),
              (2...4096).contains(hp.radialFunctions), (1...200).contains(hp.maxAtomicNumber),
              hp.cutoff.isFinite, hp.cutoff > 0, hp.cutoff < 1000 else {
            throw TrainingError("'\(path)': hyperparameters out of range (features \(hp.features), interactions \(hp.interactions), radial functions \(hp.radialFunctions), cutoff \(hp.cutoff), max Z \(hp.maxAtomicNumber))")
        }
        return hp
    }

    private static func readGNoMEHyperparameters(_ hg: HDF5Group, path: String) throws -> GNoMEHyperparameters {
        let hp = GNoMEHyperparameters(
            width: try requiredInt(hg, "width", path: path), steps: try requiredInt(hg, "steps", path: path),
            radialFunctions: try requiredInt(hg, "radial_functions", path: path),
            cutoff: try hg.doubleAttribute("cutoff") ?? .nan,
            seed: UInt64(bitPattern: Int64(try hg.intAttribute("seed") ?? 0)),
            averageDegree: try hg.doubleAttribute("average_degree") ?? .nan,
            maxAtomicNumber: try requiredInt(hg, "max_atomic_number", path: path),
            smoothCutoff: try requiredInt(hg, "smooth_cutoff", path: path) != 0)
        guard (2...4096).contains(hp.width), (1...64).contains(hp.steps), (2...4096).contains(hp.radialFunctions),
              (1...200).contains(hp.maxAtomicNumber), hp.cutoff.isFinite, hp.cutoff > GNoMEHyperparameters.radialStart,
              hp.cutoff < 1000, hp.averageDegree.isFinite, hp.averageDegree > 0 else {
            throw TrainingError("'\(path)': hyperparameters out of range (width \(hp.width), steps \(hp.steps), radial functions \(hp.radialFunctions), cutoff \(hp.cutoff), average degree \(hp.averageDegree), max Z \(hp.maxAtomicNumber))")
        }
        return hp
    }

    private static func readStandardization(_ g: HDF5Group, path: String) throws -> Standardization {
        guard try g.exists("standardization") else { throw TrainingError("'\(path)' lacks /\(g.name == "/" ? "" : g.name + "/")standardization") }
        let s = try g.openGroup("standardization")
        let elements = try s.openDataset("elements").read(Int64.self).map { Int($0) }
        let references = try s.openDataset("references").read(Double.self)
        guard elements.count == references.count, Set(elements).count == elements.count,
              elements.allSatisfy({ (1...200).contains($0) }) else {
            throw TrainingError("'\(path)': the standardisation's elements and references do not match")
        }
        let mean = try s.doubleAttribute("mean") ?? .nan, scale = try s.doubleAttribute("scale") ?? .nan
        guard mean.isFinite, scale.isFinite, scale > 0, references.allSatisfy(\.isFinite) else {
            throw TrainingError("'\(path)': the standardisation has non-finite values")
        }
        return Standardization(elements: elements, references: references, mean: mean, scale: scale)
    }

    private static func readProvenance(_ root: HDF5Group) throws -> TrainingProvenance {
        var v = TrainingProvenance(chemflowVersion: try root.stringAttribute("chemflow_version") ?? "",
                                   created: try root.stringAttribute("created") ?? "")
        guard try root.exists("provenance") else { return v }
        let p = try root.openGroup("provenance")
        func lines(_ s: String?) -> [String] { (s ?? "").split(separator: "\n").map(String.init) }
        v.datasetPaths = lines(try p.stringAttribute("dataset_paths"))
        v.validationPaths = lines(try p.stringAttribute("validation_paths"))
        v.target = try p.stringAttribute("target") ?? "energy"
        v.epochs = try p.intAttribute("epochs") ?? 0
        v.epochsRequested = try p.intAttribute("epochs_requested") ?? 0
        v.seed = UInt64(bitPattern: Int64(try p.intAttribute("seed") ?? 0))
        v.trainCount = try p.intAttribute("train_count") ?? 0
        v.validationCount = try p.intAttribute("validation_count") ?? 0
        v.chemflowVersion = try p.stringAttribute("chemflow_version") ?? v.chemflowVersion
        v.created = try p.stringAttribute("created") ?? v.created
        if let json = try p.stringAttribute("training_configuration") {
            v.configuration = try? JSONDecoder().decode(TrainingConfiguration.self, from: Data(json.utf8))
        }
        for key in lines(try p.stringAttribute("final_metrics")) {
            if let x = try p.doubleAttribute("final_" + key) { v.finalMetrics[key] = x }
        }
        if try p.exists("method") {
            let m = try p.openGroup("method")
            for key in lines(try m.stringAttribute("keys")) { v.datasetMethod[key] = try m.stringAttribute(key) ?? "" }
        }
        return v
    }
}

/// UTC now, ISO 8601.
public func isoTimestamp(_ date: Date = Date()) -> String {
    let f = ISO8601DateFormatter()
    f.timeZone = TimeZone(identifier: "UTC")
    return f.string(from: date)
}
