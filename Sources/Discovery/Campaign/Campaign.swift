import ChemistryCore
import DatasetGeneration
import Foundation
import GraphNetworks
import Training

/// What the campaign is doing (for progress lines).
public struct CampaignProgress: Sendable {
    public var round: Int
    public var stage: CampaignStage
    public var done: Int
    public var total: Int
    public var message: String
}

/// The DFT of one candidate: (candidate, settings, candidate index, group) → record. Replaceable
/// for tests; the default is `verifyWithDFT`.
public typealias CampaignDFTFunction = @Sendable (CandidateRecord, CampaignConfiguration.DFT, Int, String) -> DFTRecord

/// A GNoME-style active-learning campaign (Merchant et al., Nature 624, 80 (2023)) at the scale
/// of one machine. Round 0 computes the elemental references and seed compounds with DFT and trains
/// the first ensemble; each later round generates candidates, filters them with the ensemble,
/// verifies the selection (and a random control) with DFT, rebuilds the hull, measures, and
/// retrains. Every finished step is committed to the campaign file, so `resume` continues from
/// the last one and never recomputes a committed DFT result.
public final class Campaign {
    public let path: String
    public internal(set) var state: CampaignState
    public var progress: ((CampaignProgress) -> Void)?
    /// Stop (returning false from `run`) at the first round whose `until` stage is committed and
    /// whose next step is not: with `.predict` the campaign file is then complete up to the
    /// selection of the round's candidates, ready for verify shards (`VerifyShardJob`) and a
    /// `gather`. A campaign already at that point stops at once, unless `gather` has just added
    /// shards to that round (its verify stage then runs). `chemflow discover --until STAGE`.
    public var until: CampaignStage?
    /// Where the last `run` stopped early (nil when it finished or has not run).
    public private(set) var stoppedAt: (round: Int, stage: CampaignStage)?
    /// Parallel DFT calculations of this run's verify stage (default: the stored `dft.threads`;
    /// a resumed campaign keeps its stored configuration, so this is how `--threads` reaches it).
    public var threads: Int?
    /// Test hook: stop (returning normally) once this stage of this round is committed.
    public var stopAfter: (round: Int, stage: CampaignStage)?
    /// Test hook: stop the verify stage after this many DFT results were committed in this run.
    public var stopAfterDFTResults: Int?
    public var dftFunction: CampaignDFTFunction = { verifyWithDFT($0, settings: $1, index: $2, group: $3) }
    /// DFT calculations started by this object (completed or not).
    public var dftCalls: Int { counter.value }
    private let counter = Counter()
    private var models: [Int: ChemflowModel] = [:]
    /// The round the last `gather` added shards to (its verify stage continues past `until`).
    var gatheredRound: Int?

    struct Stop: Error {}

    /// Starts a new campaign file (throws if it exists) or, with `resume`, opens one.
    public init(configuration: CampaignConfiguration, path: String, resume: Bool) throws {
        self.path = path
        let exists = FileManager.default.fileExists(atPath: path)
        if resume && exists {
            state = try CampaignStore.read(path: path)
            state.configuration.configurationDirectory = configuration.configurationDirectory
        } else {
            if exists {
                throw CampaignError.invalidCampaignFile("'\(path)' already exists: pass --resume to continue it, or choose another output")
            }
            try configuration.validate()
            state = try CampaignState(configuration: configuration)
            try save()
        }
    }

    public var configuration: CampaignConfiguration { state.configuration }

    /// Runs (or continues) rounds 0…`rounds` (default: the configuration's). Returns true when
    /// every round finished, false when a stop hook ended the run early.
    @discardableResult
    public func run(rounds: Int? = nil, budget: Int? = nil) throws -> Bool {
        if let b = budget { state.configuration.filter.budget = b }
        let last = rounds ?? configuration.rounds
        stoppedAt = nil
        do {
            for k in 0...max(0, last) {
                if k >= state.rounds.count { state.rounds.append(RoundRecord(index: k)); try save() }
                try runRound(k, isLast: k == max(0, last))
            }
            return true
        } catch is Stop {
            return false
        }
    }

    private func done(_ k: Int, _ stage: CampaignStage) throws {
        state.rounds[k].completed = stage
        try save()
        report(k, stage, 1, 1, "\(stage) finished")
        if let s = stopAfter, s.round == k, s.stage == stage { stoppedAt = s; throw Stop() }
    }

    /// Stops before the step after `stage` of round k when that is where `until` asks to stop:
    /// `stage` is committed and the step after it is not (rounds passed earlier are skipped).
    /// A run that starts at the `until` point stops at once (nothing to do), except after a
    /// `gather` into that round: then its verify stage is what comes next.
    private func checkUntil(_ k: Int, _ stage: CampaignStage, isLast: Bool) throws {
        guard until == stage else { return }
        if stage == .predict && k == gatheredRound { return }
        if let next = CampaignStage(rawValue: stage.rawValue + 1) {
            if let c = state.rounds[k].completed, c >= next { return }
        } else {
            if isLast { return }   // nothing follows: the run finishes normally
            if k + 1 < state.rounds.count, state.rounds[k + 1].completed != nil { return }
        }
        stoppedAt = (k, stage)
        throw Stop()
    }

    private func report(_ k: Int, _ stage: CampaignStage, _ done: Int, _ total: Int, _ message: String) {
        progress?(CampaignProgress(round: k, stage: stage, done: done, total: total, message: message))
    }

    func save() throws { try CampaignStore.write(state, to: path) }

    private func runRound(_ k: Int, isLast: Bool) throws {
        let c = configuration
        let zs = try c.atomicNumbers()
        func isDone(_ s: CampaignStage) -> Bool { (state.rounds[k].completed.map { $0 >= s }) ?? false }

        if !isDone(.generate) {
            report(k, .generate, 0, 1, "generating candidates")
            if k == 0 {
                state.rounds[k].candidates = try CampaignCandidates.seed(c)
            } else {
                state.rounds[k].candidates = try CampaignCandidates.generate(c, round: k, computed: state.computed.map(\.record.structure))
            }
            state.rounds[k].metrics.candidates = state.rounds[k].candidates.count
            try done(k, .generate)
        }
        try checkUntil(k, .generate, isLast: isLast)
        if !isDone(.predict) {
            if k == 0 {
                state.rounds[k].selected = Array(state.rounds[k].candidates.indices)
            } else {
                report(k, .predict, 0, state.rounds[k].candidates.count, "ensemble predictions")
                let model = try ensemble(round: k - 1)
                let hull = try CampaignHull(state: state, elements: zs).diagram
                let p = try CampaignFilter.predict(model, candidates: state.rounds[k].candidates,
                                                   scalings: c.filter.volumeScalings, hull: hull)
                state.rounds[k].predictions = p
                state.rounds[k].selected = CampaignFilter.select(p, candidates: state.rounds[k].candidates,
                                                                 threshold: c.filter.thresholdEV, budget: c.filter.budget,
                                                                 fillBudget: c.filter.fillBudget)
                state.rounds[k].control = CampaignFilter.control(candidates: state.rounds[k].candidates,
                                                                 excluding: state.rounds[k].selected,
                                                                 budget: c.filter.controlBudget,
                                                                 seed: c.seed &+ 7919 &* UInt64(k))
            }
            state.rounds[k].metrics.selected = state.rounds[k].selected.count
            state.rounds[k].metrics.controls = state.rounds[k].control.count
            try done(k, .predict)
        }
        try checkUntil(k, .predict, isLast: isLast)
        if !isDone(.verify) {
            try verify(k)
            state.rounds[k].sortDFTInVerificationOrder()
            try done(k, .verify)
        }
        try checkUntil(k, .verify, isLast: isLast)
        if !isDone(.update) {
            try update(k, elements: zs)
            try done(k, .update)
        }
        try checkUntil(k, .update, isLast: isLast)
        if !isDone(.train) {
            try train(k)
            try done(k, .train)
        }
        try checkUntil(k, .train, isLast: isLast)
    }

    /// The DFT jobs of round k's pending items that `include` accepts (by candidate index): the
    /// candidate, in rounds ≥ 1 scaled to the volume of its best augmentation, its index and group.
    static func verificationJobs(round: RoundRecord, configuration: CampaignConfiguration,
                                 include: (Int) -> Bool = { _ in true }) -> [(CandidateRecord, Int, String)] {
        round.pendingVerification.filter { include($0.candidate) }.map { item in
            var cand = round.candidates[item.candidate]
            if round.index > 0, item.candidate < round.predictions.count,
               let s = try? CampaignFilter.scaled(cand.structure, volumeFactor: configuration.filter.volumeScalings[round.predictions[item.candidate].bestScaling]) {
                cand.structure = s
            }
            return (cand, item.candidate, item.group)
        }
    }

    /// DFT of every selected and control candidate that has no record yet, in parallel; each
    /// result is committed to the file as soon as it (and every earlier one) is done.
    private func verify(_ k: Int) throws {
        let round = state.rounds[k]
        let jobs = Self.verificationJobs(round: round, configuration: configuration)
        let total = round.toVerify.count
        report(k, .verify, total - jobs.count, total, "DFT")
        var settings = configuration.dft
        if let threads { settings.threads = threads }
        let dft = settings
        let function = dftFunction
        let counter = self.counter
        var committed = 0
        try orderedParallelMap(count: jobs.count, threads: dft.threads, batchSize: 1, flushInterval: 0, work: { i in
            counter.increment()
            return function(jobs[i].0, dft, jobs[i].1, jobs[i].2)
        }, commit: { results in
            for r in results {
                state.rounds[k].dft.append(r)
                try save()
                committed += 1
                report(k, .verify, state.rounds[k].dft.count, total, "DFT \(r.structure.name): \(r.status)")
                if let n = stopAfterDFTResults, committed >= n { throw Stop() }
            }
        })
    }

    /// Hull rebuilt from all DFT entries; hits against the hull of the previous rounds;
    /// prospective MAE of the previous round's ensemble on this round's DFT results.
    private func update(_ k: Int, elements zs: [Int]) throws {
        report(k, .update, 0, 1, "hull and metrics")
        var m = state.rounds[k].metrics
        let records = state.rounds[k].dft
        let usable = records.filter(\.isUsable)
        m.verified = usable.filter { $0.group != "control" }.count
        m.controlVerified = usable.filter { $0.group == "control" }.count
        m.failed = records.count - usable.count
        if k > 0 {
            let before = try CampaignHull(state: state, elements: zs, beforeRound: k).diagram
            func isHit(_ d: DFTRecord) throws -> Bool {
                try before.decompositionEnergy(of: PhaseEntry(name: d.structure.name, composition: Composition(structure: d.structure),
                                                              energyPerAtom: d.energyPerAtom)).energy < 0
            }
            m.hits = try usable.filter { $0.group != "control" }.filter(isHit).count
            m.controlHits = try usable.filter { $0.group == "control" }.filter(isHit).count
            if !usable.isEmpty {
                let model = try ensemble(round: k - 1)
                let e = try CampaignModels.energiesPerAtom(model, usable.map(\.structure))
                let medians = usable.indices.map { i in quantile(e.map { $0[i] }, 0.5) }
                m.prospectiveMAE = zip(medians, usable).map { abs($0 - $1.energyPerAtom) }.reduce(0, +) / Double(usable.count)
            }
        }
        let hull = try CampaignHull(state: state, elements: zs)
        m.hullSize = hull.diagram.stableEntries.count
        m.newStable = hull.diagram.stableEntries.filter { hull.sources[$0].round == k }.count
        state.rounds[k].metrics = m
    }

    /// Trains the ensemble of round k on every usable DFT result so far (final structures and,
    /// after a volume relaxation, the points of the volume scan).
    private func train(_ k: Int) throws {
        report(k, .train, 0, 1, "training the ensemble")
        var structures: [Structure] = [], energies: [Double] = []
        for (_, d) in state.computed {
            structures.append(d.structure); energies.append(d.energy)
            for (v, e) in zip(d.eosVolumes, d.eosEnergies) where e.isFinite {
                if let s = try? LatticeEstimate.scaled(d.structure, toVolume: v) {
                    structures.append(s); energies.append(e)
                }
            }
        }
        // Fine-tuning continues a fresh copy of the previous ensemble (the cached one stays as it was).
        let previous = k > 0 && configuration.model.retrain == "finetune"
            ? try state.models.first { $0.round == k - 1 }.map { try CampaignModels.load(bytes: $0.fileBytes) } : nil
        let (model, mae) = try CampaignModels.train(InMemoryDataset(structures: structures, energies: energies),
                                                    configuration: configuration, round: k, previous: previous)
        let bytes = try CampaignModels.fileBytes(model)
        state.models.removeAll { $0.round == k }
        state.models.append(StoredModel(round: k, architecture: model.architecture, ensembleSize: model.members.count,
                                        fileBytes: bytes, trainCount: structures.count, validationMAE: mae))
        models[k] = model
    }

    /// The ensemble trained at the end of round k (loaded from the file after a resume).
    public func ensemble(round k: Int) throws -> ChemflowModel {
        if let m = models[k] { return m }
        guard let stored = state.models.first(where: { $0.round == k }) else {
            throw CampaignError.invalidCampaignFile("no ensemble for round \(k) in '\(path)'")
        }
        let m = try CampaignModels.load(bytes: stored.fileBytes)
        models[k] = m
        return m
    }
}

/// A thread-safe counter.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func increment() { lock.lock(); n += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}
