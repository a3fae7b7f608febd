import ChemistryCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Column data for one dataset of a batch.
enum ColumnData {
    case f64([Double]), i32([Int32]), i64([Int64]), u8([UInt8]), strings([String])

    func append(to ds: HDF5Dataset) throws {
        switch self {
        case .f64(let v): try ds.append(v)
        case .i32(let v): try ds.append(v)
        case .i64(let v): try ds.append(v)
        case .u8(let v): try ds.append(v)
        case .strings(let v): try ds.appendStrings(v)
        }
    }
}

/// Options fixed when a dataset file is created (HDF5 cannot add datasets to a file under SWMR).
public struct DatasetOptions: Sendable {
    /// Create `/structures/cell` and `/structures/pbc` (needed as soon as one structure has a lattice).
    public var cells: Bool
    /// Create `/labels/forces`.
    public var forces: Bool
    /// Written to the root attribute `chemflow_version`.
    public var chemflowVersion: String
    /// `append` commits once this many records are pending...
    public var commitEvery: Int
    /// ...or once this many seconds have passed since the last commit.
    public var commitInterval: Double

    public init(cells: Bool = false, forces: Bool = false, chemflowVersion: String = "unknown",
                commitEvery: Int = 256, commitInterval: Double = 2.0) {
        self.cells = cells
        self.forces = forces
        self.chemflowVersion = chemflowVersion
        self.commitEvery = commitEvery
        self.commitInterval = commitInterval
    }
}

private func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Appends labelled structures to a chemflow HDF5 file, crash-safely.
///
/// The file is written in HDF5's single-writer/multiple-reader (SWMR) mode: the file on disk is
/// consistent at every moment, so it can be read while the writer runs and after a `kill -9`.
/// Records are buffered and committed in batches (every `commitEvery` records or
/// `commitInterval` seconds, on `flush()` and on `close()`). A commit extends and writes every
/// dataset, flushes, and only then extends `/structures/index`: a record counts as present once
/// its index is written, so readers never see half a record. `resume` continues a file after a
/// crash. See docs/hdf5-schema.md.
public final class DatasetWriter {
    public let path: String
    public let method: DatasetMethod
    public let options: DatasetOptions

    private var file: HDF5File?
    private var datasets: [String: HDF5Dataset] = [:]
    private var indexDataset: HDF5Dataset?
    private var pending: [LabelledStructure] = []
    private var lastCommit = monotonicSeconds()
    private var poisoned: String?

    /// Records committed to the file.
    public private(set) var committedCount = 0
    private var atomCount = 0
    private var iterationCount = 0
    /// Indices committed or pending (appending one twice is an error).
    public private(set) var indices: Set<Int> = []

    /// Records accepted so far (committed + pending).
    public var count: Int { committedCount + pending.count }

    /// Creates a new dataset file. Refuses an existing file unless `overwrite`.
    public convenience init(creating path: String, method: DatasetMethod, overwrite: Bool = false,
                            options: DatasetOptions = DatasetOptions()) throws {
        if fileExists(path) && !overwrite {
            throw DatasetError("'\(path)' already exists; use resume or overwrite")
        }
        // Built under a temporary name and renamed once in SWMR mode, so `path` never names a
        // half-created file, even if the process is killed during creation.
        let tmp = path + ".create-tmp"
        if fileExists(tmp) { unlink(tmp) }
        try self.init(newFile: tmp, method: method, options: options, created: isoNow(), finalPath: path)
        guard rename(tmp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? close()
            unlink(tmp)
            throw DatasetError("cannot create '\(path)': \(reason)")
        }
    }

    private init(newFile path: String, method: DatasetMethod, options: DatasetOptions, created: String,
                 finalPath: String? = nil) throws {
        let file = try HDF5File.create(path: path, overwrite: true, latestFormat: true)
        let root = try file.root()
        try Schema.writeRoot(root, method: method, chemflowVersion: options.chemflowVersion, created: created)
        var datasets: [String: HDF5Dataset] = [:]
        for spec in Schema.fields + [Schema.indexSpec] {
            switch spec.optional {
            case .cells where !options.cells: continue
            case .forces where !options.forces: continue
            default: break
            }
            let ds = try root.createDataset(spec.path, type: spec.type, rowShape: spec.rowShape,
                                            chunkRows: spec.chunkRows, fill: spec.fill)
            if let units = spec.units { try ds.setAttribute("units", units) }
            datasets[spec.path] = ds
        }
        try file.startSWMRWrite()
        self.path = finalPath ?? path
        self.method = method
        self.options = options
        self.file = file
        self.indexDataset = datasets.removeValue(forKey: Schema.index)!
        self.datasets = datasets
    }

    /// Re-opens a cleanly closed, consistent file for appending.
    private init(appendingTo path: String, method: DatasetMethod, options: DatasetOptions,
                 state: CommittedState) throws {
        let file = try HDF5File.open(path: path, mode: .swmrWrite)
        let root = try file.root()
        var datasets: [String: HDF5Dataset] = [:]
        for spec in Schema.fields where try root.exists(spec.path) {
            datasets[spec.path] = try root.openDataset(spec.path)
        }
        self.path = path
        self.method = method
        self.options = options
        self.file = file
        self.indexDataset = try root.openDataset(Schema.index)
        self.datasets = datasets
        self.committedCount = state.count
        self.atomCount = state.atoms
        self.iterationCount = state.iterations
        self.indices = Set(state.indices)
    }

    /// Opens `path` to continue writing after an interruption (clean exit or crash).
    ///
    /// The file's method must equal `method`, else a `DatasetError` lists the differences.
    /// A file left behind by a crashed writer is read in SWMR mode; its committed records are
    /// copied to a fresh file that atomically replaces it (temp file + rename), then appending
    /// continues. If `path` does not exist a new file is created with `options`.
    /// - Returns: the writer and the input indices already present (skip them).
    public static func resume(path: String, method: DatasetMethod,
                              options: DatasetOptions = DatasetOptions()) throws -> (DatasetWriter, completed: Set<Int>) {
        let tmp = path + ".resume-tmp"
        if fileExists(tmp) { unlink(tmp) }  // left over by a writer killed while repairing
        if fileExists(path + ".create-tmp") { unlink(path + ".create-tmp") }  // killed while creating
        guard fileExists(path) else {
            return (try DatasetWriter(creating: path, method: method, overwrite: false, options: options), [])
        }
        // Read header and committed state, releasing every handle before reopening for writing.
        let (header, state, clean, opts): ((method: DatasetMethod, version: String, created: String), CommittedState, Bool, DatasetOptions) = try {
            var clean = true
            let file: HDF5File
            do {
                file = try HDF5File.open(path: path, mode: .readOnly)
            } catch {
                clean = false
                do {
                    file = try HDF5File.open(path: path, mode: .swmrRead)
                } catch let e as HDF5Error {
                    throw DatasetError("cannot resume '\(path)': the file is unreadable (\(e.message))")
                }
            }
            let root = try file.root()
            let header = try Schema.readRoot(root, path: path)
            let diffs = header.method.differences(from: method)
            guard diffs.isEmpty else {
                throw DatasetError("cannot resume '\(path)': it was made with a different method (file vs requested: "
                                   + diffs.joined(separator: "; ") + ")")
            }
            let state = try CommittedState(file: file)
            var opts = options
            opts.cells = try root.exists("structures/cell")
            opts.forces = try root.exists("labels/forces")
            opts.chemflowVersion = header.version
            return (header, state, clean, opts)
        }()
        if clean && state.consistent {
            let w = try DatasetWriter(appendingTo: path, method: header.method, options: opts, state: state)
            return (w, Set(state.indices))
        }
        // Crashed writer (or a failed commit): copy the committed prefix to a fresh file, then
        // atomically replace the original with it.
        try {
            let source = try HDF5File.open(path: path, mode: clean ? .readOnly : .swmrRead)
            let w = try DatasetWriter(newFile: tmp, method: header.method, options: opts, created: header.created)
            try w.copyCommitted(from: try source.root(), state: state)
            try w.close()
        }()
        guard rename(tmp, path) == 0 else {
            throw DatasetError("cannot replace '\(path)' with its repaired copy: \(String(cString: strerror(errno)))")
        }
        let fresh: CommittedState = try {
            let reopened = try HDF5File.open(path: path, mode: .readOnly)
            return try CommittedState(file: reopened)
        }()
        let w = try DatasetWriter(appendingTo: path, method: header.method, options: opts, state: fresh)
        return (w, Set(fresh.indices))
    }

    /// Copies the first committed rows of every dataset (in blocks) and commits them.
    private func copyCommitted(from root: HDF5Group, state: CommittedState) throws {
        for spec in Schema.fields + [Schema.indexSpec] {
            guard let dst = spec.path == Schema.index ? indexDataset! : datasets[spec.path] else { continue }
            guard try root.exists(spec.path) else { continue }
            let src = try root.openDataset(spec.path)
            let total: Int
            switch spec.kind {
            case .structure: total = state.count
            case .atom: total = state.atoms
            case .iteration: total = state.iterations
            }
            let block = 1 << 16
            var start = 0
            while start < total {
                let r = start..<min(total, start + block)
                switch spec.type {
                case .float64, .float32: try dst.append(try src.read(Double.self, rows: r))
                case .int64, .int32: try dst.append(try src.read(Int64.self, rows: r))
                case .uint8, .int8: try dst.append(try src.read(UInt8.self, rows: r))
                case .string, .fixedString: try dst.appendStrings(try src.readStrings(rows: r))
                }
                start = r.upperBound
            }
            if spec.path != Schema.index { try dst.flush() }
        }
        try file?.flush()
        committedCount = state.count
        atomCount = state.atoms
        iterationCount = state.iterations
        indices = Set(state.indices)
    }

    /// Adds records; they are committed in batches (see `DatasetOptions`), or by `flush()`/`close()`.
    /// Throws (and writes nothing of the call) if a record is invalid or its index was already written.
    public func append(_ records: [LabelledStructure]) throws {
        guard file != nil else { throw DatasetError("'\(path)' is closed") }
        if let poisoned { throw DatasetError("'\(path)' cannot take more records after an earlier failure: \(poisoned)") }
        var seen = Set<Int>()
        for r in records {
            let n = r.structure.count
            if r.index < 0 { throw DatasetError("record '\(r.structure.name)' has a negative index \(r.index)") }
            if indices.contains(r.index) || !seen.insert(r.index).inserted {
                throw DatasetError("structure index \(r.index) is already in '\(path)'")
            }
            if !r.charges.isEmpty && r.charges.count != n {
                throw DatasetError("record \(r.index): \(r.charges.count) charges for \(n) atoms")
            }
            if let f = r.forces {
                if f.count != n { throw DatasetError("record \(r.index): \(f.count) forces for \(n) atoms") }
                if !options.forces {
                    throw DatasetError("record \(r.index) has forces but '\(path)' was created without them (DatasetOptions.forces)")
                }
            }
            if r.structure.lattice != nil || r.structure.pbc.contains(true) {
                if !options.cells {
                    throw DatasetError("record \(r.index) is periodic but '\(path)' was created without cells (DatasetOptions.cells)")
                }
                if let l = r.structure.lattice, l.count != 3 {
                    throw DatasetError("record \(r.index): lattice has \(l.count) vectors")
                }
            }
        }
        pending += records
        indices.formUnion(seen)
        if pending.count >= options.commitEvery || monotonicSeconds() - lastCommit >= options.commitInterval {
            try commit()
        }
    }

    /// Commits pending records: on return they are in the file and survive a crash.
    public func flush() throws {
        guard file != nil else { return }
        try commit()
    }

    /// Commits pending records and closes the file (it then opens without SWMR flags).
    public func close() throws {
        guard let file else { return }
        defer {
            datasets = [:]
            indexDataset = nil
            self.file = nil
        }
        try commit()
        datasets = [:]
        indexDataset = nil
        try file.close()
    }

    private func commit() throws {
        lastCommit = monotonicSeconds()
        guard !pending.isEmpty else { return }
        if let poisoned { throw DatasetError("'\(path)' cannot commit after an earlier failure: \(poisoned)") }
        let batch = pending
        var columns: [String: ColumnData] = [:]
        var names: [String] = [], errors: [String] = [], nAtoms: [Int32] = [], atomOffset: [Int64] = []
        var cell: [Double] = [], pbc: [UInt8] = [], z: [Int32] = [], pos: [Double] = []
        var energy: [Double] = [], homo: [Double] = [], lumo: [Double] = [], gap: [Double] = []
        var dipole: [Double] = [], charges: [Double] = [], forces: [Double] = []
        var converged: [UInt8] = [], iters: [Int32] = [], seconds: [Double] = [], status: [UInt8] = []
        var itE: [Double] = [], itOffset: [Int64] = [], itCount: [Int32] = []
        var atoms = atomCount, its = iterationCount
        for r in batch {
            let s = r.structure
            names.append(s.name)
            errors.append(r.error)
            nAtoms.append(Int32(s.count))
            atomOffset.append(Int64(atoms))
            atoms += s.count
            if options.cells {
                let l = s.lattice ?? [SIMD3(repeating: .nan), SIMD3(repeating: .nan), SIMD3(repeating: .nan)]
                for v in l { cell += [v.x, v.y, v.z] }
                for i in 0..<3 { pbc.append(i < s.pbc.count && s.pbc[i] ? 1 : 0) }
            }
            z += s.atomicNumbers.map { Int32($0) }
            for p in s.positions { pos += [p.x, p.y, p.z] }
            energy.append(r.energy); homo.append(r.homo); lumo.append(r.lumo); gap.append(r.gap)
            dipole += [r.dipole.x, r.dipole.y, r.dipole.z]
            charges += r.charges.isEmpty ? [Double](repeating: .nan, count: s.count) : r.charges
            if options.forces {
                if let f = r.forces { for v in f { forces += [v.x, v.y, v.z] } }
                else { forces += [Double](repeating: .nan, count: 3 * s.count) }
            }
            converged.append(r.converged ? 1 : 0)
            iters.append(Int32(clamping: r.iterations))
            seconds.append(r.seconds)
            status.append(r.status.rawValue)
            itOffset.append(Int64(its))
            itCount.append(Int32(r.iterationEnergies.count))
            itE += r.iterationEnergies
            its += r.iterationEnergies.count
        }
        columns["structures/name"] = .strings(names)
        columns["structures/n_atoms"] = .i32(nAtoms)
        columns["structures/atom_offset"] = .i64(atomOffset)
        columns["structures/cell"] = .f64(cell)
        columns["structures/pbc"] = .u8(pbc)
        columns["structures/atomic_numbers"] = .i32(z)
        columns["structures/positions"] = .f64(pos)
        columns["labels/energy"] = .f64(energy)
        columns["labels/homo"] = .f64(homo)
        columns["labels/lumo"] = .f64(lumo)
        columns["labels/gap"] = .f64(gap)
        columns["labels/dipole"] = .f64(dipole)
        columns["labels/charges"] = .f64(charges)
        columns["labels/forces"] = .f64(forces)
        columns["labels/converged"] = .u8(converged)
        columns["labels/scf_iterations"] = .i32(iters)
        columns["labels/seconds"] = .f64(seconds)
        columns["labels/status"] = .u8(status)
        columns["labels/error"] = .strings(errors)
        columns["labels/iteration_energies"] = .f64(itE)
        columns["labels/iteration_offset"] = .i64(itOffset)
        columns["labels/iteration_count"] = .i32(itCount)
        do {
            for spec in Schema.fields {
                guard let ds = datasets[spec.path], let col = columns[spec.path] else { continue }
                try col.append(to: ds)
            }
            // Everything but the index is on disk before the index grows: the commit point.
            try file!.flush()
            try ColumnData.i64(batch.map { Int64($0.index) }).append(to: indexDataset!)
            try indexDataset!.flush()
            try file!.flush()
        } catch {
            poisoned = "\(error)"
            throw error
        }
        pending = []
        committedCount += batch.count
        atomCount = atoms
        iterationCount = its
    }
}

/// The committed prefix of a file: records whose index was written and whose data is complete.
struct CommittedState {
    var count: Int
    var atoms: Int
    var iterations: Int
    var indices: [Int]
    var atomOffsets: [Int]
    var atomCounts: [Int]
    var iterationOffsets: [Int]
    var iterationCounts: [Int]
    /// Whether every dataset has exactly the committed length (a cleanly written file).
    var consistent: Bool

    init(file: HDF5File) throws {
        let root = try file.root()
        var minStructures = Int.max, maxStructures = 0
        var minAtoms = Int.max, maxAtoms = 0, minIts = Int.max, maxIts = 0
        var lengths: [String: Int] = [:]
        for spec in Schema.fields + [Schema.indexSpec] where try root.exists(spec.path) {
            let n = try root.openDataset(spec.path).rows()
            lengths[spec.path] = n
            switch spec.kind {
            case .structure: minStructures = min(minStructures, n); maxStructures = max(maxStructures, n)
            case .atom: minAtoms = min(minAtoms, n); maxAtoms = max(maxAtoms, n)
            case .iteration: minIts = min(minIts, n); maxIts = max(maxIts, n)
            }
        }
        guard lengths[Schema.index] != nil, minStructures != Int.max else {
            throw DatasetError("'\(file.path)' lacks /structures/index: not a chemflow dataset")
        }
        var n = minStructures
        var idx = try root.openDataset(Schema.index).read(Int64.self, rows: 0..<n).map { Int($0) }
        if let firstFill = idx.firstIndex(where: { $0 < 0 }) { n = firstFill; idx.removeSubrange(n...) }
        let offs = try root.openDataset("structures/atom_offset").read(Int64.self, rows: 0..<n).map { Int($0) }
        let cnts = try root.openDataset("structures/n_atoms").read(Int32.self, rows: 0..<n).map { Int($0) }
        let ioffs = try root.openDataset("labels/iteration_offset").read(Int64.self, rows: 0..<n).map { Int($0) }
        let icnts = try root.openDataset("labels/iteration_count").read(Int32.self, rows: 0..<n).map { Int($0) }
        // Trim records whose atoms or iterations are not all present (cannot happen with the
        // commit protocol, but a reader must never return a partial record).
        while n > 0 && (offs[n - 1] + cnts[n - 1] > minAtoms || ioffs[n - 1] + icnts[n - 1] > minIts) { n -= 1 }
        count = n
        indices = Array(idx[0..<n])
        atomOffsets = Array(offs[0..<n])
        atomCounts = Array(cnts[0..<n])
        iterationOffsets = Array(ioffs[0..<n])
        iterationCounts = Array(icnts[0..<n])
        atoms = n > 0 ? offs[n - 1] + cnts[n - 1] : 0
        iterations = n > 0 ? ioffs[n - 1] + icnts[n - 1] : 0
        consistent = maxStructures == n && minStructures == n
            && (minAtoms == Int.max || (minAtoms == atoms && maxAtoms == atoms))
            && (minIts == Int.max || (minIts == iterations && maxIts == iterations))
    }
}
