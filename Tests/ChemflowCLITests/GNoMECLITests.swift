import ChemistryCore
import Datasets
import Foundation
import Testing

/// `chemflow train --model gnome`, then `predict` and `evaluate` on the GNoME model file.
@Suite(.serialized) struct GNoMECLITests {
    static let tiny = ["--model", "gnome", "--epochs", "3", "--width", "8", "--steps", "2", "--radial-functions", "10",
                       "--batch-size", "4", "--lr", "1e-3"]

    func json(_ s: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(s.utf8)) as! [String: Any]
    }

    /// 16 strained, skewed two-atom rock-salt-like cells (Na/Cl and Mg/O) with synthetic
    /// energies (element constants plus a pair term), written directly as a chemflow dataset:
    /// no DFT needed to exercise the command line.
    func crystalDataset() throws -> String {
        var records: [LabelledStructure] = []
        for i in 0..<16 {
            let (za, zb, base) = i % 2 == 0 ? (11, 17, -12_700.0) : (12, 8, -7_400.0)
            let a = 2.6 + 0.05 * Double(i % 8), t = 0.04 * Double(i % 5)
            let lattice = [SIMD3(a, t, 0), SIMD3(0, a, t), SIMD3(t, 0, a)]
            let s = Structure(name: "cell-\(i)", atomicNumbers: [za, zb],
                              positions: [SIMD3(0.05 * Double(i % 3), 0, 0), SIMD3(a / 2, a / 2, a / 2)],
                              lattice: lattice, pbc: [true, true, true])
            records.append(LabelledStructure(index: i, structure: s, status: .ok, energy: base + 3 * (a - 2.8) * (a - 2.8) + t,
                                             converged: true, iterations: 5))
        }
        let path = temporaryPath(".h5")
        let method = DatasetMethod(xc: "PBE", libxc: "101,130", basis: "plane waves", convergenceThreshold: 1e-8)
        let w = try DatasetWriter(creating: path, method: method, options: DatasetOptions(cells: true))
        try w.append(records)
        try w.close()
        return path
    }

    @Test func trainPredictEvaluateGNoME() throws {
        let data = try crystalDataset()
        let model = temporaryPath(".h5")
        let t = try CLIRun.run(["train", "--data", data, "--output", model, "--json"] + Self.tiny)
        #expect(t.status == 0, "\(t.stderr)")
        let summary = try json(t.stdout)
        #expect(summary["architecture"] as? String == "gnome" && summary["width"] as? Int == 8 && summary["steps"] as? Int == 2)
        #expect(summary["cutoff"] as? Double == 4 && summary["radial_functions"] as? Int == 10 && summary["features"] == nil)
        let degree = try #require(summary["average_degree"] as? Double)
        #expect(degree > 1)
        #expect(summary["epochs"] as? Int == 3 && (summary["val_mae_ev"] as! Double).isFinite)
        #expect(summary["elements"] as? [Int] == [8, 11, 12, 17])

        // The model file: architecture gnome, its hyperparameters and GNoME's parameter names.
        let file = try HDF5File.open(path: model)
        #expect(try file.root().stringAttribute("architecture") == "gnome")
        let hp = try file.openGroup("hyperparameters")
        #expect(try hp.intAttribute("width") == 8 && hp.intAttribute("steps") == 2)
        // (The JSON summary prints the number with fewer digits than the file's float64.)
        #expect(abs(try hp.doubleAttribute("average_degree")! - degree) < 1e-6 * degree)
        #expect(try file.exists("parameters/steps.1.edge_mlp.0.weight") && file.exists("parameters/embedding.global.bias"))
        try file.close()

        // predict a POSCAR (with forces) and the dataset; evaluate the dataset.
        let poscar = try temporaryFile("""
            NaCl skewed
            1.0
            2.9 0.05 0
            0 2.9 0.05
            0.05 0 2.9
            Na Cl
            1 1
            Cartesian
            0 0 0
            1.45 1.45 1.45

            """, suffix: ".poscar")
        let p = try CLIRun.run(["predict", "--model", model, "--input", poscar, "--json", "--forces"])
        #expect(p.status == 0, "\(p.stderr)")
        let first = try json(String(p.stdout.split(separator: "\n")[0]))
        #expect((first["energy_ev"] as! Double) < -10_000 && first["energy_spread_ev"] as? Double == 0)
        let forces = try #require(first["forces_ev_per_angstrom"] as? [[Double]])
        #expect(forces.count == 2 && forces.allSatisfy { $0.allSatisfy(\.isFinite) })
        let ph = try CLIRun.run(["predict", "--model", model, "--input", data, "--json"])
        #expect(ph.status == 0 && ph.stdout.split(separator: "\n").count == 16, "\(ph.stderr)")
        let ev = try CLIRun.run(["evaluate", "--model", model, "--data", data, "--json"])
        #expect(ev.status == 0, "\(ev.stderr)")
        #expect(try json(ev.stdout)["count"] as? Int == 16)

        // Human-readable summary names the architecture; resuming continues the GNoME run.
        let r = try CLIRun.run(["train", "--data", data, "--output", model, "--resume"] + Self.tiny.map { $0 == "3" ? "4" : $0 })
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("GNoME, width 8 × 2 steps") && r.stdout.contains("resumed after epoch 3"), "\(r.stdout)")
    }

    /// Options of the other architecture are refused with a one-line usage error.
    @Test func architectureOptionsAreChecked() throws {
        let data = temporaryPath(".h5")
        for (args, phrase) in [(["--model", "gnome", "--features", "8"], "--width"),
                               (["--width", "8"], "--model gnome"),
                               (["--model", "nequip"], "nequip")] {
            let r = try CLIRun.run(["train", "--data", data, "--output", temporaryPath(".h5")] + args)
            #expect(r.status != 0 && r.stderr.contains(phrase), "\(args): \(r.stderr)")
        }
    }
}
