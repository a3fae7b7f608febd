import ArgumentParser
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
        """
    )

    @Option(help: "Campaign configuration (YAML, see pipelines/default-campaign.yaml).")
    var config: String?

    @Option(help: "Campaign file (HDF5).")
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

    func validate() throws {
        if let rounds, rounds < 0 { throw ValidationError("--rounds must be non-negative") }
        if let budget, budget < 1 { throw ValidationError("--budget must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
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
            let finished = try campaign.run(rounds: rounds, budget: budget)
            Terminal.endProgress()
            let state = campaign.state
            let plotPath = plot ?? ((output as NSString).deletingPathExtension + ".svg")
            try CampaignReport.svg(state).write(toFile: plotPath, atomically: true, encoding: .utf8)
            if json {
                var s = CampaignReport.summary(state, path: output)
                s["finished"] = finished
                s["plot"] = plotPath
                print(Terminal.jsonLine(s))
            } else {
                print(CampaignReport.table(state))
                let stable = CampaignReport.stableLines(state)
                print("stable phases (\(stable.count)):")
                stable.forEach { print($0) }
                print("campaign file \(output); plot \(plotPath)")
            }
        } catch {
            Terminal.endProgress()
            Terminal.error("\(error)")
            throw ExitCode(ExitStatus.failure)
        }
    }
}
