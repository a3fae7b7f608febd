import ArgumentParser
import DatasetGeneration
import Discovery
import Foundation

/// `chemflow discover`: a GNoME-style active-learning campaign (library: Discovery/Campaign).
struct DiscoverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discover",
        abstract: "Run an active-learning materials-discovery campaign (candidates → ensemble filter → DFT → hull → retrain).",
        discussion: """
        Without --config the shipped pipelines/default-campaign.yaml is used when found in the working
        directory, else the built-in defaults. Round 0 computes the elemental references and seed
        compounds; rounds 1…N generate candidates, keep those the ensemble places within the threshold
        of the hull, verify them (and a random control) with plane-wave DFT, rebuild the hull and
        retrain. Everything goes into one HDF5 campaign file; a killed run continues with --resume
        without recomputing finished DFT. A table is printed at the end and a plot of hit rate and
        MAE by round is written next to the output (OUTPUT stem + .svg).

        On a cluster (docs/discovery.md, "Running verify on a cluster"): --until predict stops once a
        round's candidates are chosen; `--stage verify --campaign CAMPAIGN.h5 --shard I/N --output
        SHARD.h5` runs one shard of that round's DFT as an independent job (reading the campaign file
        only); `--resume --gather SHARD...` adds the shards to the campaign and continues.
        """
    )

    @Option(help: "Campaign configuration (YAML, see pipelines/default-campaign.yaml).")
    var config: String?

    @Option(help: "Campaign file (HDF5); with --stage verify, the shard file to write.")
    var output: String

    @Option(help: "Discovery rounds after the seed round (overrides the configuration).")
    var rounds: Int?

    @Option(help: "Model-selected DFT calculations per round (overrides the configuration).")
    var budget: Int?

    @Option(help: "Parallel DFT calculations (overrides the configuration).")
    var threads: Int?

    @Flag(help: "Continue an existing campaign file from its last finished step.")
    var resume = false

    @Option(help: "Where to write the SVG plot (default: next to the output).")
    var plot: String?

    @Flag(help: "Print the final summary as JSON.")
    var json = false

    @Option(help: ArgumentHelp("Stop once this stage of the current round is committed (generate, predict, verify, update, train); "
                               + "predict: ready for --stage verify shards.", valueName: "stage"))
    var until: String?

    @Option(help: ArgumentHelp("Run only this stage as a shard job: verify (needs --campaign and --shard; --output is the shard file).",
                               valueName: "stage"))
    var stage: String?

    @Option(help: "With --stage verify: the campaign file, opened read-only.")
    var campaign: String?

    @Option(help: ArgumentHelp("With --stage verify: compute the pending candidates with index i mod N == I.", valueName: "I/N"))
    var shard: String?

    @Option(parsing: .upToNextOption, help: ArgumentHelp("With --resume: add these verify shard files to the campaign, then continue.",
                                                         valueName: "shard-file"))
    var gather: [String] = []

    func validate() throws {
        if let rounds, rounds < 0 { throw ValidationError("--rounds must be non-negative") }
        if let budget, budget < 1 { throw ValidationError("--budget must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    /// Option combinations a user can get wrong; each a one-line message.
    func usageProblem() -> String? {
        if let stage {
            guard stage == "verify" else { return "--stage accepts only 'verify' (the other stages run in the campaign loop)" }
            guard campaign != nil else { return "--stage verify needs --campaign CAMPAIGN.h5 (the campaign file to read)" }
            guard let shard else { return "--stage verify needs --shard I/N" }
            guard Shard(shard) != nil else { return "--shard must be I/N with 0 <= I < N, got '\(shard)'" }
            for (given, name) in [(config != nil, "--config"), (rounds != nil, "--rounds"), (budget != nil, "--budget"),
                                  (until != nil, "--until"), (!gather.isEmpty, "--gather"), (plot != nil, "--plot")] where given {
                return "\(name) does not apply to --stage verify"
            }
            return nil
        }
        if campaign != nil { return "--campaign is only used with --stage verify (the campaign file is --output)" }
        if shard != nil { return "--shard needs --stage verify" }
        if let until, CampaignStage(name: until) == nil {
            return "--until must be one of generate, predict, verify, update, train, got '\(until)'"
        }
        if !gather.isEmpty {
            guard resume else { return "--gather needs --resume (it adds shards to an existing campaign file)" }
            guard FileManager.default.fileExists(atPath: output) else { return "--gather: campaign file '\(output)' does not exist" }
        }
        return nil
    }

    func run() throws {
        if let problem = usageProblem() {
            Terminal.error(problem)
            throw ExitCode(ExitStatus.failure)
        }
        if stage != nil { return try runVerifyShard() }
        do {
            var c: CampaignConfiguration
            if let config {
                c = try CampaignConfiguration.load(path: config)
            } else if FileManager.default.fileExists(atPath: "pipelines/default-campaign.yaml") {
                c = try CampaignConfiguration.load(path: "pipelines/default-campaign.yaml")
            } else {
                c = CampaignConfiguration()
                c.name = "default-campaign"
            }
            if let threads { c.dft.threads = threads }
            let campaign = try Campaign(configuration: c, path: output, resume: resume)
            campaign.progress = { p in
                Terminal.progress("round \(p.round) · \(p.stage) · \(p.done)/\(p.total) · \(p.message)")
            }
            var gathered: GatherSummary?
            if !gather.isEmpty {
                gathered = try campaign.gather(shards: gather)
            }
            campaign.until = until.flatMap { CampaignStage(name: $0) }
            campaign.threads = threads
            let finished = try campaign.run(rounds: rounds, budget: budget)
            Terminal.endProgress()
            let state = campaign.state
            let plotPath = plot ?? ((output as NSString).deletingPathExtension + ".svg")
            try CampaignReport.svg(state).write(toFile: plotPath, atomically: true, encoding: .utf8)
            if json {
                var s = CampaignReport.summary(state, path: output)
                s["finished"] = finished
                s["plot"] = plotPath
                if let g = gathered {
                    s["gathered"] = ["round": g.round, "shards": g.shards, "added": g.added, "skipped": g.skipped,
                                     "computed_locally": g.stillPending]
                }
                if let stop = campaign.stoppedAt {
                    s["stopped_after"] = ["round": stop.round, "stage": stop.stage.description]
                    s["next"] = nextStep(stop)
                }
                print(Terminal.jsonLine(s))
            } else {
                if let g = gathered {
                    print("gathered \(g.shards) shard files into round \(g.round): \(g.added) DFT results added, \(g.skipped) already present, "
                          + "\(g.stillPending) computed locally")
                }
                print(CampaignReport.table(state))
                let stable = CampaignReport.stableLines(state)
                print("stable phases (\(stable.count)):")
                stable.forEach { print($0) }
                print("campaign file \(output); plot \(plotPath)")
                if let stop = campaign.stoppedAt {
                    print("stopped after round \(stop.round) · \(stop.stage) (--until \(stop.stage)). Next: \(nextStep(stop))")
                }
            }
        } catch {
            Terminal.endProgress()
            Terminal.error("\(error)")
            throw ExitCode(ExitStatus.failure)
        }
    }
}
