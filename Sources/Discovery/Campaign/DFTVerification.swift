import ChemistryCore
import Foundation
import PlaneWaveDFT

/// Monkhorst-Pack grid from a k-point spacing (Å⁻¹, VASP's KSPACING; `monkhorstPackSize`), capped
/// at `maximum` per axis.
public func kGrid(for structure: Structure, spacing: Double, maximum: Int) throws -> SIMD3<Int> {
    guard let lattice = structure.lattice, inverse3x3(lattice) != nil else {
        throw DiscoveryError.invalidStructure(structure.name, "a k-grid needs a 3D periodic crystal")
    }
    return try monkhorstPackSize(lattice: lattice, spacing: spacing, maximum: maximum)
}

/// Plane-wave settings of the campaign's DFT for one structure (Fermi-Dirac smearing always, so
/// metals and odd electron counts are handled alike).
public func planeWaveSettings(_ dft: CampaignConfiguration.DFT, for structure: Structure) throws -> PlaneWaveSettings {
    var s = PlaneWaveSettings(xc: dft.xc.lowercased(), ecut: dft.ecut,
                              kgrid: try kGrid(for: structure, spacing: dft.kSpacing, maximum: dft.maxKPoints))
    s.smearing = dft.smearing
    s.smearingScheme = .fermiDirac
    s.maxIterations = dft.maxIterations
    s.energyTolerance = dft.energyTolerance
    s.densityTolerance = dft.densityTolerance
    return s
}

/// DFT verification of one candidate (GNoME's "verify" step), never throwing: a failure is a
/// record with status `.failed` and the message.
///
/// With `dft.relax == "volume"`: isotropic volume relaxation by a third-order Birch-Murnaghan fit
/// of `eosPoints` SCF energies over V(1 ± eosRange) around the candidate's volume
/// (`PlaneWaveDFT.relaxVolume`, recentred at most `maxRecentering` times) and the energy of the
/// final SCF at V0; fractional positions and cell shape are kept. With `"none"`: one SCF at the
/// candidate's volume (the model's best augmentation).
/// Energies are free energies with Fermi-Dirac smearing, converted to eV.
public func verifyWithDFT(_ candidate: CandidateRecord, settings dft: CampaignConfiguration.DFT, index: Int,
                          group: String) -> DFTRecord {
    let start = Date()
    var record = DFTRecord(candidate: index, group: group, status: .failed, error: "", energy: .nan,
                           structure: candidate.structure, eosVolumes: [], eosEnergies: [], seconds: 0)
    do {
        let settings = try planeWaveSettings(dft, for: candidate.structure)
        if dft.relax == "volume" {
            let options = RelaxationOptions(eosPoints: dft.eosPoints, eosRange: dft.eosRange, maxRecentering: dft.maxRecentering)
            let r = try relaxVolume(structure: candidate.structure, settings: settings, options: options)
            record.structure = r.structure
            record.energy = r.final.energyHartree * Units.hartreeInEV
            record.eosVolumes = r.eosPoints.map(\.volumeAngstrom3)
            record.eosEnergies = r.eosPoints.map { $0.energyHartree * Units.hartreeInEV }
            record.status = r.final.converged ? .ok : .notConverged
            if !r.final.converged { record.error = "SCF not converged at the relaxed volume" }
            else if !r.volumeBracketed { record.error = "volume minimum not bracketed by the scan (energy at the scan's edge)" }
        } else {
            let r = try runPlaneWaveDFT(structure: candidate.structure, settings: settings)
            record.energy = r.energyHartree * Units.hartreeInEV
            record.status = r.converged ? .ok : .notConverged
            if !r.converged { record.error = "SCF not converged in \(dft.maxIterations) iterations" }
        }
    } catch {
        record.status = .failed
        record.error = "\(error)"
        record.energy = .nan
    }
    record.seconds = Date().timeIntervalSince(start)
    return record
}
