import Datasets
import Foundation
import TestSupport
import Testing

/// `chemflow dft --forces` and `chemflow generate --forces` on molecules.
///
/// Reference: PySCF 2.14 analytic RHF/STO-3G gradient of a distorted water molecule
/// (Tests/GaussianDFTTests/Reference/gradients_pyscf.py, first row), converted to forces in eV/Å
/// with CODATA 2018 (27.211386245988 eV/Ha, 0.529177210903 Å/bohr). Tolerance 1e-4 eV/Å
/// (2e-6 Ha/bohr): the CLI runs at --conv-tol 1e-11 (orbital gradient 3e-6), and the library
/// agrees with PySCF to 2e-8 Ha/bohr at tight convergence (GradientTests).
@Suite(.serialized) struct ForcesCLITests {
    static let water = "3\nname=water-distorted\nO 0.02 -0.03 0.05\nH 0.1 -0.74 0.62\nH -0.05 0.78 0.55\n"
    static let pyscfGradient: [[Double]] = [
        [0.007061495979, -0.049524345950, 0.119876061236],
        [-0.008198540902, 0.068057822877, -0.083306510412],
        [0.001137044923, -0.018533476927, -0.036569550824],
    ]
    static var referenceForces: [[Double]] {
        pyscfGradient.map { $0.map { -$0 * 27.211386245988 / 0.529177210903 } }
    }

    @Test func dftPrintsForcesAsJSONAndText() throws {
        let input = try temporaryFile(Self.water)
        let r = try CLIRun.run(["dft", input, "--xc", "hf", "--basis", "sto-3g", "--conv-tol", "1e-11", "--forces", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let forces = try #require(o["forces_ev_per_angstrom"] as? [[Double]])
        #expect(forces.count == 3 && forces.allSatisfy { $0.count == 3 })
        for (f, ref) in zip(forces, Self.referenceForces) {
            for k in 0..<3 { #expect(abs(f[k] - ref[k]) < 1e-4, "\(forces) vs \(Self.referenceForces)") }
        }
        let maxForce = try #require(o["max_force_ev_per_angstrom"] as? Double)
        #expect(abs(maxForce - forces.map { ($0[0] * $0[0] + $0[1] * $0[1] + $0[2] * $0[2]).squareRoot() }.max()!) < 1e-12)
        let text = try CLIRun.run(["dft", input, "--xc", "hf", "--basis", "sto-3g", "--forces"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("forces (eV/Å)"))
        #expect(text.stdout.contains("O1") && text.stdout.contains("H3"))
        // Without --forces the molecule output has no forces.
        let plain = try CLIRun.run(["dft", input, "--xc", "hf", "--basis", "sto-3g", "--json"])
        #expect(plain.status == 0 && !plain.stdout.contains("forces_ev_per_angstrom"))
    }

    @Test func generateWritesForceLabels() throws {
        let input = try temporaryFile(Self.water + "2\nname=hf\nF 0 0 0\nH 0 0.05 0.93\n")
        let out = temporaryPath(".h5")
        let r = try CLIRun.run(["generate", "--input", input, "--output", out, "--xc", "hf", "--basis", "sto-3g",
                                "--conv-tol", "1e-11", "--threads", "1", "--forces"])
        #expect(r.status == 0, "\(r.stderr)")
        let reader = try DatasetReader(path: out)
        let records = try reader.records(in: 0..<reader.count)
        #expect(records.count == 2)
        let water = try #require(records[0].forces)
        for (f, ref) in zip(water, Self.referenceForces) {
            #expect(abs(f.x - ref[0]) < 1e-4 && abs(f.y - ref[1]) < 1e-4 && abs(f.z - ref[2]) < 1e-4, "\(water)")
        }
        // HF molecule: the two forces cancel (translational invariance), and point along the bond.
        let hf = try #require(records[1].forces)
        #expect(hf.count == 2)
        #expect(abs(hf[0].x + hf[1].x) < 1e-6 && abs(hf[0].y + hf[1].y) < 1e-6 && abs(hf[0].z + hf[1].z) < 1e-6)
        // A forces file is only resumed with --forces (the method record says forces = analytic).
        let resume = try CLIRun.run(["generate", "--input", input, "--output", out, "--xc", "hf", "--basis", "sto-3g",
                                     "--conv-tol", "1e-11", "--resume"])
        #expect(resume.status == 1)
        #expect(resume.stderr.contains("forces"), "\(resume.stderr)")
    }
}
