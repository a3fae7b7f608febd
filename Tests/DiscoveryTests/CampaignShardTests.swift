import ChemistryCore
import DatasetGeneration
import Foundation
import Testing
@testable import Discovery

/// The verify stage as shard jobs (`VerifyShardJob`) gathered back into the campaign
/// (`Campaign.gather`), with `until: .predict` stopping the loop where the shards take over.
///
/// The DFT is replaced by `fakeDFT`, a deterministic function of composition and volume, so the
/// tests run in seconds and check the bookkeeping: a sharded campaign must end in exactly the
/// state of a campaign run straight through (same seed, same code, so the comparison is exact).
@Suite("Campaign verify shards", .serialized)
struct CampaignShardTests {
    /// E = Σ_atoms μ_Z + n (−0.8 x_Na x_Al + 0.002 (V/n − 20 Å³)²) in eV: elemental references
    /// μ_Na = −1.3, μ_Al = −3.7 eV, an attractive mixing term (so compounds can be stable) and a
    /// volume penalty (so polymorphs differ). Not physics, only a deterministic, fast stand-in.
    static let fakeDFT: CampaignDFTFunction = { candidate, _, index, group in
        let s = candidate.structure
        let n = Double(s.count)
        let na = Double(s.atomicNumbers.filter { $0 == 11 }.count) / n, al = Double(s.atomicNumbers.filter { $0 == 13 }.count) / n
        let l = s.lattice ?? []
        let volume = l.count == 3 ? abs(l[0].x * (l[1].y * l[2].z - l[1].z * l[2].y) - l[0].y * (l[1].x * l[2].z - l[1].z * l[2].x)
                                       + l[0].z * (l[1].x * l[2].y - l[1].y * l[2].x)) : 0
        let mu = s.atomicNumbers.map { $0 == 11 ? -1.3 : ($0 == 13 ? -3.7 : -2.0) }.reduce(0, +)
        let e = mu + n * (-0.8 * na * al + 0.002 * (volume / n - 20) * (volume / n - 20))
        return DFTRecord(candidate: index, group: group, status: .ok, error: "", energy: e, structure: s,
                         eosVolumes: [], eosEnergies: [], seconds: 0)
    }

    func campaign(_ path: String, resume: Bool = false) throws -> Campaign {
        let c = try Campaign(configuration: tinyCampaignConfiguration(), path: path, resume: resume)
        c.dftFunction = Self.fakeDFT
        return c
    }

    /// Runs shard I/N of the campaign's pending round with the fake DFT; returns the shard file.
    func runShard(_ campaignPath: String, _ shard: String, prefix: String) throws -> (path: String, job: VerifyShardJob) {
        let path = prefix + "shard-\(shard.replacingOccurrences(of: "/", with: "of")).h5"
        let job = VerifyShardJob(campaign: campaignPath, shard: Shard(shard)!, output: path)
        job.dftFunction = Self.fakeDFT
        job.threads = 2
        let summary = try job.run(resume: false)
        #expect(summary.finished && summary.computed == summary.assigned && summary.skipped == 0)
        return (path, job)
    }

    func temporaryDirectory() throws -> String {
        let dir = (NSTemporaryDirectory() as NSString).appendingPathComponent("campaign-shards-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// until predict → 3 shards → gather → until predict → 2 of 3 shards (one lost) → gather →
    /// to the end; equal to the straight run in every DFT record, the hull, the metrics and the models.
    @Test func shardedCampaignEqualsStraightRun() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let straightPath = (dir as NSString).appendingPathComponent("straight.h5")
        let shardedPath = (dir as NSString).appendingPathComponent("sharded.h5")

        let straight = try campaign(straightPath)
        #expect(try straight.run() == true)
        let reference = try CampaignStore.read(path: straightPath)

        // Round 0: stop after predict; the file then has a round waiting for verify and no DFT.
        let first = try campaign(shardedPath)
        first.until = .predict
        #expect(try first.run() == false)
        #expect(first.stoppedAt?.round == 0 && first.stoppedAt?.stage == .predict)
        #expect(first.dftCalls == 0)
        var state = try CampaignStore.read(path: shardedPath)
        #expect(state.roundAwaitingVerification == 0)
        let pending0 = state.rounds[0].pendingVerification.map(\.candidate)
        #expect(pending0.count >= 6)

        // Running --until predict again at that point does nothing.
        let again = try campaign(shardedPath, resume: true)
        again.until = .predict
        #expect(try again.run() == false)
        #expect(again.dftCalls == 0 && again.stoppedAt?.round == 0)

        // Three shards partition the pending items: each exactly once, by candidate index mod 3.
        let shards0 = try (0..<3).map { try runShard(shardedPath, "\($0)/3", prefix: dir + "/") }
        let assigned0 = try shards0.map { try VerifyShardStore.read(path: $0.path) }
        #expect(assigned0.flatMap(\.assigned).sorted() == pending0.sorted())
        for (i, s) in assigned0.enumerated() {
            #expect(s.assigned.allSatisfy { $0 % 3 == i })
            #expect(s.records.map(\.candidate) == s.assigned)
            #expect(s.round == 0 && s.shard == Shard("\(i)/3")! && s.campaignID == state.campaignID)
        }
        #expect(shards0.map(\.job.dftCalls).reduce(0, +) == pending0.count)
        // Shards never write the campaign file.
        #expect(try CampaignStore.read(path: shardedPath).rounds[0].dft.isEmpty)

        // Gather and continue to round 1's predict stage: no local DFT.
        let second = try campaign(shardedPath, resume: true)
        let g0 = try second.gather(shards: shards0.map(\.path))
        #expect(g0.round == 0 && g0.added == pending0.count && g0.skipped == 0 && g0.stillPending == 0)
        second.until = .predict
        #expect(try second.run() == false)
        #expect(second.stoppedAt?.round == 1 && second.stoppedAt?.stage == .predict)
        #expect(second.dftCalls == 0)
        state = try CampaignStore.read(path: shardedPath)
        #expect(state.roundAwaitingVerification == 1)
        let pending1 = state.rounds[1].pendingVerification.map(\.candidate)
        #expect(pending1.count == reference.rounds[1].toVerify.count)

        // Round 1: shard 2 of 3 is lost; its items are computed locally when the loop continues.
        let shards1 = try (0..<2).map { try runShard(shardedPath, "\($0)/3", prefix: dir + "/r1-") }
        let third = try campaign(shardedPath, resume: true)
        let g1 = try third.gather(shards: shards1.map(\.path))
        let lost = pending1.filter { $0 % 3 == 2 }.count
        #expect(g1.stillPending == lost && g1.added == pending1.count - lost)
        #expect(try third.run() == true)
        #expect(third.dftCalls == lost)

        // The sharded campaign equals the straight one.
        let result = try CampaignStore.read(path: shardedPath)
        #expect(result.rounds.count == reference.rounds.count)
        for (r, ref) in zip(result.rounds, reference.rounds) {
            #expect(r.completed == .train)
            #expect(r.candidates == ref.candidates)
            #expect(r.predictions == ref.predictions)
            #expect(r.selected == ref.selected && r.control == ref.control)
            #expect(r.dft.map(\.candidate) == ref.dft.map(\.candidate))   // same order: toVerify order
            var a = r.dft, b = ref.dft
            for i in a.indices { a[i].seconds = 0 }
            for i in b.indices { b[i].seconds = 0 }
            #expect(a == b)
            // RoundMetrics == is false for NaN == NaN (no prospective MAE in round 0): compare with NaN as a value.
            var m = r.metrics, mr = ref.metrics
            #expect(m.prospectiveMAE.isNaN == mr.prospectiveMAE.isNaN)
            if m.prospectiveMAE.isNaN { m.prospectiveMAE = 0; mr.prospectiveMAE = 0 }
            #expect(m == mr)
            #expect(Set(r.dft.map(\.candidate)).count == r.dft.count)
        }
        let hull = try CampaignStore.readHull(path: shardedPath), refHull = try CampaignStore.readHull(path: straightPath)
        #expect(hull == refHull)
        #expect(hull.contains { $0.stable && $0.formula == "AlNa" })
        // Model files carry a creation time, so compare what the ensembles predict (exactly: same
        // data in the same order, same seeds) on every structure the campaign computed.
        #expect(result.models.count == reference.models.count)
        let structures = result.computed.map(\.record.structure)
        for (m, mr) in zip(result.models, reference.models) {
            #expect(m.round == mr.round && m.trainCount == mr.trainCount)
            #expect(m.validationMAE == mr.validationMAE || (m.validationMAE.isNaN && mr.validationMAE.isNaN))
            let e = try CampaignModels.energiesPerAtom(try CampaignModels.load(bytes: m.fileBytes), structures)
            let er = try CampaignModels.energiesPerAtom(try CampaignModels.load(bytes: mr.fileBytes), structures)
            #expect(e == er, "ensemble of round \(m.round) predicts differently")
        }
        #expect(result.campaignID != reference.campaignID)
    }

    /// Bad shards are refused before anything is written; gathering twice adds nothing twice.
    @Test func gatherChecksShards() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = (dir as NSString).appendingPathComponent("a.h5"), otherPath = (dir as NSString).appendingPathComponent("b.h5")

        // No round waiting for verify yet: shard jobs and gather refuse.
        let a = try campaign(path)
        a.until = .generate
        #expect(try a.run() == false)
        #expect(a.stoppedAt?.stage == .generate)
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch { return "\(error)" }
        }
        #expect(message { _ = try VerifyShardJob(campaign: path, shard: Shard("0/2")!, output: dir + "/x.h5").run(resume: false) }
            .contains("no round waiting for verify"))
        #expect(message { try a.gather(shards: []) }.contains("no round waiting for verify"))

        let a2 = try campaign(path, resume: true)
        a2.until = .predict
        #expect(try a2.run() == false)
        let other = try campaign(otherPath)   // same configuration, another campaign
        other.until = .predict
        #expect(try other.run() == false)

        let s0 = try runShard(path, "0/2", prefix: dir + "/").path, s1 = try runShard(path, "1/2", prefix: dir + "/").path
        let t0 = try runShard(path, "0/3", prefix: dir + "/").path
        let foreign = try runShard(otherPath, "1/2", prefix: dir + "/other-").path

        let g = try campaign(path, resume: true)
        #expect(message { try g.gather(shards: [s0, foreign]) }.contains("belongs to campaign 'tiny'"))
        #expect(message { try g.gather(shards: [s0, s0]) }.contains("shard 0/2 given twice"))
        #expect(message { try g.gather(shards: [s0, t0]) }.contains("candidate 0 of round 0 appears in both"))
        #expect(message { try g.gather(shards: [dir + "/missing.h5"]) }.contains("does not exist"))
        #expect(message { try g.gather(shards: [path]) }.contains("not a chemflow verify shard file"))
        // Nothing was added by the refused gathers.
        #expect(try CampaignStore.read(path: path).rounds[0].dft.isEmpty)

        // One shard, then both: the second gather skips what the first added.
        let first = try g.gather(shards: [s0])
        #expect(first.added > 0 && first.stillPending > 0)
        let second = try campaign(path, resume: true).gather(shards: [s0, s1])
        #expect(second.skipped == first.added && second.stillPending == 0)
        let round = try CampaignStore.read(path: path).rounds[0]
        #expect(round.dft.count == round.toVerify.count)
        #expect(round.dft.map(\.candidate) == round.toVerify.map(\.candidate))

        // A shard output that exists needs resume, and resume only continues the same shard.
        #expect(message { _ = try VerifyShardJob(campaign: otherPath, shard: Shard("1/2")!, output: foreign).run(resume: false) }
            .contains("already exists"))
        #expect(message { _ = try VerifyShardJob(campaign: otherPath, shard: Shard("0/2")!, output: foreign).run(resume: true) }
            .contains("holds shard 1/2"))
        #expect(message { _ = try VerifyShardJob(campaign: path, shard: Shard("1/2")!, output: foreign).run(resume: true) }
            .contains("holds shard 1/2 of round 0 of campaign 'tiny'"))
    }

    /// A shard killed after one result continues with resume without recomputing it.
    @Test func killedShardResumes() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = (dir as NSString).appendingPathComponent("c.h5"), out = (dir as NSString).appendingPathComponent("s.h5")
        let c = try campaign(path)
        c.until = .predict
        #expect(try c.run() == false)

        let killed = VerifyShardJob(campaign: path, shard: Shard("0/2")!, output: out)
        killed.dftFunction = Self.fakeDFT
        killed.stopAfterDFTResults = 1
        let s1 = try killed.run(resume: false)
        #expect(!s1.finished && s1.computed == 1 && s1.assigned >= 3)
        #expect(try VerifyShardStore.read(path: out).records.count == 1)

        let resumed = VerifyShardJob(campaign: path, shard: Shard("0/2")!, output: out)
        resumed.dftFunction = Self.fakeDFT
        let s2 = try resumed.run(resume: true)
        #expect(s2.finished && s2.skipped == 1 && s2.computed == s1.assigned - 1 && resumed.dftCalls == s1.assigned - 1)
        let file = try VerifyShardStore.read(path: out)
        #expect(file.records.map(\.candidate) == file.assigned && file.pending.isEmpty)
    }

    /// Campaign files from before campaign ids get "config-" + FNV-1a 64 of their configuration
    /// text. Reference values of FNV-1a 64 (Fowler–Noll–Vo test vectors): "" → cbf29ce484222325,
    /// "a" → af63dc4c8601ec8c, "foobar" → 85944171f73967e8.
    @Test func derivedCampaignID() {
        #expect(CampaignState.derivedID(configurationYAML: "") == "config-cbf29ce484222325")
        #expect(CampaignState.derivedID(configurationYAML: "a") == "config-af63dc4c8601ec8c")
        #expect(CampaignState.derivedID(configurationYAML: "foobar") == "config-85944171f73967e8")
    }
}
