import ChemistryCore
import Datasets
import Foundation
import GraphNetworks
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The resumable state of a training run: one `TrainingCheckpoint` per ensemble member that has
/// started, plus the settings that must match on `--resume`. Stored as `name.checkpoint.h5` next
/// to the model (HDF5: parameters and Adam moments as float64 datasets, the rest as attributes),
/// rewritten atomically (temporary file + rename) after every epoch.
public struct RunCheckpoint {
    /// Settings that fix the result; a resume must use the same ones.
    public var settings: [String: String]
    public var members: [TrainingCheckpoint]

    public init(settings: [String: String], members: [TrainingCheckpoint]) {
        self.settings = settings
        self.members = members
    }

    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }

    public func write(to path: String) throws {
        try writeAtomically(path, describing: "checkpoint", writeContents)
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
        try root.setAttribute("format", Training.checkpointFormatName)
        try root.setAttribute("format_version", 1)
        try root.setAttribute("settings", String(decoding: try Self.encoder().encode(settings), as: UTF8.self))
        try root.setAttribute("members_started", members.count)
        for (k, c) in members.enumerated() {
            let g = try root.createGroup("members/\(k)")
            try g.setAttribute("epochs_done", c.epochsDone)
            try g.setAttribute("best_validation_mae", c.bestValidationMAE)
            try g.setAttribute("epochs_without_improvement", c.epochsWithoutImprovement)
            try g.setAttribute("optimizer_step", c.optimizerStep)
            let e = Self.encoder()
            try g.setAttribute("schedule", String(decoding: try e.encode(c.schedule), as: UTF8.self))
            try g.setAttribute("standardization", String(decoding: try e.encode(c.standardization), as: UTF8.self))
            try g.setAttribute("history", String(decoding: try e.encode(c.history), as: UTF8.self))
            for (name, values) in [("parameters", c.parameters), ("best_parameters", c.bestParameters),
                                   ("optimizer_m", c.optimizerM), ("optimizer_v", c.optimizerV)] {
                let ds = try g.createDataset(name, type: .float64, chunkRows: max(1, min(values.count, 1 << 20)), rows: values.count)
                try ds.write(values, atRow: 0)
            }
        }
        try file.flush()
    }

    /// Reads a checkpoint; `prototype` supplies a `TrainingCheckpoint` value to fill in.
    public static func read(path: String) throws -> RunCheckpoint {
        let file: HDF5File
        do { file = try HDF5File.open(path: path, mode: .readOnly) } catch {
            throw TrainingError("cannot read checkpoint '\(path)': not a readable HDF5 file (\(error))")
        }
        do {
            let root = try file.root()
            guard try root.stringAttribute("format") == Training.checkpointFormatName else {
                throw TrainingError("'\(path)' is not a chemflow training checkpoint")
            }
            let d = decoder()
            let settings = try d.decode([String: String].self, from: Data((try root.stringAttribute("settings") ?? "{}").utf8))
            let n = try root.intAttribute("members_started") ?? 0
            var members: [TrainingCheckpoint] = []
            for k in 0..<max(0, n) {
                let g = try root.openGroup("members/\(k)")
                func json<T: Decodable>(_ name: String, _ type: T.Type) throws -> T {
                    guard let s = try g.stringAttribute(name) else { throw TrainingError("checkpoint '\(path)' lacks \(name) of member \(k)") }
                    return try d.decode(T.self, from: Data(s.utf8))
                }
                let c = TrainingCheckpoint(
                    epochsDone: try g.intAttribute("epochs_done") ?? 0,
                    parameters: try g.openDataset("parameters").read(Double.self),
                    bestParameters: try g.openDataset("best_parameters").read(Double.self),
                    bestValidationMAE: try g.doubleAttribute("best_validation_mae") ?? .infinity,
                    epochsWithoutImprovement: try g.intAttribute("epochs_without_improvement") ?? 0,
                    optimizerStep: try g.intAttribute("optimizer_step") ?? 0,
                    optimizerM: try g.openDataset("optimizer_m").read(Double.self),
                    optimizerV: try g.openDataset("optimizer_v").read(Double.self),
                    schedule: try json("schedule", LearningRateSchedule.self),
                    standardization: try json("standardization", Standardization.self),
                    history: try json("history", [EpochMetrics].self))
                guard c.standardization.elements.count == c.standardization.references.count,
                      c.optimizerM.count == c.optimizerV.count else {
                    throw TrainingError("checkpoint '\(path)' is damaged (member \(k))")
                }
                members.append(c)
            }
            return RunCheckpoint(settings: settings, members: members)
        } catch let e as TrainingError {
            throw e
        } catch {
            throw TrainingError("checkpoint '\(path)' is damaged: \(error)")
        }
    }
}

