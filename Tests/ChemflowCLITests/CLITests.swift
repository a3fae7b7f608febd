import Foundation
import TestSupport
import Testing

/// Runs the built `chemflow` executable as a user would and checks output and exit status.
struct CLIRun {
    let status: Int32
    let stdout: String
    let stderr: String

    static var executable: URL {
        if let path = ProcessInfo.processInfo.environment["CHEMFLOW_BIN"] { return URL(fileURLWithPath: path) }
        // The test bundle sits in the build products directory next to the executable.
        var dir = Bundle.main.bundleURL
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("chemflow")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("chemflow")
    }

    /// The environment the executable runs with: ours, with single-threaded BLAS.
    static var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["OPENBLAS_NUM_THREADS"] = "1"
        return env
    }

    /// Starts the executable without waiting (output discarded).
    static func start(_ arguments: [String]) throws -> ChildProcess {
        try ChildProcess(executable: executable.path, arguments: arguments, environment: environment)
    }

    /// Runs the executable to completion and captures what it printed.
    static func run(_ arguments: [String]) throws -> CLIRun {
        let r = try CompletedRun.run(executable: executable.path, arguments: arguments, environment: environment)
        return CLIRun(status: r.status, stdout: r.stdout, stderr: r.stderr)
    }
}

/// Writes `text` to a temporary file and returns its path.
func temporaryFile(_ text: String, suffix: String = ".xyz") throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("chemflow-test-\(UUID().uuidString)\(suffix)")
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

let waterXYZ = """
3
name=water
O 0 0 0
H 0 -0.757 0.587
H 0 0.757 0.587
"""

@Suite struct CLITests {
    @Test func helpListsCommandsAndVersionPrints() throws {
        let help = try CLIRun.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("dft"))
        let version = try CLIRun.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.contains("0."))
    }

    @Test func jsonLineHasTheDocumentedKeys() throws {
        let path = try temporaryFile(waterXYZ)
        let r = try CLIRun.run(["dft", path, "--xc", "hf", "--basis", "sto-3g", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 1)
        let object = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        for key in ["name", "energy_hartree", "homo_hartree", "lumo_hartree", "dipole_debye", "converged", "iterations", "seconds"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        #expect(object["name"] as? String == "water")
        #expect((object["dipole_debye"] as? [Double])?.count == 3)
        // Anchor: PySCF RHF/STO-3G water at this geometry, -74.9630631297 Ha.
        #expect(abs((object["energy_hartree"] as! Double) - -74.9630631297) < 1e-6)
    }

    @Test(arguments: [
        ("malformed", "3\nname=x\nO 0 0 0\n", [String]()),
        ("unknown element", "1\n\nQx 0 0 0\n", []),
        ("basis lacks element", "1\n\nOg 0 0 0\n", ["--basis", "def2-svp"]),
        ("odd electrons, singlet", "1\n\nH 0 0 0\n", ["--spin", "0"]),
        ("atoms too close", "2\n\nH 0 0 0\nH 0 0 0.05\n", []),
        ("unknown functional", waterXYZ, ["--xc", "nonsense"]),
        ("unknown basis", waterXYZ, ["--basis", "nonsense"]),
    ])
    func badInputGivesOneLineAndNonZeroExit(_ c: (String, String, [String])) throws {
        let path = try temporaryFile(c.1)
        let r = try CLIRun.run(["dft", path, "--xc", "hf"] + c.2)
        #expect(r.status == 1, "\(c.0): status \(r.status), stderr \(r.stderr)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(c.0): \(r.stderr)")
        #expect(r.stderr.hasPrefix("chemflow: error:"), "\(c.0): \(r.stderr)")
    }

    @Test func missingFileIsAnError() throws {
        let r = try CLIRun.run(["dft", "/nonexistent/file.xyz"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("cannot read"))
    }

    @Test func notConvergedPrintsResultAndExits3() throws {
        let path = try temporaryFile(waterXYZ)
        let r = try CLIRun.run(["dft", path, "--xc", "hf", "--max-iterations", "2", "--guess", "core", "--json"])
        #expect(r.status == 3, "\(r.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(object["converged"] as? Bool == false)
        #expect(r.stderr.contains("did not converge"))
    }

    /// OH radical (O 0 0 0; H 0 0 0.97 Å), STO-3G, conv_tol 1e-11 in PySCF 2.14:
    /// UHF -74.36266919476729 Ha; UKS B3LYP (grid level 3) -74.65828558664488 Ha.
    @Test(arguments: [("hf", -74.36266919476729, 1e-6), ("b3lyp", -74.65828558664488, 1e-5)])
    func openShellDoubletMatchesPySCF(_ c: (String, Double, Double)) throws {
        let path = try temporaryFile("2\nname=oh\nO 0 0 0\nH 0 0 0.97\n")
        let r = try CLIRun.run(["dft", path, "--xc", c.0, "--spin", "1", "--conv-tol", "1e-11", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(object["unrestricted"] as? Bool == true)
        let e = object["energy_hartree"] as! Double
        #expect(abs(e - c.1) < c.2, "\(c.0): E = \(e), PySCF \(c.1)")
    }

    /// Water B3LYP/STO-3G: unrestricted on a closed shell gives the restricted energy
    /// (PySCF RKS and UKS both -75.31258731723656 Ha at grid level 3).
    @Test func unrestrictedClosedShellEqualsRestricted() throws {
        let path = try temporaryFile(waterXYZ)
        let r = try CLIRun.run(["dft", path, "--xc", "b3lyp", "--unrestricted", "--conv-tol", "1e-11", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(abs((object["energy_hartree"] as! Double) - -75.31258731723656) < 1e-5)
    }
}
