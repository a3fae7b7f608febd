import Foundation
import Testing

/// `chemflow dft` on crystals: forces in the output, `--relax volume|full`. Cheap settings
/// (LDA, Ecut 8 Ha, 2x2x2 grid): these check the plumbing and units, the physics is checked in
/// PlaneWaveDFTTests (PlaneWaveForce, PlaneWaveRelaxation).
@Suite struct CrystalRelaxCLITests {
    static var siliconPOSCAR: String {
        // Tests/ChemflowCLITests → package root → datasets/crystals/si.poscar
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("datasets/crystals/si.poscar").path
    }

    static func json(_ r: CLIRun) throws -> [String: Any] {
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 1, "\(r.stdout)")
        return try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
    }

    /// Without --relax: one force per atom, in eV/Å; a displaced atom feels a restoring force
    /// (opposite to its displacement; Si force constant ≈ 15 eV/Å², so ~1.5 eV/Å at 0.1 Å),
    /// and the two forces cancel.
    @Test func crystalJSONHasForces() throws {
        let poscar = try String(contentsOfFile: Self.siliconPOSCAR, encoding: .utf8)
            .replacingOccurrences(of: "0.125 0.125 0.125", with: "0.135 0.125 0.125")
        let path = try temporaryFile(poscar, suffix: ".poscar")
        let r = try CLIRun.run(["dft", path, "--xc", "lda", "--ecut", "8", "--kgrid", "2x2x2", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try Self.json(r)
        let forces = try #require(o["forces_ev_per_angstrom"] as? [[Double]])
        #expect(forces.count == 2 && forces.allSatisfy { $0.count == 3 })
        // The displacement 0.01 along a1 = (0, 2.7155, 2.7155) Å moves atom 1 by +0.027 Å in y and z.
        #expect(forces[0][1] < -0.1 && forces[0][2] < -0.1, "\(forces)")
        for a in 0..<3 { #expect(abs(forces[0][a] + forces[1][a]) < 1e-3, "\(forces)") }
        #expect(o["max_force_ev_per_angstrom"] as? Double ?? 0 > 0.1)
        #expect(o["v0_angstrom3"] == nil)
    }

    /// --kspacing picks the grid n_i = ⌈2π|b_i|/spacing⌉ (Si, a = 5.43 Å: 2π|b_i| = 2π√3/a =
    /// 2.004 Å⁻¹, so 0.5 Å⁻¹ gives 5×5×5 and 0.7 Å⁻¹ gives 3×3×3), reported as "kgrid" and equal to
    /// --kgrid with that grid; --kgrid with --kspacing, or a non-positive spacing, is refused.
    @Test func kpointSpacingChoosesTheGrid() throws {
        let base = ["dft", Self.siliconPOSCAR, "--xc", "lda", "--ecut", "6", "--json"]
        let spaced = try Self.json(try CLIRun.run(base + ["--kspacing", "0.7"]))
        #expect(spaced["kgrid"] as? [Int] == [3, 3, 3])
        let explicit = try Self.json(try CLIRun.run(base + ["--kgrid", "3x3x3"]))
        #expect(spaced["energy_hartree"] as? Double == explicit["energy_hartree"] as? Double)
        for bad in [["--kspacing", "0.5", "--kgrid", "2x2x2"], ["--kspacing", "0"], ["--kspacing", "-1"]] {
            let r = try CLIRun.run(base + bad)
            #expect(r.status != 0 && !r.stderr.isEmpty, "\(bad)")
        }
    }

    /// --conv-tol reaches crystals: 1e-13 Ha takes more iterations than the default 1e-8 (here the
    /// density criterion, 1e-6, binds first: its last step already has |ΔE| ≈ 7e-13), and the
    /// energies agree to the default's 1e-8.
    @Test func convergenceToleranceAppliesToCrystals() throws {
        let base = ["dft", Self.siliconPOSCAR, "--xc", "lda", "--ecut", "8", "--kgrid", "2x2x2", "--json"]
        let standard = try Self.json(try CLIRun.run(base))
        let tight = try Self.json(try CLIRun.run(base + ["--conv-tol", "1e-13"]))
        let (ns, nt) = (standard["iterations"] as? Int ?? 0, tight["iterations"] as? Int ?? 0)
        #expect(nt > ns, "iterations \(nt) with 1e-13 vs \(ns) with the default")
        #expect(tight["converged"] as? Bool == true)
        let (es, et) = (standard["energy_hartree"] as? Double ?? 0, tight["energy_hartree"] as? Double ?? 1)
        #expect(abs(es - et) < 1e-8, "\(et) vs \(es)")
    }

    /// --relax volume: the Birch-Murnaghan keys, the relaxed cell has volume V0 (Å³) and the
    /// summary is the SCF of that cell, whose energy is the fitted minimum to the fit's noise.
    @Test func relaxVolumeReportsTheEquationOfState() throws {
        let r = try CLIRun.run(["dft", Self.siliconPOSCAR, "--xc", "lda", "--ecut", "8", "--kgrid", "2x2x2",
                                "--relax", "volume", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try Self.json(r)
        let v0 = try #require(o["v0_angstrom3"] as? Double)
        let b0 = try #require(o["b0_gpa"] as? Double)
        let e0 = try #require(o["e0_hartree"] as? Double)
        #expect(o["b0_prime"] as? Double != nil)
        let volumes = try #require(o["eos_volumes_angstrom3"] as? [Double])
        #expect(volumes.count == 7 && v0 > volumes.first! && v0 < volumes.last!)
        #expect(b0 > 30 && b0 < 200, "B0 \(b0) GPa")
        let lattice = try #require(o["relaxed_lattice_angstrom"] as? [[Double]])
        let l = lattice.map { SIMD3($0[0], $0[1], $0[2]) }
        let det = (l[0] * SIMD3(l[1].y * l[2].z - l[1].z * l[2].y, l[1].z * l[2].x - l[1].x * l[2].z,
                                l[1].x * l[2].y - l[1].y * l[2].x)).sum()
        #expect(abs(abs(det) - v0) < 1e-6, "cell volume \(det) vs V0 \(v0)")
        #expect(abs((o["energy_hartree"] as! Double) - e0) < 1e-3)
        #expect((o["forces_ev_per_angstrom"] as? [[Double]])?.count == 2)
        #expect((o["relaxed_positions_angstrom"] as? [[Double]])?.count == 2)
    }

    /// --relax full: volume, positions (already force-free on the ideal sites of a Γ-centred grid:
    /// one BFGS evaluation), volume again; readable summary with the relaxed cell.
    @Test func relaxFullSummary() throws {
        let r = try CLIRun.run(["dft", Self.siliconPOSCAR, "--xc", "lda", "--ecut", "8", "--kgrid", "2x2x2",
                                "--relax", "full"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Birch-Murnaghan: V0"))
        #expect(r.stdout.contains("BFGS: 1 force evaluations, converged"))
        #expect(r.stdout.contains("relaxed lattice (Å)"))
        #expect(r.stdout.contains("forces (eV/Å)"))
    }

    @Test func badRelaxValuesAreUsageErrors() throws {
        let bad = try CLIRun.run(["dft", Self.siliconPOSCAR, "--relax", "shape"])
        #expect(bad.status != 0 && bad.stderr.contains("--relax"), "\(bad.stderr)")
        let fmax = try CLIRun.run(["dft", Self.siliconPOSCAR, "--relax", "full", "--fmax", "-1"])
        #expect(fmax.status != 0 && fmax.stderr.contains("--fmax"), "\(fmax.stderr)")
        // A molecule cannot be relaxed this way: one error line, exit 1.
        let xyz = try temporaryFile("2\nname=h2\nH 0 0 0\nH 0 0 0.74\n")
        let molecule = try CLIRun.run(["dft", xyz, "--xc", "hf", "--relax", "volume"])
        #expect(molecule.status == 1 && molecule.stderr.contains("crystals only"), "\(molecule.stderr)")
    }
}
