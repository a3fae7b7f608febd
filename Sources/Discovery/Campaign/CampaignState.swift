import ChemistryCore
import Foundation

/// Errors a campaign user can cause (bad configuration, unusable campaign file).
public enum CampaignError: Error, Equatable, CustomStringConvertible {
    case invalidConfiguration(String)
    case invalidCampaignFile(String)
    /// A verify shard file that cannot be used (unreadable, another campaign or round, overlapping).
    case invalidShardFile(String)
    case noTrainingData(String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let why): return "campaign configuration: \(why)"
        case .invalidCampaignFile(let why): return "campaign file: \(why)"
        case .invalidShardFile(let why): return "verify shard: \(why)"
        case .noTrainingData(let why): return "cannot train the ensemble: \(why)"
        }
    }
}

/// The stages of one round, in order. Round 0 (seed) has no predict stage: its candidates are
/// all verified.
public enum CampaignStage: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    case generate = 1, predict, verify, update, train
    public static func < (a: CampaignStage, b: CampaignStage) -> Bool { a.rawValue < b.rawValue }
    public var description: String { ["", "generate", "predict", "verify", "update", "train"][rawValue] }
    public init?(name: String) {
        guard let s = Self.allCases.first(where: { $0.description == name }) else { return nil }
        self = s
    }
}

/// A candidate as stored in the campaign file.
public struct CandidateRecord: Sendable, Equatable {
    public var structure: Structure
    /// "elemental", "prototype", "substitution", "partial_substitution", "random_search".
    public var method: String
    /// One line describing how it was made (Candidate.provenance).
    public var provenance: String
    /// Name of the parent structure ("" for random search).
    public var parent: String

    public init(structure: Structure, method: String, provenance: String, parent: String) {
        self.structure = structure; self.method = method; self.provenance = provenance; self.parent = parent
    }

    public init(_ c: Candidate, elemental: Bool = false) {
        let m: String
        switch c.method {
        case .prototype: m = elemental ? "elemental" : "prototype"
        case .substitution: m = "substitution"
        case .partialSubstitution: m = "partial_substitution"
        case .randomSearch: m = "random_search"
        }
        self.init(structure: c.structure, method: m, provenance: c.provenance, parent: c.parent ?? "")
    }

    public var composition: Composition { Composition(structure: structure) }
}

/// The ensemble's verdict on one candidate.
public struct PredictionRecord: Sendable, Equatable {
    /// Energy per atom (eV/atom) [member][augmentation].
    public var energies: [[Double]]
    /// Index into the volume scalings of the lowest median-over-members energy.
    public var bestScaling: Int
    /// Median over members of each member's minimum over augmentations, eV/atom.
    public var energyPerAtom: Double
    /// Interquartile range over members of the same, eV/atom.
    public var spread: Double
    public var formationEnergyPerAtom: Double
    /// Predicted ΔE_f − E_hull(x) against the current DFT hull, eV/atom (negative: below the hull).
    public var decompositionEnergy: Double
}

/// Outcome of one DFT verification.
public enum DFTStatus: Int, Sendable {
    case ok = 0, notConverged = 1, failed = 2
}

public struct DFTRecord: Sendable, Equatable {
    /// Index into the round's candidates.
    public var candidate: Int
    /// "seed", "selected" or "control".
    public var group: String
    public var status: DFTStatus
    public var error: String
    /// Total energy, eV (NaN when failed).
    public var energy: Double
    public var energyPerAtom: Double { energy / Double(max(structure.count, 1)) }
    /// The structure the energy belongs to (volume-relaxed when relaxation was used).
    public var structure: Structure
    /// Volume scan (Å³, eV total) when the volume was relaxed.
    public var eosVolumes: [Double]
    public var eosEnergies: [Double]
    public var seconds: Double

    public var isUsable: Bool { status == .ok && energy.isFinite }
}

/// Per-round measurements.
public struct RoundMetrics: Sendable, Equatable {
    public var candidates = 0
    public var selected = 0
    public var controls = 0
    public var verified = 0
    public var failed = 0
    /// Verified model-selected candidates below the hull of the previous rounds.
    public var hits = 0
    public var controlVerified = 0
    public var controlHits = 0
    /// Entries of this round on the updated hull.
    public var newStable = 0
    /// Mean |E_pred − E_DFT| per atom of the previous round's ensemble on this round's DFT results, eV/atom (NaN in round 0).
    public var prospectiveMAE = Double.nan
    public var hullSize = 0
    public var hitRate: Double { verified > 0 ? Double(hits) / Double(verified) : .nan }
    public var controlHitRate: Double { controlVerified > 0 ? Double(controlHits) / Double(controlVerified) : .nan }
    /// Discovery enrichment: hit rate / control hit rate (∞ when the control found nothing but the filter did).
    public var enrichment: Double {
        let c = controlHitRate, h = hitRate
        guard c.isFinite, h.isFinite else { return .nan }
        if c == 0 { return h > 0 ? .infinity : .nan }
        return h / c
    }
    public init() {}
}

/// One round: what was generated, predicted, selected, computed and measured.
public struct RoundRecord: Sendable {
    public var index: Int
    /// The last stage finished (nil: nothing yet).
    public var completed: CampaignStage?
    public var candidates: [CandidateRecord] = []
    /// Parallel to `candidates` (empty in round 0).
    public var predictions: [PredictionRecord] = []
    /// Candidate indices chosen by the model filter (round 0: all seed candidates).
    public var selected: [Int] = []
    /// Candidate indices of the random-selection control.
    public var control: [Int] = []
    /// In order of completion.
    public var dft: [DFTRecord] = []
    public var metrics = RoundMetrics()

    public init(index: Int) { self.index = index }

    /// Every candidate index that needs DFT: selected then control.
    public var toVerify: [(candidate: Int, group: String)] {
        let g = index == 0 ? "seed" : "selected"
        return selected.map { ($0, g) } + control.map { ($0, "control") }
    }

    /// The items of `toVerify` that have no DFT record yet, in `toVerify` order.
    public var pendingVerification: [(candidate: Int, group: String)] {
        let finished = Set(dft.map(\.candidate))
        return toVerify.filter { !finished.contains($0.candidate) }
    }

    /// `dft` in `toVerify` order (the order of a verify stage run on one machine), whatever order
    /// the records arrived in (gathered shards, a local run after a gather).
    mutating func sortDFTInVerificationOrder() {
        var position: [Int: Int] = [:]
        for (i, item) in toVerify.enumerated() where position[item.candidate] == nil { position[item.candidate] = i }
        dft = dft.enumerated().sorted { a, b in
            let pa = position[a.element.candidate] ?? Int.max, pb = position[b.element.candidate] ?? Int.max
            return pa != pb ? pa < pb : a.offset < b.offset
        }.map(\.element)
    }
}

/// An ensemble held as a chemflow model file (the bytes of a file `ChemflowModel.load` reads).
public struct StoredModel: Sendable {
    public var round: Int
    public var architecture: String
    public var ensembleSize: Int
    public var fileBytes: [UInt8]
    /// Training-set size and the ensemble's mean best validation MAE (eV/atom, NaN if none).
    public var trainCount: Int
    public var validationMAE: Double
}

/// Everything the campaign file holds.
public struct CampaignState: Sendable {
    public var configuration: CampaignConfiguration
    public var configurationYAML: String
    /// Identity of the campaign (a random UUID at creation), so verify shards can prove which
    /// campaign they were computed for (`CampaignShards`).
    public var campaignID: String
    public var rounds: [RoundRecord] = []
    public var models: [StoredModel] = []

    public init(configuration: CampaignConfiguration) throws {
        self.configuration = configuration
        self.configurationYAML = try configuration.yaml()
        self.campaignID = UUID().uuidString.lowercased()
    }

    /// The id of a campaign file written before ids existed: "config-" + FNV-1a 64 of its
    /// configuration text (the same for every reader of that file).
    static func derivedID(configurationYAML yaml: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in yaml.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        let hex = String(h, radix: 16)
        return "config-" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The round whose verify stage is next: its predict stage is committed and verify is not.
    public var roundAwaitingVerification: Int? {
        rounds.last(where: { $0.completed == .predict })?.index
    }

    /// Every usable DFT result so far, with its round.
    public var computed: [(round: Int, record: DFTRecord)] {
        rounds.flatMap { r in r.dft.filter(\.isUsable).map { (r.index, $0) } }
    }
}
