import DatasetGeneration
import Foundation

/// What `Campaign.gather` did.
public struct GatherSummary: Sendable {
    public var round: Int
    public var shards: Int
    /// Records added to the round, and records skipped because the round already had them.
    public var added: Int
    public var skipped: Int
    /// Items of the round still without a record (computed by the next `run`).
    public var stillPending: Int
}

extension Campaign {
    /// Adds the DFT records of verify shard files (`VerifyShardJob`) to the round waiting for
    /// verify and commits the campaign file; the next `run` computes locally whatever no shard did.
    ///
    /// Every shard is checked before anything changes: it must be a shard of this campaign (same
    /// campaign id) and of this round, each shard (I/N) may be given once, no candidate may appear
    /// in two shards, and every record must be an item of the round's `toVerify` with its group.
    /// Records of candidates the round already has are skipped, so gathering again is harmless.
    @discardableResult
    public func gather(shards paths: [String]) throws -> GatherSummary {
        guard let k = state.roundAwaitingVerification else {
            let last = state.rounds.last
            throw CampaignError.invalidShardFile(
                "'\(path)' has no round waiting for verify, nothing to gather into ("
                + (last.map { "round \($0.index) is at stage \($0.completed?.description ?? "none")" } ?? "no round started") + ")")
        }
        let round = state.rounds[k]
        var groups: [Int: String] = [:]
        for item in round.toVerify { groups[item.candidate] = item.group }

        var seenShard: [String: String] = [:], seenCandidate: [Int: String] = [:]
        var incoming: [DFTRecord] = []
        for p in paths {
            let s = try VerifyShardStore.read(path: p)
            guard s.campaignID == state.campaignID else {
                throw CampaignError.invalidShardFile(
                    "'\(p)' belongs to campaign '\(s.campaignName)' (id \(s.campaignID)), not to '\(path)' (campaign '\(configuration.name)', id \(state.campaignID))")
            }
            guard s.round == k else {
                throw CampaignError.invalidShardFile("'\(p)' holds round \(s.round), but round \(k) of '\(path)' is waiting for verify")
            }
            if let other = seenShard[s.shard.description] {
                throw CampaignError.invalidShardFile("shard \(s.shard) given twice ('\(other)' and '\(p)')")
            }
            seenShard[s.shard.description] = p
            for r in s.records {
                guard let g = groups[r.candidate], g == r.group else {
                    throw CampaignError.invalidShardFile(
                        "'\(p)' has a record for candidate \(r.candidate) (\(r.group)), which round \(k) does not verify")
                }
                if let other = seenCandidate[r.candidate] {
                    throw CampaignError.invalidShardFile("candidate \(r.candidate) of round \(k) appears in both '\(other)' and '\(p)'")
                }
                seenCandidate[r.candidate] = p
                incoming.append(r)
            }
        }
        gatheredRound = k
        let present = Set(round.dft.map(\.candidate))
        let new = incoming.filter { !present.contains($0.candidate) }
        if !new.isEmpty {
            state.rounds[k].dft += new
            state.rounds[k].sortDFTInVerificationOrder()
            try save()
        }
        return GatherSummary(round: k, shards: paths.count, added: new.count, skipped: incoming.count - new.count,
                             stillPending: state.rounds[k].pendingVerification.count)
    }
}
