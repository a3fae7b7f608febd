import Datasets
import Foundation

/// HDF5 model files of Hamiltonian models (`chemflow train --loss dft-energy`).
///
/// Layout: root attributes `format` = "chemflow-model", `format_version` = 1, `architecture` =
/// "hamiltonian", `configuration` (the `HamiltonianModelConfiguration` as JSON: functional, basis,
/// grid level, elements, sizes), `training` (the per-epoch reports as JSON) and `chemflow_version`;
/// one float64 dataset per parameter tensor under `/parameters/NAME`, flattened row-major, with
/// its shape in the attribute `shape`. Readable with plain h5py.
public enum HamiltonianModelStore {
    public static let architecture = "hamiltonian"

    /// Writes `model` to `path` atomically (a killed run leaves the old file or none, never half a file).
    public static func write(_ model: HamiltonianModel, history: [HamiltonianEpochReport], chemflowVersion: String,
                             to path: String) throws {
        let stored = model.serialized
        try Datasets.writeAtomically(path, describing: "model file") { tmp in
            let file = try HDF5File.create(path: tmp, overwrite: true)
            let root = try file.root()
            try root.setAttribute("format", "chemflow-model")
            try root.setAttribute("format_version", 1)
            try root.setAttribute("architecture", architecture)
            try root.setAttribute("configuration", String(decoding: try JSONEncoder().encode(stored.configuration), as: UTF8.self))
            try root.setAttribute("training", String(decoding: try JSONEncoder().encode(history), as: UTF8.self))
            try root.setAttribute("chemflow_version", chemflowVersion)
            let group = try root.createGroup("parameters")
            for name in stored.parameters.keys.sorted() {
                let values = stored.parameters[name]!
                let ds = try group.createDataset(name, type: .float64, chunkRows: max(1, values.count), rows: 0)
                try ds.append(values)
                try ds.setAttribute("shape", stored.shapes[name] ?? [values.count])
            }
            try file.close()
        }
    }

    /// True if `path` is an HDF5 file written by `write` (false for any other file, readable or not).
    public static func isHamiltonianModel(_ path: String) -> Bool {
        guard let file = try? HDF5File.open(path: path), let root = try? file.root() else { return false }
        defer { try? file.close() }
        return (try? root.stringAttribute("architecture")) == architecture
    }

    /// Reads a model written by `write`; throws a clear error for anything else.
    public static func read(_ path: String) throws -> (model: HamiltonianModel, history: [HamiltonianEpochReport]) {
        let file: HDF5File
        do { file = try HDF5File.open(path: path) } catch {
            throw HamiltonianLearningError.parameters("cannot open model file '\(path)': \(error)")
        }
        defer { try? file.close() }
        let root = try file.root()
        guard try root.stringAttribute("architecture") == architecture,
              let json = try root.stringAttribute("configuration") else {
            throw HamiltonianLearningError.parameters("'\(path)' is not a Hamiltonian model file (chemflow train --loss dft-energy)")
        }
        let configuration = try JSONDecoder().decode(HamiltonianModelConfiguration.self, from: Data(json.utf8))
        let history = try (root.stringAttribute("training")).map {
            try JSONDecoder().decode([HamiltonianEpochReport].self, from: Data($0.utf8))
        } ?? []
        let group = try root.openGroup("parameters")
        var parameters: [String: [Double]] = [:], shapes: [String: [Int]] = [:]
        let probe = try HamiltonianModel(configuration: configuration)
        for name in probe.serialized.parameters.keys {
            guard try group.exists(name) else {
                throw HamiltonianLearningError.parameters("model file '\(path)' lacks parameter '\(name)'")
            }
            let ds = try group.openDataset(name)
            parameters[name] = try ds.read(Double.self)
            shapes[name] = try ds.intArrayAttribute("shape")
        }
        let model = try HamiltonianModel(HamiltonianModelParameters(configuration: configuration, parameters: parameters,
                                                                    shapes: shapes))
        return (model, history)
    }
}
