import ChemistryCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a chemflow HDF5 dataset: finished, still being written, or left behind by a crash.
///
/// Only committed records are visible (see `DatasetWriter`); `count` is fixed at open.
/// Rows are in file order (`indices[row]` is the input index of row `row`).
public final class DatasetReader {
    public let path: String
    public let method: DatasetMethod
    /// `chemflow_version` and `created` root attributes.
    public let chemflowVersion: String
    public let created: String
    /// Whether the file was opened in SWMR-read mode (a writer is running or crashed).
    public let openedWhileWriting: Bool
    /// Whether the file has cells/pbc and forces datasets.
    public let hasCells: Bool
    public let hasForces: Bool

    private let file: HDF5File
    private let state: CommittedState
    private var datasets: [String: HDF5Dataset] = [:]

    /// Number of committed records.
    public var count: Int { state.count }
    /// Input index of each row.
    public var indices: [Int] { state.indices }

    public init(path: String) throws {
        self.path = path
        var swmr = false
        let file: HDF5File
        do {
            file = try HDF5File.open(path: path, mode: .readOnly)
        } catch let first as HDF5Error {
            guard fileExists(path) else { throw DatasetError("cannot read '\(path)': no such file") }
            do {
                file = try HDF5File.open(path: path, mode: .swmrRead)
                swmr = true
            } catch {
                throw DatasetError("cannot read '\(path)': \(first.message)")
            }
        }
        self.file = file
        self.openedWhileWriting = swmr
        let header = try Schema.readRoot(try file.root(), path: path)
        method = header.method
        chemflowVersion = header.version
        created = header.created
        state = try CommittedState(file: file)
        let root = try file.root()
        for spec in Schema.fields where try root.exists(spec.path) {
            datasets[spec.path] = try root.openDataset(spec.path)
        }
        hasCells = datasets["structures/cell"] != nil
        hasForces = datasets["labels/forces"] != nil
    }

    private func ds(_ name: String) throws -> HDF5Dataset {
        guard let d = datasets[name] else { throw DatasetError("'\(path)' lacks /\(name)") }
        return d
    }

    private func checkRange(_ range: Range<Int>) throws {
        guard range.lowerBound >= 0, range.upperBound <= count else {
            throw DatasetError("rows \(range) out of range: '\(path)' has \(count) records")
        }
    }

    /// The atom rows covered by structure rows `range`.
    private func atomRange(_ range: Range<Int>) -> Range<Int> {
        guard !range.isEmpty else { return 0..<0 }
        return state.atomOffsets[range.lowerBound]..<(state.atomOffsets[range.upperBound - 1] + state.atomCounts[range.upperBound - 1])
    }

    private func iterationRange(_ range: Range<Int>) -> Range<Int> {
        guard !range.isEmpty else { return 0..<0 }
        return state.iterationOffsets[range.lowerBound]..<(state.iterationOffsets[range.upperBound - 1] + state.iterationCounts[range.upperBound - 1])
    }

    private static func vectors(_ flat: [Double], _ range: Range<Int>) -> [SIMD3<Double>] {
        range.map { SIMD3(flat[3 * $0], flat[3 * $0 + 1], flat[3 * $0 + 2]) }
    }

    /// Structures of rows `range`.
    public func structures(in range: Range<Int>) throws -> [Structure] {
        try checkRange(range)
        if range.isEmpty { return [] }
        let atoms = atomRange(range)
        let names = try ds("structures/name").readStrings(rows: range)
        let z = try ds("structures/atomic_numbers").read(Int32.self, rows: atoms)
        let pos = try ds("structures/positions").read(Double.self, rows: atoms)
        let cells = hasCells ? try ds("structures/cell").read(Double.self, rows: range) : []
        let pbcs = hasCells ? try ds("structures/pbc").read(UInt8.self, rows: range) : []
        var out: [Structure] = []
        out.reserveCapacity(range.count)
        for (k, row) in range.enumerated() {
            let a = (state.atomOffsets[row] - atoms.lowerBound)..<(state.atomOffsets[row] - atoms.lowerBound + state.atomCounts[row])
            var lattice: [SIMD3<Double>]? = nil
            var pbc = [false, false, false]
            if hasCells {
                let l = Self.vectors(Array(cells[9 * k..<9 * k + 9]), 0..<3)
                if !l.contains(where: { $0.x.isNaN || $0.y.isNaN || $0.z.isNaN }) { lattice = l }
                pbc = (0..<3).map { pbcs[3 * k + $0] != 0 }
            }
            out.append(Structure(name: names[k], atomicNumbers: a.map { Int(z[$0]) },
                                 positions: Self.vectors(pos, a), lattice: lattice, pbc: pbc))
        }
        return out
    }

    /// Records of rows `range` (one read per dataset).
    public func records(in range: Range<Int>) throws -> [LabelledStructure] {
        let structures = try self.structures(in: range)
        if range.isEmpty { return [] }
        let atoms = atomRange(range), its = iterationRange(range)
        let energy = try ds("labels/energy").read(Double.self, rows: range)
        let homo = try ds("labels/homo").read(Double.self, rows: range)
        let lumo = try ds("labels/lumo").read(Double.self, rows: range)
        let gap = try ds("labels/gap").read(Double.self, rows: range)
        let dipole = try ds("labels/dipole").read(Double.self, rows: range)
        let charges = try ds("labels/charges").read(Double.self, rows: atoms)
        let forces = hasForces ? try ds("labels/forces").read(Double.self, rows: atoms) : []
        let converged = try ds("labels/converged").read(UInt8.self, rows: range)
        let iters = try ds("labels/scf_iterations").read(Int32.self, rows: range)
        let seconds = try ds("labels/seconds").read(Double.self, rows: range)
        let status = try ds("labels/status").read(UInt8.self, rows: range)
        let errors = try ds("labels/error").readStrings(rows: range)
        let itE = try ds("labels/iteration_energies").read(Double.self, rows: its)
        var out: [LabelledStructure] = []
        out.reserveCapacity(range.count)
        for (k, row) in range.enumerated() {
            let a = (state.atomOffsets[row] - atoms.lowerBound)..<(state.atomOffsets[row] - atoms.lowerBound + state.atomCounts[row])
            let i0 = state.iterationOffsets[row] - its.lowerBound
            let f = hasForces ? Self.vectors(forces, a) : nil
            let q = Array(charges[a])
            out.append(LabelledStructure(
                index: state.indices[row], structure: structures[k],
                status: LabelStatus(rawValue: status[k]) ?? .failed, error: errors[k],
                energy: energy[k], homo: homo[k], lumo: lumo[k], gap: gap[k],
                dipole: SIMD3(dipole[3 * k], dipole[3 * k + 1], dipole[3 * k + 2]),
                charges: q.allSatisfy(\.isNaN) ? [] : q,
                converged: converged[k] != 0, iterations: Int(iters[k]), seconds: seconds[k],
                iterationEnergies: Array(itE[i0..<(i0 + state.iterationCounts[row])]),
                forces: f.flatMap { $0.allSatisfy { $0.x.isNaN && $0.y.isNaN && $0.z.isNaN } && !$0.isEmpty ? nil : $0 }))
        }
        return out
    }

    /// The record in row `row`.
    public func record(at row: Int) throws -> LabelledStructure {
        try records(in: row..<(row + 1))[0]
    }

    /// Total energies (eV) of all committed records, in row order.
    public func energies() throws -> [Double] {
        try ds("labels/energy").read(Double.self, rows: 0..<count)
    }

    /// Statuses of all committed records, in row order.
    public func statuses() throws -> [LabelStatus] {
        try ds("labels/status").read(UInt8.self, rows: 0..<count).map { LabelStatus(rawValue: $0) ?? .failed }
    }

    /// An iterator over batches of records for training.
    /// - Parameters:
    ///   - size: records per batch (the last one may be smaller).
    ///   - shuffleSeed: nil: file order, read in contiguous blocks; else a seeded random permutation.
    ///   - onlyConverged: skip records whose status is not ok.
    public func batches(size: Int, shuffleSeed: UInt64? = nil, onlyConverged: Bool = false) throws -> DatasetBatchIterator {
        var rows = Array(0..<count)
        if onlyConverged {
            let s = try statuses()
            rows = rows.filter { s[$0] == .ok }
        }
        if let seed = shuffleSeed {
            var rng = SplitMix64(seed: seed)
            rows.shuffle(using: &rng)
        }
        return DatasetBatchIterator(reader: self, rows: rows, size: max(size, 1))
    }
}

/// Batches of records from a `DatasetReader` (see `DatasetReader.batches`).
public struct DatasetBatchIterator {
    let reader: DatasetReader
    /// The row order being iterated.
    public let rows: [Int]
    let size: Int
    var position = 0

    /// The next batch, nil at the end. Contiguous row runs are read with one read per dataset.
    public mutating func next() throws -> [LabelledStructure]? {
        guard position < rows.count else { return nil }
        let batch = rows[position..<min(rows.count, position + size)]
        position += batch.count
        var out: [LabelledStructure] = []
        var i = batch.startIndex
        while i < batch.endIndex {
            var j = i + 1
            while j < batch.endIndex && batch[j] == batch[j - 1] + 1 { j += 1 }
            out += try reader.records(in: batch[i]..<(batch[j - 1] + 1))
            i = j
        }
        return out
    }
}


/// Merges chemflow datasets (e.g. shards) into one file ordered by input index.
///
/// All inputs must have the same method; an index present twice is an error. The output is
/// written to a temporary file and renamed into place. Refuses an existing output unless
/// `overwrite`. Returns the number of records written.
@discardableResult
public func mergeDatasets(into output: String, from inputs: [String], overwrite: Bool = false) throws -> Int {
    guard !inputs.isEmpty else { throw DatasetError("merge needs at least one input") }
    if fileExists(output) && !overwrite {
        throw DatasetError("'\(output)' already exists; pass overwrite to replace it")
    }
    let readers = try inputs.map { try DatasetReader(path: $0) }
    let method = readers[0].method
    for r in readers.dropFirst() {
        let d = r.method.differences(from: method)
        if !d.isEmpty {
            throw DatasetError("cannot merge '\(r.path)' with '\(readers[0].path)': methods differ (" + d.joined(separator: "; ") + ")")
        }
    }
    var entries: [(index: Int, input: Int, row: Int)] = []
    for (i, r) in readers.enumerated() {
        for (row, idx) in r.indices.enumerated() { entries.append((idx, i, row)) }
    }
    entries.sort { ($0.index, $0.input, $0.row) < ($1.index, $1.input, $1.row) }
    for k in entries.indices.dropFirst() where entries[k].index == entries[k - 1].index {
        let a = readers[entries[k - 1].input].path, b = readers[entries[k].input].path
        throw DatasetError("structure index \(entries[k].index) appears twice (in '\(a)' and '\(b)')")
    }
    let tmp = output + ".merge-tmp"
    if fileExists(tmp) { unlink(tmp) }
    let options = DatasetOptions(cells: readers.contains { $0.hasCells }, forces: readers.contains { $0.hasForces },
                                 chemflowVersion: readers[0].chemflowVersion, commitEvery: 4096, commitInterval: .infinity)
    do {
        let writer = try DatasetWriter(creating: tmp, method: method, overwrite: true, options: options)
        // Per-input block cache: inputs are mostly in index order, so blocks are read once.
        let block = 4096
        var cache: [Int: (start: Int, records: [LabelledStructure])] = [:]
        var batch: [LabelledStructure] = []
        for e in entries {
            if let c = cache[e.input], e.row >= c.start, e.row < c.start + c.records.count {
                batch.append(c.records[e.row - c.start])
            } else {
                let start = e.row
                let records = try readers[e.input].records(in: start..<min(readers[e.input].count, start + block))
                cache[e.input] = (start, records)
                batch.append(records[0])
            }
            if batch.count >= block { try writer.append(batch); batch = [] }
        }
        try writer.append(batch)
        try writer.close()
    } catch {
        unlink(tmp)
        throw error
    }
    guard rename(tmp, output) == 0 else {
        throw DatasetError("cannot move the merged file to '\(output)': \(String(cString: strerror(errno)))")
    }
    return entries.count
}
