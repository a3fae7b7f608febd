import ChemistryCore
import Datasets
import Foundation
import GaussianDFT
import LinearAlgebra

/// A deterministic slice of the input: structures whose input index i has i mod count == index.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    /// Parses "I/N" with 0 ≤ I < N.
    public init?(_ text: String) {
        let parts = text.split(separator: "/").compactMap { Int($0) }
        guard parts.count == 2, parts[1] > 0, (0..<parts[1]).contains(parts[0]) else { return nil }
        index = parts[0]; count = parts[1]
    }

    public func contains(_ i: Int) -> Bool { i % count == index }
    public var description: String { "\(index)/\(count)" }
}

/// Counters reported while generating.
public struct GenerationProgress: Sendable {
    /// Structures of this shard present in the file (including those from earlier runs).
    public var done: Int
    public var total: Int
    public var failed: Int
    public var notConverged: Int
    /// Structures finished by this run and the run's wall time.
    public var finishedThisRun: Int
    public var elapsed: Double

    public var rate: Double { elapsed > 0 ? Double(finishedThisRun) / elapsed : 0 }
    /// Estimated seconds left.
    public var eta: Double? { rate > 0 ? Double(total - done) / rate : nil }
}

/// What a finished run did.
public struct GenerationSummary: Sendable {
    public var total: Int
    public var computed: Int
    public var skipped: Int
    public var failed: Int
    public var notConverged: Int
    public var seconds: Double
}

/// Labels structures with DFT on several threads and writes them to a chemflow HDF5 file in
/// input order, resumable after a kill (see `DatasetWriter`).
public struct DatasetGenerator {
    public var settings: SCFSettings
    public var preset: String?
    public var threads: Int
    public var shard: Shard?
    public var chemflowVersion: String
    /// Also label analytic forces (eV/Å) into `/labels/forces`.
    public var forces = false

    public init(settings: SCFSettings, preset: String? = nil, threads: Int, shard: Shard? = nil, chemflowVersion: String) {
        self.settings = settings
        self.preset = preset
        self.threads = threads
        self.shard = shard
        self.chemflowVersion = chemflowVersion
    }

    /// Runs the job. `resume` continues an existing file (its method must match); otherwise an
    /// existing output is refused unless `overwrite`. `progress` and `finished` are called on
    /// the calling thread.
    public func run(structures: [Structure], output: String, resume: Bool, overwrite: Bool,
                    progress: (GenerationProgress) -> Void = { _ in },
                    finished: (LabelledStructure) -> Void = { _ in }) throws -> GenerationSummary {
        let start = Date()
        let lock = try OutputLock(path: output)
        defer { lock.release() }
        let method = try datasetMethod(for: settings, preset: preset, forces: forces)
        let options = DatasetOptions(cells: false, forces: forces, chemflowVersion: chemflowVersion)
        let writer: DatasetWriter
        var completed: Set<Int> = []
        if resume {
            (writer, completed) = try DatasetWriter.resume(path: output, method: method, options: options)
        } else {
            if FileManager.default.fileExists(atPath: output) && !overwrite {
                throw DatasetError("'\(output)' exists; pass --resume to continue it or --overwrite to replace it")
            }
            writer = try DatasetWriter(creating: output, method: method, overwrite: overwrite, options: options)
        }
        let mine = structures.indices.filter { shard?.contains($0) ?? true }
        let todo = mine.filter { !completed.contains($0) }
        var counters = GenerationProgress(done: mine.count - todo.count, total: mine.count, failed: 0,
                                          notConverged: 0, finishedThisRun: 0, elapsed: 0)
        progress(counters)
        let settings = self.settings
        let withForces = forces
        let inputs = structures
        let runStart = Date()
        do {
            try orderedParallelMap(count: todo.count, threads: threads, work: { k in
                labelStructure(index: todo[k], structure: inputs[todo[k]], settings: settings, forces: withForces)
            }, commit: { records in
                try writer.append(records)
                try writer.flush()
                for r in records {
                    counters.done += 1
                    counters.finishedThisRun += 1
                    if r.status == .failed { counters.failed += 1 }
                    if r.status == .notConverged { counters.notConverged += 1 }
                    finished(r)
                }
                counters.elapsed = Date().timeIntervalSince(runStart)
                progress(counters)
            })
        } catch {
            try? writer.close()
            throw error
        }
        try writer.close()
        return GenerationSummary(total: mine.count, computed: todo.count, skipped: mine.count - todo.count,
                                 failed: counters.failed, notConverged: counters.notConverged,
                                 seconds: Date().timeIntervalSince(start))
    }
}

/// An exclusive advisory lock (`flock`) on OUTPUT.lock, so two runs never write one file.
struct OutputLock {
    let descriptor: Int32
    let path: String

    init(path output: String) throws {
        path = output + ".lock"
        descriptor = open(path, O_CREAT | O_RDWR, 0o644)
        guard descriptor >= 0 else { throw DatasetError("cannot create lock file '\(path)': \(String(cString: strerror(errno)))") }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            close(descriptor)
            throw DatasetError("'\(output)' is being written by another chemflow process (lock '\(path)')")
        }
    }

    func release() {
        unlink(path)
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
