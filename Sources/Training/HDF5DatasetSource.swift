import ChemistryCore
import Datasets
import Foundation
import GraphNetworks

/// A chemflow HDF5 dataset (docs/hdf5-schema.md) as an `EnergyDataset` for the trainer.
///
/// Only records with status ok and a finite target are used; `count` and the indices of
/// `structure(at:)` / `energy(at:)` refer to those records, in file order. The targets are
/// read once at open (one float64 per record). Structures are read in blocks of `blockSize`
/// rows, and only the most recent block is kept, so memory follows the block size rather than
/// the dataset size (the trainer caches graphs unless told not to).
public final class HDF5DatasetSource: EnergyDataset {
    public let path: String
    public let target: String
    /// The method that labelled the dataset (root attributes).
    public let method: DatasetMethod
    /// `chemflow_version` of the program that wrote the dataset.
    public let datasetChemflowVersion: String
    /// Committed records in the file, and those skipped (status not ok, or no finite target).
    public let recordCount: Int
    public let skipped: Int
    /// File rows of the usable records.
    public let rows: [Int]
    private let targets: [Double]
    private let reader: DatasetReader
    private let blockSize: Int
    private var block: (start: Int, structures: [Structure])?

    /// Opens `path`. Throws a `TrainingError` (one line) for a missing or non-chemflow file, an
    /// unsupported target, a file without the target, or one with no usable records.
    public init(path: String, target: String = "energy", blockSize: Int = 1024) throws {
        guard Training.supportedTargets.contains(target) else {
            throw TrainingError("target '\(target)' is not supported (available: \(Training.supportedTargets.joined(separator: ", ")))")
        }
        let reader: DatasetReader
        do { reader = try DatasetReader(path: path) } catch {
            throw TrainingError("\(error)")
        }
        let values: [Double], statuses: [LabelStatus]
        do {
            values = try reader.energies()
            statuses = try reader.statuses()
        } catch {
            throw TrainingError("'\(path)' has no usable '\(target)' labels: \(error)")
        }
        guard reader.count > 0 else {
            throw TrainingError("'\(path)' holds no records")
        }
        var rows: [Int] = [], targets: [Double] = []
        for row in 0..<min(values.count, statuses.count, reader.count) where statuses[row] == .ok && values[row].isFinite {
            rows.append(row)
            targets.append(values[row])
        }
        guard !rows.isEmpty else {
            let ok = statuses.filter { $0 == .ok }.count
            throw TrainingError("'\(path)' has no usable records: \(reader.count) records, \(ok) with status ok, none with a finite \(target)")
        }
        self.path = path
        self.target = target
        self.reader = reader
        self.method = reader.method
        self.datasetChemflowVersion = reader.chemflowVersion
        self.recordCount = reader.count
        self.skipped = reader.count - rows.count
        self.rows = rows
        self.targets = targets
        self.blockSize = max(1, blockSize)
    }

    public var count: Int { rows.count }

    public func structure(at index: Int) throws -> Structure {
        guard index >= 0, index < rows.count else {
            throw TrainingError("record \(index) out of range: '\(path)' has \(rows.count) usable records")
        }
        let row = rows[index]
        if let b = block, row >= b.start, row < b.start + b.structures.count { return b.structures[row - b.start] }
        let start = (row / blockSize) * blockSize
        let structures: [Structure]
        do { structures = try reader.structures(in: start..<min(reader.count, start + blockSize)) } catch {
            throw TrainingError("\(error)")
        }
        block = (start, structures)
        return structures[row - start]
    }

    public func energy(at index: Int) throws -> Double {
        guard index >= 0, index < rows.count else {
            throw TrainingError("record \(index) out of range: '\(path)' has \(rows.count) usable records")
        }
        return targets[index]
    }

    /// All usable structures, in order (read block by block).
    public func allStructures() throws -> [Structure] {
        try (0..<count).map { try structure(at: $0) }
    }

    /// The method as name → value, the dataset's root attributes (for provenance).
    public var methodAttributes: [String: String] {
        var d = method.extra
        d["xc"] = method.xc
        d["libxc"] = method.libxc
        d["basis"] = method.basis
        if let g = method.gridLevel { d["grid_level"] = String(g) }
        d["convergence_threshold_hartree"] = "\(method.convergenceThreshold)"
        return d
    }
}

/// Several datasets used as one (`--data a.h5 --data b.h5`).
public final class ConcatenatedDataset: EnergyDataset {
    public let parts: [any EnergyDataset]
    private let starts: [Int]

    public init(_ parts: [any EnergyDataset]) {
        self.parts = parts
        var s: [Int] = [0]
        for p in parts { s.append(s.last! + p.count) }
        starts = s
    }

    public var count: Int { starts.last! }

    private func locate(_ index: Int) throws -> (Int, Int) {
        guard index >= 0, index < count else { throw TrainingError("record \(index) out of range (\(count) records)") }
        var lo = 0, hi = parts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if starts[mid] <= index { lo = mid } else { hi = mid - 1 }
        }
        return (lo, index - starts[lo])
    }

    public func structure(at index: Int) throws -> Structure {
        let (p, i) = try locate(index)
        return try parts[p].structure(at: i)
    }

    public func energy(at index: Int) throws -> Double {
        let (p, i) = try locate(index)
        return try parts[p].energy(at: i)
    }
}
