import ChemistryCore
import Foundation
import LinearAlgebra
import Testing
@testable import GaussianDFT

/// One row of `public_pyscf.jsonl` (PySCF 2.14, spherical basis, grid level 5, conv_tol 1e-11).
struct PySCFReference: Decodable, Sendable, CustomTestStringConvertible {
    let name: String
    let method: String
    let basis: String
    let energy: Double
    let homo: Double
    let lumo: Double
    let dipole_debye: [Double]
    let nao: Int

    /// chemflow's name for the method's functional ("hf", "lda", "pbe", "b3lyp", "b3lyp5", "pbe0").
    var functional: String { String(method.split(separator: "/")[0]) }
    var isHartreeFock: Bool { functional == "hf" }
    var testDescription: String { "\(name) \(method)" }

    static let all: [PySCFReference] = {
        let text = try! String(contentsOf: ReferenceData.url("public_pyscf.jsonl"), encoding: .utf8)
        return text.split(separator: "\n").map { try! JSONDecoder().decode(PySCFReference.self, from: Data($0.utf8)) }
    }()

    static let molecules: [String: Structure] = {
        let frames = try! XYZReader.read(path: ReferenceData.url("public.xyz").path)
        return Dictionary(uniqueKeysWithValues: frames.map { ($0.name, $0) })
    }()

    /// Rows selected for the suite by the CHEMFLOW_REFERENCE environment variable: "all" or
    /// "quick" (molecules up to 8 atoms). Default: all in optimised builds (`make test`, CI),
    /// quick in debug builds, where the 160 SCFs would take the better part of an hour.
    static var selected: [PySCFReference] {
        #if DEBUG
        let defaultMode = "quick"
        #else
        let defaultMode = "all"
        #endif
        let mode = ProcessInfo.processInfo.environment["CHEMFLOW_REFERENCE"] ?? defaultMode
        if mode == "quick" { return all.filter { molecules[$0.name]!.count <= 8 } }
        return all
    }
}

func runReference(_ ref: PySCFReference, gridLevel: Int) throws -> SCFResult {
    setBLASThreads(1)
    var settings = SCFSettings()
    settings.functional = ref.functional
    settings.basis = ref.basis
    settings.gridLevel = gridLevel
    settings.energyTolerance = 1e-11
    settings.maxIterations = 150
    let calc = try MolecularCalculation(structure: PySCFReference.molecules[ref.name]!, settings: settings)
    #expect(calc.basis.aoCount == ref.nao)
    return try calc.run()
}

@Suite struct PySCFReferenceTests {
    /// Tolerances (from the issue): HF energies 1e-6 Ha (no grid: only integral and SCF error);
    /// DFT at the same grid level 2e-5 Ha (libxc 5.2.3 here vs PySCF's newer bundled libxc and
    /// grid round-off); HOMO/LUMO 1e-4 Ha; dipoles 1e-3 D.
    @Test(arguments: PySCFReference.selected)
    func matchesPySCFAtGridLevel5(_ ref: PySCFReference) throws {
        let r = try runReference(ref, gridLevel: 5)
        #expect(r.converged)
        let tolerance = ref.isHartreeFock ? 1e-6 : 2e-5
        #expect(abs(r.energy - ref.energy) < tolerance, "E = \(r.energy), PySCF \(ref.energy), diff \(r.energy - ref.energy)")
        #expect(abs(r.homo - ref.homo) < 1e-4, "HOMO \(r.homo) vs \(ref.homo)")
        #expect(abs((r.lumo ?? .nan) - ref.lumo) < 1e-4, "LUMO \(String(describing: r.lumo)) vs \(ref.lumo)")
        for k in 0..<3 {
            #expect(abs(r.dipoleDebye[k] - ref.dipole_debye[k]) < 1e-3, "dipole[\(k)] \(r.dipoleDebye[k]) vs \(ref.dipole_debye[k])")
        }
    }

    /// At the default grid (level 3) DFT energies stay within 1e-4 Ha of the level-5 reference.
    @Test(arguments: PySCFReference.selected.filter { !$0.isHartreeFock && $0.basis == "sto-3g" })
    func defaultGridWithin1e4(_ ref: PySCFReference) throws {
        let r = try runReference(ref, gridLevel: 3)
        #expect(r.converged)
        #expect(abs(r.energy - ref.energy) < 1e-4, "E(level 3) = \(r.energy), PySCF level 5 \(ref.energy)")
    }
}
