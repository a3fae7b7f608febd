import ArgumentParser
import DatasetGeneration
import Discovery
import Foundation

/// `chemflow discover --stage verify`: one shard of a round's DFT as an independent job, and the
/// hint printed when `--until` stops a campaign (library: Discovery/Campaign/VerifyShardJob.swift).
extension DiscoverCommand {
    func runVerifyShard() throws {
        guard let campaign, let shardText = shard, let shard = Shard(shardText) else { return }   // checked by usageProblem
        let job = VerifyShardJob(campaign: campaign, shard: shard, output: output)
        job.threads = threads
        job.progress = { p in
            Terminal.progress("round \(p.round) · verify shard \(shard) · \(p.done)/\(p.total) · \(p.message)")
        }
        let summary: VerifyShardSummary
        do {
            summary = try job.run(resume: resume)
        } catch {
            Terminal.endProgress()
            Terminal.error("\(error)")
            throw ExitCode(ExitStatus.failure)
        }
        Terminal.endProgress()
        if json {
            print(Terminal.jsonLine(["output": output, "campaign": campaign, "round": summary.round, "shard": shard.description,
                                     "assigned": summary.assigned, "computed": summary.computed, "skipped": summary.skipped,
                                     "failed": summary.failed, "finished": summary.finished]))
        } else {
            print("\(output): verify shard \(shard) of round \(summary.round) of \(campaign): \(summary.assigned) candidates "
                  + "(\(summary.computed) computed now, \(summary.skipped) already present), \(summary.failed) failed or not converged")
        }
    }

    /// What to run after a campaign stopped at `--until`.
    func nextStep(_ stop: (round: Int, stage: CampaignStage)) -> String {
        guard stop.stage == .predict else { return "chemflow discover --output \(output) --resume" }
        return "run N verify shards `chemflow discover --stage verify --campaign \(output) --shard I/N --output SHARD_I.h5` "
            + "(I = 0…N-1), then `chemflow discover --output \(output) --resume --gather SHARD_*.h5 [--until predict]` "
            + "(or verify on this machine: `chemflow discover --output \(output) --resume`)"
    }
}
