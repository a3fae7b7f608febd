import Datasets
import Foundation
import TestSupport
import Testing

/// `chemflow discover --until predict`, `--stage verify --shard I/N` and `--gather` as separate
/// processes (driven by pipelines/cluster/local-shards-discover.sh), against a campaign run
/// straight through; and the option errors a user can make. Same toy campaign as DiscoverCLITests.
@Suite(.serialized) struct DiscoverShardCLITests {
    static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Per round: the candidate indices and DFT energies (eV) of /rounds/K/dft, in file order.
    static func dftEnergies(_ path: String) throws -> [[(candidate: Int, energy: Double)]] {
        let f = try HDF5File.open(path: path, mode: .readOnly)
        let rounds = try f.root().intAttribute("rounds_started") ?? 0
        return try (0..<rounds).map { k in
            let c = try f.openGroup("rounds/\(k)/dft").openDataset("candidate").read(Int64.self)
            let e = try f.openGroup("rounds/\(k)/dft").openDataset("energy").read(Double.self)
            return zip(c, e).map { (Int($0), $1) }
        }
    }

    /// The whole cycle with two shard processes per round (rounds 0 and 1) equals the straight run:
    /// same candidates verified, DFT energies within 1e-8 eV (same inputs, same deterministic code;
    /// the observed difference is 0), the same hull.
    @Test func shardedCycleEqualsStraightRun() throws {
        let config = try temporaryFile(DiscoverCLITests.tinyConfig, suffix: ".yaml")
        let flags = ["--rounds", "1", "--budget", "1"]
        let straight = temporaryPath(".h5"), sharded = temporaryPath(".h5")
        let r = try CLIRun.run(["discover", "--config", config, "--output", straight, "--json"] + flags)
        #expect(r.status == 0, "\(r.stderr)")

        var env = CLIRun.environment
        env["CHEMFLOW"] = CLIRun.executable.path
        let script = Self.repository.appendingPathComponent("pipelines/cluster/local-shards-discover.sh").path
        let cycle = try CompletedRun.run(executable: "/bin/bash", arguments: [script, config, sharded, "2"] + flags, environment: env)
        #expect(cycle.status == 0, "\(cycle.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(cycle.stdout.utf8)) as? [String: Any]
        #expect(summary?["finished"] as? Bool == true)
        #expect((summary?["gathered"] as? [String: Any])?["round"] as? Int == 1)

        let a = try Self.dftEnergies(sharded), b = try Self.dftEnergies(straight)
        #expect(a.count == 2 && b.count == 2)
        #expect(b.first?.count ?? 0 >= 6)
        for (ra, rb) in zip(a, b) {
            #expect(ra.map(\.candidate) == rb.map(\.candidate))
            for (x, y) in zip(ra, rb) {
                #expect(abs(x.energy - y.energy) < 1e-8, "candidate \(x.candidate): \(x.energy) vs \(y.energy) eV")
            }
        }
        let ha = try HDF5File.open(path: sharded, mode: .readOnly).openGroup("hull").openDataset("e_above_hull").read(Double.self)
        let hb = try HDF5File.open(path: straight, mode: .readOnly).openGroup("hull").openDataset("e_above_hull").read(Double.self)
        #expect(ha.count == hb.count && zip(ha, hb).allSatisfy { abs($0 - $1) < 1e-8 })
    }

    /// One line on stderr and exit 1 for every option mistake; campaigns here stop before any DFT.
    @Test func optionErrorsAreOneLine() throws {
        let config = try temporaryFile(DiscoverCLITests.tinyConfig, suffix: ".yaml")
        let a = temporaryPath(".h5"), b = temporaryPath(".h5"), early = temporaryPath(".h5")
        for (path, stage) in [(a, "predict"), (b, "predict"), (early, "generate")] {
            let r = try CLIRun.run(["discover", "--config", config, "--output", path, "--rounds", "0", "--until", stage])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("stopped after round 0 · \(stage)"))
        }
        // An empty shard of campaign b (no candidate index is 49 mod 50): no DFT, a valid shard file.
        let foreign = temporaryPath(".h5")
        let empty = try CLIRun.run(["discover", "--stage", "verify", "--campaign", b, "--shard", "49/50", "--output", foreign, "--json"])
        #expect(empty.status == 0, "\(empty.stderr)")
        #expect(empty.stdout.contains("\"assigned\":0"))

        let out = temporaryPath(".h5")
        let cases: [([String], String)] = [
            (["--stage", "verify", "--shard", "0/2", "--output", out], "--stage verify needs --campaign"),
            (["--stage", "verify", "--campaign", a, "--output", out], "--stage verify needs --shard"),
            (["--stage", "verify", "--campaign", a, "--shard", "2/2", "--output", out], "--shard must be I/N"),
            (["--stage", "verify", "--campaign", a, "--shard", "one/two", "--output", out], "--shard must be I/N"),
            (["--stage", "predict", "--campaign", a, "--shard", "0/2", "--output", out], "--stage accepts only 'verify'"),
            (["--stage", "verify", "--campaign", a, "--shard", "0/2", "--output", out, "--until", "predict"], "--until does not apply"),
            (["--shard", "0/2", "--output", out], "--shard needs --stage verify"),
            (["--output", out, "--until", "later"], "--until must be one of"),
            (["--output", a, "--gather", foreign], "--gather needs --resume"),
            (["--output", out, "--resume", "--gather", foreign], "does not exist"),
            (["--stage", "verify", "--campaign", early, "--shard", "0/2", "--output", out], "no round waiting for verify"),
            (["--stage", "verify", "--campaign", out, "--shard", "0/2", "--output", temporaryPath(".h5")], "does not exist"),
            (["--output", a, "--resume", "--gather", foreign], "belongs to campaign 'tiny-cli'"),
            (["--output", a, "--resume", "--gather", a], "not a chemflow verify shard file"),
        ]
        for (arguments, expected) in cases {
            let r = try CLIRun.run(["discover"] + arguments)
            #expect(r.status == 1, "\(arguments): status \(r.status), \(r.stderr)")
            #expect(r.stderr.contains(expected), "\(arguments): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(arguments): \(r.stderr)")
            #expect(r.stderr.hasPrefix("chemflow: error:"), "\(arguments): \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
