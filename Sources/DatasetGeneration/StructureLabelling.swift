import ChemistryCore
import Datasets
import ExchangeCorrelation
import Foundation
import GaussianDFT

/// The dataset's method record for a set of SCF settings (functional resolved through libxc).
/// With `forces`, the record says so (`forces = analytic`), so that a file is only resumed or
/// merged with runs that label forces too.
public func datasetMethod(for settings: SCFSettings, preset: String? = nil, forces: Bool = false) throws -> DatasetMethod {
    let functional = try ExchangeCorrelationFunctional(settings.functional)
    var extra: [String: String] = [
        "charge": "\(settings.charge)",
        "spin": "\(settings.spin)",
        "cartesian": settings.cartesian ? "true" : "false",
        "unrestricted": (settings.unrestricted || settings.spin != 0) ? "true" : "false",
        "max_iterations": "\(settings.maxIterations)",
        "initial_guess": settings.initialGuess.rawValue,
        "libxc_version": libxcVersion,
        "ao_cutoff": "\(settings.aoCutoff)",
        "eri_primitive_threshold": "\(settings.eriPrimitiveThreshold)",
    ]
    if let preset { extra["preset"] = preset }
    if forces { extra["forces"] = "analytic" }
    return DatasetMethod(
        xc: settings.functional.lowercased(), libxc: functional.libxcDescription,
        basis: try BasisSetLibrary.canonicalName(settings.basis),
        gridLevel: functional.isHartreeFock ? nil : settings.gridLevel,
        convergenceThreshold: settings.energyTolerance, extra: extra)
}

/// Runs one SCF and turns its outcome into a dataset record (eV, Debye; forces in eV/Å when
/// `forces` is true, from the analytic nuclear gradient — see docs/molecular-gradients.md).
/// Never throws: a structure that cannot be computed is recorded with status `.failed` and the
/// error message.
public func labelStructure(index: Int, structure: Structure, settings: SCFSettings, forces: Bool = false) -> LabelledStructure {
    let start = Date()
    do {
        let calculation = try MolecularCalculation(structure: structure, settings: settings)
        let r: SCFResult
        var forceLabels: [SIMD3<Double>]? = nil
        if forces {
            let g = try calculation.nuclearGradient()
            r = g.result
            forceLabels = g.forcesEVPerAngstrom
        } else {
            r = try calculation.run()
        }
        let ev = Units.hartreeInEV
        return LabelledStructure(
            index: index, structure: structure, status: r.converged ? .ok : .notConverged,
            error: r.converged ? "" : "SCF not converged in \(r.iterations) iterations",
            energy: r.energy * ev, homo: r.homo * ev, lumo: (r.lumo ?? .nan) * ev, gap: (r.gap ?? .nan) * ev,
            dipole: r.dipoleDebye, charges: r.mullikenCharges, converged: r.converged,
            iterations: r.iterations, seconds: Date().timeIntervalSince(start),
            iterationEnergies: r.iterationEnergies.map { $0 * ev }, forces: forceLabels)
    } catch {
        return LabelledStructure(index: index, structure: structure, status: .failed, error: "\(error)",
                                 seconds: Date().timeIntervalSince(start))
    }
}
