import ChemistryCore
import Datasets
import Foundation
import Testing

/// `chemflow train`, `predict` and `evaluate` end to end on a small generated dataset.
@Suite(.serialized) struct TrainCLITests {
    static let tiny = ["--epochs", "3", "--features", "8", "--interactions", "1", "--radial-functions", "8",
                       "--cutoff", "3", "--batch-size", "8", "--lr", "1e-3"]

    func json(_ s: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(s.utf8)) as! [String: Any]
    }

    @Test func trainPredictEvaluate() throws {
        let input = try smallMoleculeSet(count: 24)
        let data = temporaryPath(".h5")
        let g = try CLIRun.run(["generate", "--input", input, "--output", data, "--preset", "qm1b", "--threads", "2"])
        #expect(g.status == 0, "\(g.stderr)")

        let model = temporaryPath(".h5")
        let t = try CLIRun.run(["train", "--data", data, "--output", model, "--target", "energy", "--json"] + Self.tiny)
        #expect(t.status == 0, "\(t.stderr)")
        let summary = try json(t.stdout)
        #expect(summary["epochs"] as? Int == 3)
        #expect((summary["train_count"] as! Int) + (summary["validation_count"] as! Int) == 24)
        #expect((summary["val_mae_ev"] as! Double).isFinite)
        #expect(summary["elements"] as? [Int] == [1, 6, 7, 8, 9])
        let csv = (summary["metrics_csv"] as! [String])[0], svg = (summary["learning_curve_svg"] as! [String])[0]
        let stem = String(model.dropLast(3))
        #expect(csv == stem + ".metrics.csv" && svg == stem + ".learning-curve.svg")
        for path in [model, csv, svg, stem + ".checkpoint.h5"] { #expect(FileManager.default.fileExists(atPath: path), "\(path)") }
        #expect(try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").count == 4)

        // The model file is HDF5 with the documented root attributes.
        let file = try HDF5File.open(path: model)
        #expect(try file.root().stringAttribute("format") == "chemflow-model")
        #expect(try file.exists("parameters/embedding.weight") && file.exists("provenance/method"))
        #expect(try file.openGroup("provenance/method").stringAttribute("basis")?.lowercased() == "sto-3g")
        // inspect summarises it: architecture, size, provenance, final metrics.
        let i = try CLIRun.run(["inspect", model, "--json"])
        #expect(i.status == 0, "\(i.stderr)")
        let info = try json(i.stdout)
        #expect(info["architecture"] as? String == "schnet" && info["ensemble_size"] as? Int == 1)
        #expect(info["epochs"] as? Int == 3 && info["elements"] as? [Int] == [1, 6, 7, 8, 9])
        #expect(info["val_mae_ev"] as? Double == summary["val_mae_ev"] as? Double)
        #expect((info["parameters"] as? Int ?? 0) > 1000)
        let text = try CLIRun.run(["inspect", model])
        #expect(text.status == 0 && text.stdout.contains("schnet model"))

        // predict on the XYZ file and on the dataset itself: one JSON line per structure.
        let p = try CLIRun.run(["predict", "--model", model, "--input", input, "--json", "--forces"])
        #expect(p.status == 0, "\(p.stderr)")
        let lines = p.stdout.split(separator: "\n")
        #expect(lines.count == 24)
        let first = try json(String(lines[0]))
        #expect(first["name"] as? String == "water_0")
        let e = first["energy_ev"] as! Double
        #expect(e < -1000 && e > -3000)   // water, about -2049 eV at B3LYP5/STO-3G
        #expect(first["energy_spread_ev"] as? Double == 0)
        #expect(abs((first["energy_per_atom_ev"] as! Double) * 3 - e) < 1e-9)
        #expect((first["forces_ev_per_angstrom"] as? [[Double]])?.count == 3)
        let ph = try CLIRun.run(["predict", "--model", model, "--input", data, "--json"])
        #expect(ph.status == 0 && ph.stdout.split(separator: "\n").count == 24)

        // evaluate: sane errors (targets are near-degenerate per composition, so errors are small).
        let ev = try CLIRun.run(["evaluate", "--model", model, "--data", data, "--json"])
        #expect(ev.status == 0, "\(ev.stderr)")
        let metrics = try json(ev.stdout)
        #expect(metrics["count"] as? Int == 24)
        let mae = metrics["mae_ev"] as! Double, rmse = metrics["rmse_ev"] as! Double
        #expect(mae.isFinite && rmse >= mae && mae < 1.0)
        #expect((metrics["mae_ev_per_atom"] as! Double) <= mae)

        // Errors: an element the model never saw, a dataset instead of a model, a missing model,
        // an empty input file, a dataset without ok records.
        let chlorine = try temporaryFile("2\nname=hcl\nH 0 0 0\nCl 0 0 1.27\n")
        let empty = try temporaryFile("")
        let cases: [([String], String)] = [
            (["predict", "--model", model, "--input", chlorine], "'hcl' contains Cl"),
            (["predict", "--model", data, "--input", input], "not a model file"),
            (["predict", "--model", temporaryPath(".h5"), "--input", input], "no such file"),
            (["predict", "--model", model, "--input", empty], "error:"),
            (["evaluate", "--model", input, "--data", data], "not a chemflow model file"),
            (["train", "--data", empty, "--output", temporaryPath(".h5")], "error:"),
            (["train", "--data", data, "--output", temporaryPath(".h5"), "--target", "gap"], "not supported"),
        ]
        for (args, phrase) in cases {
            let r = try CLIRun.run(args)
            #expect(r.status == 1, "\(args): \(r.status) \(r.stderr)")
            #expect(r.stderr.hasPrefix("chemflow: error:") && r.stderr.split(separator: "\n").count == 1, "\(args): \(r.stderr)")
            #expect(r.stderr.contains(phrase), "\(args): \(r.stderr)")
        }
    }

    @Test func ensembleResumeAndFailedRecords() throws {
        let input = try temporaryFile(try String(contentsOfFile: try smallMoleculeSet(count: 12), encoding: .utf8)
                                      + "1\nname=radical\nH 0 0 0\n")
        let data = temporaryPath(".h5")
        let g = try CLIRun.run(["generate", "--input", input, "--output", data, "--preset", "qm1b", "--threads", "2"])
        #expect(g.status == 1)   // the radical fails; the dataset keeps it with status failed
        let model = temporaryPath(".h5")
        var args = ["train", "--data", data, "--output", model, "--ensemble", "2", "--json"] + Self.tiny
        args[args.firstIndex(of: "3")!] = "2"   // 2 epochs, then resume to 3
        let t = try CLIRun.run(args)
        #expect(t.status == 0, "\(t.stderr)")
        #expect(try json(t.stdout)["skipped"] as? Int == 1)
        let r = try CLIRun.run(["train", "--data", data, "--output", model, "--ensemble", "2", "--json", "--resume"] + Self.tiny)
        #expect(r.status == 0, "\(r.stderr)")
        let s = try json(r.stdout)
        #expect(s["resumed_from_epoch"] as? Int == 2 && s["epochs"] as? Int == 3)
        #expect((s["metrics_csv"] as! [String]).count == 2)
        let p = try CLIRun.run(["predict", "--model", model, "--input", data, "--json"])
        #expect(p.status == 0, "\(p.stderr)")
        let first = try json(String(p.stdout.split(separator: "\n")[0]))
        #expect((first["energy_members_ev"] as? [Double])?.count == 2)
        #expect((first["energy_spread_ev"] as! Double) >= 0)
    }
}
