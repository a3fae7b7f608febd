import ChemistryCore
import Datasets
import Foundation

/// Reads and writes the campaign file (layout in docs/hdf5-schema.md, "Campaign file").
///
/// The whole file is rewritten after every committed step (each stage, each DFT result) into a
/// temporary file in the same folder that is then renamed over the old one, so a killed run
/// leaves either the previous or the new complete file, never a damaged one. Campaign files
/// are small (hundreds of structures, a few ensembles), so the rewrite costs little next to DFT.
public enum CampaignStore {
    public static let formatName = "chemflow-campaign"
    public static let formatVersion = 1

    /// True when `path` is an HDF5 file whose root says format = "chemflow-campaign".
    public static func isCampaignFile(_ path: String) -> Bool {
        guard let f = try? HDF5File.open(path: path, mode: .readOnly), let root = try? f.root() else { return false }
        return (try? root.stringAttribute("format")) == formatName
    }

    // MARK: Writing

    public static func write(_ state: CampaignState, to path: String) throws {
        try replaceAtomically(path) { try writeContents(state, to: $0) }
    }

    /// Writes a complete new file with `contents` into a temporary file next to `path` and
    /// renames it over `path` (a reader or a kill sees the old or the new file, never half of one).
    static func replaceAtomically(_ path: String, contents: (String) throws -> Void) throws {
        let dir = (path as NSString).deletingLastPathComponent
        let tmp = ((dir.isEmpty ? "." : dir) as NSString)
            .appendingPathComponent(".\((path as NSString).lastPathComponent).tmp-\(getpid())")
        do {
            try contents(tmp)
        } catch {
            try? FileManager.default.removeItem(atPath: tmp)
            throw CampaignError.invalidCampaignFile("cannot write '\(path)': \(error)")
        }
        guard rename(tmp, path) == 0 else {
            try? FileManager.default.removeItem(atPath: tmp)
            throw CampaignError.invalidCampaignFile("cannot replace '\(path)' (rename failed, errno \(errno))")
        }
    }

    private static func writeContents(_ state: CampaignState, to path: String) throws {
        let file = try HDF5File.create(path: path, overwrite: true)
        let root = try file.root()
        let c = state.configuration
        try root.setAttribute("format", formatName)
        try root.setAttribute("format_version", formatVersion)
        try root.setAttribute("name", c.name)
        try root.setAttribute("campaign_id", state.campaignID)
        try root.setAttribute("config", state.configurationYAML)
        try root.setAttribute("elements", c.elements.joined(separator: " "))
        try root.setAttribute("units_energy", "eV")
        try root.setAttribute("units_length", "angstrom")
        try root.setAttribute("rounds_started", state.rounds.count)
        try root.setAttribute("rounds_finished", state.rounds.filter { $0.completed == .train }.count)
        try root.setAttribute("updated", isoNow())

        for r in state.rounds {
            let g = try root.createGroup("rounds/\(r.index)")
            try g.setAttribute("index", r.index)
            try g.setAttribute("completed_stage", r.completed?.description ?? "")
            let cand = try g.createGroup("candidates")
            try writeStructures(r.candidates.map(\.structure), in: cand)
            try writeStrings("method", r.candidates.map(\.method), in: cand)
            try writeStrings("provenance", r.candidates.map(\.provenance), in: cand)
            try writeStrings("parent", r.candidates.map(\.parent), in: cand)
            if !r.predictions.isEmpty {
                let p = try g.createGroup("predictions")
                let members = r.predictions[0].energies.count, scalings = r.predictions[0].energies.first?.count ?? 0
                try p.setAttribute("volume_scalings", c.filter.volumeScalings)
                try p.setAttribute("members", members)
                try p.setAttribute("units", "eV/atom")
                let e = try p.createDataset("energy_per_atom", type: .float64, rowShape: [members, scalings],
                                            chunkRows: max(1, r.predictions.count), rows: r.predictions.count)
                try e.write(r.predictions.flatMap { $0.energies.flatMap { $0 } }, atRow: 0)
                try writeDoubles("median_energy_per_atom", r.predictions.map(\.energyPerAtom), in: p)
                try writeDoubles("spread", r.predictions.map(\.spread), in: p)
                try writeDoubles("formation_energy_per_atom", r.predictions.map(\.formationEnergyPerAtom), in: p)
                try writeDoubles("decomposition_energy", r.predictions.map(\.decompositionEnergy), in: p)
                try writeInts("best_scaling", r.predictions.map(\.bestScaling), in: p)
            }
            try writeInts("selected", r.selected, in: g)
            try writeInts("control", r.control, in: g)
            try writeDFTRecords(r.dft, in: try g.createGroup("dft"))
            let m = try g.createGroup("metrics")
            try writeMetrics(r.metrics, in: m)
        }

        let hullGroup = try root.createGroup("hull")
        let zs = try c.atomicNumbers()
        if let hull = try? CampaignHull(state: state, elements: zs) {
            let dia = hull.diagram
            try writeStrings("name", dia.entries.map(\.name), in: hullGroup)
            try writeStrings("formula", dia.entries.map { $0.composition.reduced.formula }, in: hullGroup)
            try writeDoubles("energy_per_atom", dia.entries.map(\.energyPerAtom), in: hullGroup)
            try writeDoubles("formation_energy_per_atom", dia.formationEnergies, in: hullGroup)
            try writeDoubles("e_above_hull", dia.energiesAboveHull, in: hullGroup)
            let stable = try hullGroup.createDataset("stable", type: .uint8, chunkRows: max(1, dia.entries.count), rows: dia.entries.count)
            try stable.write(dia.entries.indices.map { dia.isStable($0) ? UInt8(1) : 0 }, atRow: 0)
            try writeInts("source_round", hull.sources.map(\.round), in: hullGroup)
            try writeInts("source_dft_row", hull.sources.map(\.dft), in: hullGroup)
        }
        try hullGroup.setAttribute("units", "eV/atom")

        for model in state.models {
            let g = try root.createGroup("models/\(model.round)")
            try g.setAttribute("architecture", model.architecture)
            try g.setAttribute("ensemble_size", model.ensembleSize)
            try g.setAttribute("train_count", model.trainCount)
            try g.setAttribute("validation_mae", model.validationMAE)
            try g.setAttribute("contents", "model_file: the bytes of a chemflow model file (HDF5, docs/training.md); write them to a file and load it")
            let ds = try g.createDataset("model_file", type: .uint8, chunkRows: max(1, min(model.fileBytes.count, 1 << 20)),
                                         rows: model.fileBytes.count)
            try ds.write(model.fileBytes, atRow: 0)
        }
        try file.flush()
        try file.close()
    }

    static func writeStructures(_ structures: [Structure], in g: HDF5Group) throws {
        try writeStrings("name", structures.map(\.name), in: g)
        try writeInts32("n_atoms", structures.map(\.count), in: g)
        var offsets: [Int] = [], o = 0
        for s in structures { offsets.append(o); o += s.count }
        try writeInts("atom_offset", offsets, in: g)
        try writeInts32("atomic_numbers", structures.flatMap(\.atomicNumbers), in: g)
        let pos = try g.createDataset("positions", type: .float64, rowShape: [3], chunkRows: max(1, o), rows: o)
        try pos.write(structures.flatMap { $0.positions.flatMap { [$0.x, $0.y, $0.z] } }, atRow: 0)
        try pos.setAttribute("units", "angstrom")
        let cell = try g.createDataset("cell", type: .float64, rowShape: [3, 3], chunkRows: max(1, structures.count), rows: structures.count)
        try cell.write(structures.flatMap { s in
            (s.lattice ?? Array(repeating: SIMD3<Double>(repeating: .nan), count: 3)).flatMap { [$0.x, $0.y, $0.z] }
        }, atRow: 0)
        try cell.setAttribute("units", "angstrom (lattice vectors as rows)")
    }

    /// A `dft` group (campaign rounds and shard files share it): one row per record.
    static func writeDFTRecords(_ records: [DFTRecord], in d: HDF5Group) throws {
        try writeInts("candidate", records.map(\.candidate), in: d)
        try writeStrings("group", records.map(\.group), in: d)
        let status = try d.createDataset("status", type: .uint8, chunkRows: max(1, records.count), rows: records.count)
        try status.write(records.map { UInt8($0.status.rawValue) }, atRow: 0)
        try status.setAttribute("meaning", "0 = ok, 1 = not converged, 2 = failed")
        try writeStrings("error", records.map(\.error), in: d)
        try writeDoubles("energy", records.map(\.energy), in: d)
        try writeDoubles("energy_per_atom", records.map(\.energyPerAtom), in: d)
        try writeDoubles("seconds", records.map(\.seconds), in: d)
        try writeStructures(records.map(\.structure), in: d)
        try writeInts("eos_count", records.map(\.eosVolumes.count), in: d)
        try writeDoubles("eos_volume", records.flatMap(\.eosVolumes), in: d)
        try writeDoubles("eos_energy", records.flatMap(\.eosEnergies), in: d)
    }

    static func writeStrings(_ name: String, _ values: [String], in g: HDF5Group) throws {
        let ds = try g.createDataset(name, type: .string, chunkRows: max(1, values.count), rows: values.count)
        try ds.writeStrings(values, atRow: 0)
    }
    static func writeDoubles(_ name: String, _ values: [Double], in g: HDF5Group) throws {
        let ds = try g.createDataset(name, type: .float64, chunkRows: max(1, values.count), rows: values.count)
        try ds.write(values, atRow: 0)
    }
    static func writeInts(_ name: String, _ values: [Int], in g: HDF5Group) throws {
        let ds = try g.createDataset(name, type: .int64, chunkRows: max(1, values.count), rows: values.count)
        try ds.write(values.map { Int64($0) }, atRow: 0)
    }
    static func writeInts32(_ name: String, _ values: [Int], in g: HDF5Group) throws {
        let ds = try g.createDataset(name, type: .int32, chunkRows: max(1, values.count), rows: values.count)
        try ds.write(values.map { Int32($0) }, atRow: 0)
    }

    private static let metricKeys = ["candidates", "selected", "controls", "verified", "failed", "hits", "control_verified",
                                     "control_hits", "new_stable", "hull_size"]

    private static func writeMetrics(_ m: RoundMetrics, in g: HDF5Group) throws {
        let ints = [m.candidates, m.selected, m.controls, m.verified, m.failed, m.hits, m.controlVerified,
                    m.controlHits, m.newStable, m.hullSize]
        for (k, v) in zip(metricKeys, ints) { try g.setAttribute(k, v) }
        try g.setAttribute("hit_rate", m.hitRate)
        try g.setAttribute("control_hit_rate", m.controlHitRate)
        try g.setAttribute("enrichment", m.enrichment)
        try g.setAttribute("prospective_mae_ev_per_atom", m.prospectiveMAE)
    }

    /// Whether the object (group or dataset, e.g. "/rounds/0/dft/energy") exists in the campaign file.
    public static func exists(_ object: String, in path: String) -> Bool {
        guard let f = try? HDF5File.open(path: path, mode: .readOnly) else { return false }
        return (try? f.exists(object)) ?? false
    }

    /// One row of /hull.
    public struct HullRow: Sendable, Equatable {
        public var name: String
        public var formula: String
        public var energyPerAtom: Double
        public var formationEnergyPerAtom: Double
        public var eAboveHull: Double
        public var stable: Bool
        public var sourceRound: Int
    }

    /// The /hull group as written (empty when no hull could be built yet).
    public static func readHull(path: String) throws -> [HullRow] {
        guard let f = try? HDF5File.open(path: path, mode: .readOnly), (try? f.exists("hull/formula")) == true else { return [] }
        let g = try f.openGroup("hull")
        let names = try g.openDataset("name").readStrings()
        let formula = try g.openDataset("formula").readStrings()
        let e = try g.openDataset("energy_per_atom").read(Double.self)
        let ef = try g.openDataset("formation_energy_per_atom").read(Double.self)
        let above = try g.openDataset("e_above_hull").read(Double.self)
        let stable = try g.openDataset("stable").read(UInt8.self)
        let round = try g.openDataset("source_round").read(Int64.self)
        return names.indices.map {
            HullRow(name: names[$0], formula: formula[$0], energyPerAtom: e[$0], formationEnergyPerAtom: ef[$0],
                    eAboveHull: above[$0], stable: stable[$0] != 0, sourceRound: Int(round[$0]))
        }
    }

    // MARK: Reading

    public static func read(path: String) throws -> CampaignState {
        guard FileManager.default.fileExists(atPath: path) else {
            throw CampaignError.invalidCampaignFile("'\(path)' does not exist")
        }
        guard let file = try? HDF5File.open(path: path, mode: .readOnly) else {
            throw CampaignError.invalidCampaignFile("'\(path)' is not a readable HDF5 file")
        }
        let root = try file.root()
        guard (try? root.stringAttribute("format")) == formatName else {
            throw CampaignError.invalidCampaignFile("'\(path)' is not a chemflow campaign file (no format = \"\(formatName)\" attribute)")
        }
        do {
            let version = try root.intAttribute("format_version") ?? 0
            guard version >= 1, version <= formatVersion else {
                throw CampaignError.invalidCampaignFile("'\(path)' has campaign format_version \(version); this chemflow reads up to \(formatVersion)")
            }
            let yaml = try root.stringAttribute("config") ?? ""
            let config = try CampaignConfiguration.parse(yaml: yaml, source: "\(path) (config attribute)")
            var state = try CampaignState(configuration: config)
            state.configurationYAML = yaml
            // Files written before campaign ids existed get one derived from their configuration text
            // (stable across reads, so shards and gather agree; written back on the next commit).
            state.campaignID = try root.stringAttribute("campaign_id") ?? CampaignState.derivedID(configurationYAML: yaml)
            let started = try root.intAttribute("rounds_started") ?? 0
            for k in 0..<started {
                let g = try root.openGroup("rounds/\(k)")
                var r = RoundRecord(index: k)
                r.completed = CampaignStage(name: try g.stringAttribute("completed_stage") ?? "")
                let cand = try g.openGroup("candidates")
                let structures = try readStructures(cand)
                let methods = try cand.openDataset("method").readStrings()
                let prov = try cand.openDataset("provenance").readStrings()
                let parents = try cand.openDataset("parent").readStrings()
                r.candidates = structures.indices.map {
                    CandidateRecord(structure: structures[$0], method: methods[$0], provenance: prov[$0], parent: parents[$0])
                }
                if try g.exists("predictions") {
                    let p = try g.openGroup("predictions")
                    let e = try p.openDataset("energy_per_atom")
                    let shape = try e.shape()
                    let flat = try e.read(Double.self)
                    let med = try p.openDataset("median_energy_per_atom").read(Double.self)
                    let spread = try p.openDataset("spread").read(Double.self)
                    let form = try p.openDataset("formation_energy_per_atom").read(Double.self)
                    let dec = try p.openDataset("decomposition_energy").read(Double.self)
                    let best = try p.openDataset("best_scaling").read(Int64.self)
                    let (mm, ss) = (shape[1], shape[2])
                    r.predictions = (0..<shape[0]).map { i in
                        PredictionRecord(energies: (0..<mm).map { m in Array(flat[(i * mm + m) * ss..<(i * mm + m + 1) * ss]) },
                                         bestScaling: Int(best[i]), energyPerAtom: med[i], spread: spread[i],
                                         formationEnergyPerAtom: form[i], decompositionEnergy: dec[i])
                    }
                }
                r.selected = try g.openDataset("selected").read(Int64.self).map { Int($0) }
                r.control = try g.openDataset("control").read(Int64.self).map { Int($0) }
                r.dft = try readDFTRecords(try g.openGroup("dft"))
                r.metrics = try readMetrics(try g.openGroup("metrics"))
                state.rounds.append(r)
            }
            if try root.exists("models") {
                let models = try root.openGroup("models")
                for k in 0..<started where try models.exists("\(k)") {
                    let g = try models.openGroup("\(k)")
                    state.models.append(StoredModel(
                        round: k, architecture: try g.stringAttribute("architecture") ?? "",
                        ensembleSize: try g.intAttribute("ensemble_size") ?? 0,
                        fileBytes: try g.openDataset("model_file").read(UInt8.self),
                        trainCount: try g.intAttribute("train_count") ?? 0,
                        validationMAE: try g.doubleAttribute("validation_mae") ?? .nan))
                }
            }
            return state
        } catch let e as CampaignError {
            throw e
        } catch {
            throw CampaignError.invalidCampaignFile("'\(path)' is damaged: \(error)")
        }
    }

    /// The records of a `dft` group written by `writeDFTRecords`.
    static func readDFTRecords(_ d: HDF5Group) throws -> [DFTRecord] {
        let structures = try readStructures(d)
        let candidate = try d.openDataset("candidate").read(Int64.self)
        let group = try d.openDataset("group").readStrings()
        let status = try d.openDataset("status").read(UInt8.self)
        let error = try d.openDataset("error").readStrings()
        let energy = try d.openDataset("energy").read(Double.self)
        let seconds = try d.openDataset("seconds").read(Double.self)
        let eosCount = try d.openDataset("eos_count").read(Int64.self)
        let eosV = try d.openDataset("eos_volume").read(Double.self)
        let eosE = try d.openDataset("eos_energy").read(Double.self)
        var o = 0
        return structures.indices.map { i in
            let n = Int(eosCount[i])
            defer { o += n }
            return DFTRecord(candidate: Int(candidate[i]), group: group[i], status: DFTStatus(rawValue: Int(status[i])) ?? .failed,
                             error: error[i], energy: energy[i], structure: structures[i],
                             eosVolumes: Array(eosV[o..<o + n]), eosEnergies: Array(eosE[o..<o + n]), seconds: seconds[i])
        }
    }

    static func readStructures(_ g: HDF5Group) throws -> [Structure] {
        let names = try g.openDataset("name").readStrings()
        let counts = try g.openDataset("n_atoms").read(Int32.self)
        let offsets = try g.openDataset("atom_offset").read(Int64.self)
        let numbers = try g.openDataset("atomic_numbers").read(Int32.self)
        let pos = try g.openDataset("positions").read(Double.self)
        let cell = try g.openDataset("cell").read(Double.self)
        return names.indices.map { i in
            let o = Int(offsets[i]), n = Int(counts[i])
            let positions = (o..<o + n).map { SIMD3(pos[3 * $0], pos[3 * $0 + 1], pos[3 * $0 + 2]) }
            let lattice = (0..<3).map { SIMD3(cell[9 * i + 3 * $0], cell[9 * i + 3 * $0 + 1], cell[9 * i + 3 * $0 + 2]) }
            return Structure(name: names[i], atomicNumbers: numbers[o..<o + n].map { Int($0) }, positions: positions,
                             lattice: lattice, pbc: [true, true, true])
        }
    }

    private static func readMetrics(_ g: HDF5Group) throws -> RoundMetrics {
        var m = RoundMetrics()
        func i(_ k: String) throws -> Int { try g.intAttribute(k) ?? 0 }
        m.candidates = try i("candidates"); m.selected = try i("selected"); m.controls = try i("controls")
        m.verified = try i("verified"); m.failed = try i("failed"); m.hits = try i("hits")
        m.controlVerified = try i("control_verified"); m.controlHits = try i("control_hits")
        m.newStable = try i("new_stable"); m.hullSize = try i("hull_size")
        m.prospectiveMAE = try g.doubleAttribute("prospective_mae_ev_per_atom") ?? .nan
        return m
    }

    static func isoNow() -> String {
        let f = ISO8601DateFormatter()
        return f.string(from: Date())
    }
}
