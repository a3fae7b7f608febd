import Foundation
import Testing

/// `chemflow discover` and `chemflow inspect` on a campaign file: a toy Na–Al campaign with one
/// discovery round (Ecut 6 Ha, tiny k-grids, 2 SchNet members of 8 features) — the numbers mean
/// nothing; the command line, the file and the resume path are what is checked.
@Suite(.serialized) struct DiscoverCLITests {
    static var prototypes: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("datasets/crystals/prototypes").path
    }

    static var tinyConfig: String {
        """
        name: tiny-cli
        elements: [Na, Al]
        prototypes_directory: \(prototypes)
        prototypes: [CsCl, rocksalt]
        elemental_prototypes: [fcc, bcc]
        max_atoms: 2
        rounds: 3
        seed_round: {compounds: 2}
        generation: {partial_substitution: false, random_structures: 1, max_candidates: 8}
        filter: {budget: 2, control_budget: 1, threshold_ev: 10}
        dft: {ecut: 6, k_spacing: 1.2, max_k_points: 2, relax: none, threads: 2}
        model: {ensemble_size: 2, features: 8, interactions: 1, radial_functions: 8, epochs: 10, batch_size: 4}
        """
    }

    @Test func discoverThenInspectThenResume() throws {
        let config = try temporaryFile(Self.tinyConfig, suffix: ".yaml")
        let out = temporaryPath(".h5")
        let r = try CLIRun.run(["discover", "--config", config, "--output", out, "--rounds", "1", "--budget", "1", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let rounds = summary?["rounds"] as? [[String: Any]] ?? []
        #expect(rounds.count == 2)
        #expect(rounds.last?["selected"] as? Int == 1)   // --budget 1
        #expect(summary?["finished"] as? Bool == true)
        let plot = (out as NSString).deletingPathExtension + ".svg"
        #expect(((try? String(contentsOfFile: plot, encoding: .utf8)) ?? "").hasPrefix("<svg"))

        let inspect = try CLIRun.run(["inspect", out])
        #expect(inspect.status == 0, "\(inspect.stderr)")
        #expect(inspect.stdout.contains("campaign 'tiny-cli'"))
        #expect(inspect.stdout.contains("stable phases"))

        // The same output again needs --resume; resuming a finished campaign does nothing and succeeds.
        let again = try CLIRun.run(["discover", "--config", config, "--output", out, "--rounds", "1"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("--resume"))
        let resumed = try CLIRun.run(["discover", "--config", config, "--output", out, "--rounds", "1", "--resume", "--json"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
    }

    @Test func badConfigurationIsOneLineAndExitOne() throws {
        let config = try temporaryFile("elements: [Na, Al]\nfilter:\n  budgte: 3\n", suffix: ".yaml")
        let r = try CLIRun.run(["discover", "--config", config, "--output", temporaryPath(".h5")])
        #expect(r.status == 1)
        #expect(r.stderr.contains("unknown key 'filter.budgte'"))
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(try CLIRun.run(["discover", "--output", temporaryPath(".h5"), "--rounds", "-1"]).status != 0)
    }
}
