import ChemistryCore
import Foundation
import GaussianDFT

/// Human and JSON renderings of an SCF result. Every JSON key names its unit.
enum ResultFormatting {
    static func json(_ r: SCFResult) -> [String: Any] {
        var o: [String: Any] = [
            "name": r.name,
            "formula": r.formula,
            "method": r.method,
            "libxc": r.libxc,
            "basis": r.basis,
            "n_basis": r.basisFunctions,
            "grid_points": r.gridPoints,
            "charge": r.charge,
            "spin": r.spin,
            "unrestricted": r.unrestricted,
            "energy_hartree": r.energy,
            "energy_components_hartree": [
                "nuclear_repulsion": r.components.nuclearRepulsion,
                "one_electron": r.components.oneElectron,
                "coulomb": r.components.coulomb,
                "exact_exchange": r.components.exactExchange,
                "exchange_correlation": r.components.exchangeCorrelation,
            ],
            "homo_hartree": r.homo,
            "lumo_hartree": r.lumo.map { $0 as Any } ?? NSNull(),
            "gap_hartree": r.gap.map { $0 as Any } ?? NSNull(),
            "dipole_debye": [r.dipoleDebye.x, r.dipoleDebye.y, r.dipoleDebye.z],
            "mulliken_charges": r.mullikenCharges,
            "orbital_energies_hartree": r.orbitalEnergiesAlpha,
            "iteration_energies_hartree": r.iterationEnergies,
            "converged": r.converged,
            "iterations": r.iterations,
            "orbital_gradient_norm": r.gradientNorm,
            "seconds": r.seconds,
            "timings_seconds": r.timings,
        ]
        o["grid_level"] = r.gridLevel.map { $0 as Any } ?? NSNull()
        o["start_grid_levels"] = r.startGridLevels
        o["start_grid_iterations"] = r.startGridIterations
        if let beta = r.orbitalEnergiesBeta { o["orbital_energies_beta_hartree"] = beta }
        return o
    }

    static func summary(_ r: SCFResult, structure: Structure) -> String {
        func f(_ x: Double, _ digits: Int = 10) -> String { String(format: "%.\(digits)f", x) }
        let ev = Units.hartreeInEV
        var lines: [String] = []
        lines.append("\(r.name)  \(r.formula)  \(r.method)  [\(r.libxc)]")
        var setup = "  \(r.basisFunctions) basis functions"
        if let level = r.gridLevel { setup += ", grid level \(level) (\(r.gridPoints) points)" }
        setup += r.unrestricted ? ", unrestricted" : ", restricted"
        setup += ", charge \(r.charge), 2S = \(r.spin)"
        lines.append(setup)
        let start = r.startGridLevels.isEmpty ? "" : " (" + zip(r.startGridIterations, r.startGridLevels)
            .map { "\($0) on grid level \($1)" }.joined(separator: ", ") + " first)"
        lines.append("  \(r.converged ? "converged" : "NOT CONVERGED") after \(r.iterations) iterations\(start) in \(String(format: "%.2f", r.seconds)) s")
        lines.append("  total energy          \(f(r.energy)) Ha  (\(f(r.energy * ev, 6)) eV)")
        lines.append("    nuclear repulsion   \(f(r.components.nuclearRepulsion)) Ha")
        lines.append("    one-electron        \(f(r.components.oneElectron)) Ha")
        lines.append("    Coulomb             \(f(r.components.coulomb)) Ha")
        if r.components.exactExchange != 0 { lines.append("    exact exchange      \(f(r.components.exactExchange)) Ha") }
        if r.gridLevel != nil { lines.append("    exchange-corr.      \(f(r.components.exchangeCorrelation)) Ha") }
        var frontier = "  HOMO \(f(r.homo, 6)) Ha (\(f(r.homo * ev, 4)) eV)"
        if let lumo = r.lumo, let gap = r.gap {
            frontier += "   LUMO \(f(lumo, 6)) Ha (\(f(lumo * ev, 4)) eV)   gap \(f(gap * ev, 4)) eV"
        }
        lines.append(frontier)
        let d = r.dipoleDebye
        lines.append("  dipole (Debye)  x \(f(d.x, 4))  y \(f(d.y, 4))  z \(f(d.z, 4))  |μ| \(f((d * d).sum().squareRoot(), 4))")
        let charges = zip(structure.atomicNumbers, r.mullikenCharges).enumerated()
            .map { "\(Elements.symbol($0.element.0))\($0.offset + 1) \(String(format: "%+.4f", $0.element.1))" }
        lines.append("  Mulliken charges  " + charges.joined(separator: "  "))
        return lines.joined(separator: "\n")
    }
}

import PlaneWaveDFT

extension ResultFormatting {
    static func json(_ r: PlaneWaveResult, structure: Structure) -> [String: Any] {
        var o: [String: Any] = [
            "name": structure.name,
            "formula": structure.formula,
            "n_atoms": structure.count,
            "energy_hartree": r.energyHartree,
            "energy_per_atom_ev": r.energyPerAtomEV,
            "energy_terms_hartree": r.energyTerms,
            "fermi_level_hartree": r.fermiLevelHartree,
            "converged": r.converged,
            "iterations": r.iterations,
            "iteration_energies_hartree": r.energiesPerIteration,
            "seconds": r.seconds,
            "ecut_hartree": r.ecut,
            "fft_size": r.fftSize,
            "kpoints": r.kpointCount,
            "pseudopotentials": r.pseudopotentials,
        ]
        o["kgrid"] = r.kgrid.map { $0 as Any } ?? NSNull()
        o["band_gap_hartree"] = r.bandGapHartree.map { $0 as Any } ?? NSNull()
        return o
    }

    static func summary(_ r: PlaneWaveResult, structure: Structure) -> String {
        func f(_ x: Double, _ d: Int = 10) -> String { String(format: "%.\(d)f", x) }
        var lines = ["\(structure.name)  \(structure.formula)  plane waves, Ecut \(r.ecut) Ha, FFT \(r.fftSize.map(String.init).joined(separator: "x")), \(r.kgrid.map { $0.map(String.init).joined(separator: "x") + " grid, " } ?? "")\(r.kpointCount) irreducible k-points  [\(r.pseudopotentials.joined(separator: ", "))]"]
        lines.append("  \(r.converged ? "converged" : "NOT CONVERGED") after \(r.iterations) iterations in \(String(format: "%.2f", r.seconds)) s")
        lines.append("  total energy          \(f(r.energyHartree)) Ha   (\(f(r.energyPerAtomEV, 6)) eV/atom)")
        for (k, v) in r.energyTerms.sorted(by: { $0.key < $1.key }) {
            lines.append("    \(k.padding(toLength: 18, withPad: " ", startingAt: 0))  \(f(v)) Ha")
        }
        var frontier = "  Fermi level \(f(r.fermiLevelHartree, 6)) Ha"
        if let gap = r.bandGapHartree { frontier += "   band gap \(f(gap * Units.hartreeInEV, 4)) eV" }
        lines.append(frontier)
        return lines.joined(separator: "\n")
    }
}
