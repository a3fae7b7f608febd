import ChemistryCore
import Datasets
import Foundation
import GraphNetworks

/// Training orchestration: chemflow datasets into graph networks, HDF5 model files.
public enum Training {
    /// The root attribute `format` of a model file.
    public static let modelFormatName = "chemflow-model"
    /// The model-file layout version written to `format_version`.
    public static let modelFormatVersion = 1
    /// The root attribute `format` of a training checkpoint.
    public static let checkpointFormatName = "chemflow-checkpoint"
    /// Targets a model can be trained on.
    public static let supportedTargets = ["energy"]

    /// `<dir>/<stem>.checkpoint.h5` for a model at `<dir>/<stem>.<ext>`.
    public static func checkpointPath(forModel path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent()
            .appendingPathComponent(url.deletingPathExtension().lastPathComponent + ".checkpoint.h5").path
    }

    /// Metrics CSV and learning-curve SVG of member `k` (of `members`) for a model at `path`:
    /// `name.metrics.csv` for one model, `name.member{k}.metrics.csv` for ensembles.
    public static func reportPaths(forModel path: String, member k: Int, of members: Int) -> (csv: String, svg: String) {
        let url = URL(fileURLWithPath: path)
        let memberURL = members == 1 ? url : url.deletingLastPathComponent()
            .appendingPathComponent(url.deletingPathExtension().lastPathComponent + ".member\(k)." + url.pathExtension)
        let (csv, svg) = trainingReportPaths(nextTo: memberURL)
        return (csv.path, svg.path)
    }
}

/// A training, model-file or prediction error: one line, meant for the user.
public struct TrainingError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// "H C N O" for atomic numbers.
func elementList(_ zs: [Int]) -> String {
    zs.map { Elements.symbol($0) }.joined(separator: " ")
}

/// `Datasets.writeAtomically` with errors as `TrainingError`.
func writeAtomically(_ path: String, describing what: String, _ write: (String) throws -> Void) throws {
    do {
        try Datasets.writeAtomically(path, describing: what, write)
    } catch let error as DatasetError {
        throw TrainingError(error.message)
    }
}
