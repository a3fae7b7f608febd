import DatasetGeneration
import Foundation

/// What one run of a verify shard did.
public struct VerifyShardSummary: Sendable {
    public var round: Int
    public var shard: Shard
    /// Candidates of this shard (pending in the campaign file when the shard was cut).
    public var assigned: Int
    /// DFT results computed by this run, and those already in the shard file (`--resume`).
    public var computed: Int
    public var skipped: Int
    /// Records of the shard file that are not usable (failed or not converged).
    public var failed: Int
    /// False when a stop hook ended the run early.
    public var finished: Bool
}

/// One shard of a campaign round's verify stage as an independent process
/// (`chemflow discover --stage verify --campaign C --shard I/N --output SHARD.h5`).
///
/// The campaign file is only read (many shards read it at once, each for the moment it takes to
/// load it) and never written: the round is the one whose predict stage is committed and whose
/// verify stage is not, the work its pending `toVerify` items whose candidate index i has
/// i mod N = I, the DFT the campaign's stored settings (`verifyWithDFT`, as the local verify
/// stage). Each result is committed to the shard file as soon as it and every earlier one are
/// done; a killed shard continues with `resume` without recomputing them. `Campaign.gather` adds
/// the shard files to the campaign.
public final class VerifyShardJob {
    public let campaignPath: String
    public let shard: Shard
    public let outputPath: String
    /// Parallel DFT calculations (default: the campaign's `dft.threads`).
    public var threads: Int?
    public var progress: ((CampaignProgress) -> Void)?
    public var dftFunction: CampaignDFTFunction = { verifyWithDFT($0, settings: $1, index: $2, group: $3) }
    /// Test hook: stop after this many DFT results were committed in this run.
    public var stopAfterDFTResults: Int?
    /// DFT calculations started by this object.
    public var dftCalls: Int { counter.value }
    private let counter = Counter()

    public init(campaign: String, shard: Shard, output: String) {
        campaignPath = campaign; self.shard = shard; outputPath = output
    }

    private struct Stop: Error {}

    /// Runs (or, with `resume`, continues) the shard. An existing output without `resume` is an
    /// error; with `resume` it must be this shard of this round of this campaign.
    public func run(resume: Bool) throws -> VerifyShardSummary {
        let state = try CampaignStore.read(path: campaignPath)   // opened read-only and closed again
        guard let k = state.roundAwaitingVerification else {
            let last = state.rounds.last
            throw CampaignError.invalidCampaignFile(
                "'\(campaignPath)' has no round waiting for verify (\(last.map { "round \($0.index) is at stage \($0.completed?.description ?? "none")" } ?? "no round started")); "
                + "run `chemflow discover --output \(campaignPath) --resume --until predict` first")
        }
        let round = state.rounds[k]
        var file: VerifyShard
        if FileManager.default.fileExists(atPath: outputPath) {
            guard resume else {
                throw CampaignError.invalidShardFile("'\(outputPath)' already exists: pass --resume to continue this shard, or choose another output")
            }
            file = try VerifyShardStore.read(path: outputPath)
            guard file.campaignID == state.campaignID, file.round == k, file.shard == shard else {
                throw CampaignError.invalidShardFile(
                    "'\(outputPath)' holds shard \(file.shard) of round \(file.round) of campaign '\(file.campaignName)' (id \(file.campaignID)), "
                    + "not shard \(shard) of round \(k) of '\(campaignPath)' (id \(state.campaignID))")
            }
        } else {
            file = VerifyShard(campaignID: state.campaignID, campaignName: state.configuration.name, round: k,
                               shard: shard, assigned: [])
        }
        // Pending now in the campaign file and not yet in this shard file.
        let done = Set(file.records.map(\.candidate))
        let jobs = Campaign.verificationJobs(round: round, configuration: state.configuration) {
            shard.contains($0) && !done.contains($0)
        }
        let assigned = Set(file.assigned)
        file.assigned += jobs.map(\.1).filter { !assigned.contains($0) }
        try VerifyShardStore.write(file, to: outputPath)

        var dft = state.configuration.dft
        if let threads { dft.threads = threads }
        let total = file.assigned.count, skipped = file.records.count
        report(k, file.records.count, total, "DFT (shard \(shard))")
        let function = dftFunction, counter = self.counter, settings = dft
        var committed = 0
        var finished = true
        do {
            try orderedParallelMap(count: jobs.count, threads: dft.threads, batchSize: 1, flushInterval: 0, work: { i in
                counter.increment()
                return function(jobs[i].0, settings, jobs[i].1, jobs[i].2)
            }, commit: { results in
                for r in results {
                    file.records.append(r)
                    try VerifyShardStore.write(file, to: outputPath)
                    committed += 1
                    report(k, file.records.count, total, "DFT \(r.structure.name): \(r.status)")
                    if let n = stopAfterDFTResults, committed >= n { throw Stop() }
                }
            })
        } catch is Stop {
            finished = false
        }
        return VerifyShardSummary(round: k, shard: shard, assigned: total, computed: committed, skipped: skipped,
                                  failed: file.records.filter { !$0.isUsable }.count, finished: finished)
    }

    private func report(_ k: Int, _ done: Int, _ total: Int, _ message: String) {
        progress?(CampaignProgress(round: k, stage: .verify, done: done, total: total, message: message))
    }
}
