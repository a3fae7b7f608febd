import ChemistryCore
import Foundation

/// Relaxes the volume of a crystal isotropically (fractional positions and cell shape fixed):
/// SCF energies at `eosPoints` volumes evenly spaced over V_c(1 ± eosRange) around V_c = the
/// input volume, a least-squares third-order Birch-Murnaghan fit, and the structure scaled to V0.
/// When V0 falls outside the scanned volumes the scan is repeated around V0 (at most
/// `maxRecentering` times, each jump limited to 3·eosRange); `volumeBracketed` says whether the
/// last fit's minimum lies inside its scan. The Ecut is held fixed across volumes (so the number of
/// plane waves changes; converge Ecut for accurate B0). A final SCF at V0 gives `final`.
public func relaxVolume(structure: Structure, settings: PlaneWaveSettings,
                        options: RelaxationOptions = RelaxationOptions()) throws -> RelaxationResult {
    try options.validate()
    var log: [String] = []
    func note(_ line: String) { log.append(line); options.log?(line) }
    let v0Input = structure.cellVolumeAngstrom3
    guard v0Input > 0, v0Input.isFinite else {
        _ = try Model(structure: structure, xc: settings.xc)   // throws the precise cell error
        throw PlaneWaveError.badCell("the cell volume is zero")
    }
    var centre = v0Input
    var points: [EquationOfStatePoint] = []
    var fit: BirchMurnaghanFit? = nil
    var bracketed = false
    let bohr3 = pow(Units.angstromInBohr, 3)
    for scan in 0...options.maxRecentering {
        let n = options.eosPoints
        let volumes = (0..<n).map { centre * (1 - options.eosRange + 2 * options.eosRange * Double($0) / Double(n - 1)) }
        var energies: [Double] = []
        for v in volumes {
            let r = try runPlaneWaveDFT(structure: structure.scaled(toVolume: v), settings: settings)
            energies.append(r.energyHartree)
            points.append(EquationOfStatePoint(volumeAngstrom3: v, energyHartree: r.energyHartree, converged: r.converged))
            note(String(format: "EOS scan %d: V = %.4f Å³  E = %.10f Ha%@", scan + 1, v, r.energyHartree,
                        r.converged ? "" : "  (SCF NOT CONVERGED)"))
        }
        let f: BirchMurnaghanFit
        do {
            f = try BirchMurnaghanFit.fit(volumes: volumes.map { $0 * bohr3 }, energies: energies)
        } catch {
            // No minimum in the window: if the energy falls towards one edge, move the window there.
            let lowest = energies.indices.min { energies[$0] < energies[$1] }!
            guard scan < options.maxRecentering, lowest == 0 || lowest == n - 1 else {
                throw PlaneWaveError.numerical("no equation-of-state minimum between \(String(format: "%.3f", volumes.first!)) and \(String(format: "%.3f", volumes.last!)) Å³ (energies too noisy? raise Ecut or the k-grid): \(error)")
            }
            centre = volumes[lowest]
            note(String(format: "no minimum in the scan, the energy decreases towards %.4f Å³: re-centring there", centre))
            continue
        }
        fit = f
        let v0 = f.v0Angstrom3
        note(String(format: "BM3 fit: V0 = %.4f Å³  E0 = %.10f Ha  B0 = %.2f GPa  B0' = %.3f  rms %.2e Ha",
                    v0, f.e0, f.b0GPa, f.b0Prime, f.rmsResidual))
        if v0 >= volumes.first! && v0 <= volumes.last! { bracketed = true; break }
        let jump = 3 * options.eosRange
        centre = min(max(v0, centre * (1 - jump)), centre * (1 + jump))
        if scan < options.maxRecentering { note(String(format: "V0 outside the scan: re-centring on %.4f Å³", centre)) }
    }
    guard let eos = fit else { throw PlaneWaveError.numerical("no equation-of-state fit") }
    let target = bracketed ? eos.v0Angstrom3 : centre
    if !bracketed { note("V0 still outside the scanned volumes after \(options.maxRecentering) re-centrings: using \(String(format: "%.4f", target)) Å³") }
    let relaxed = structure.scaled(toVolume: target)
    let final = try runPlaneWaveDFT(structure: relaxed, settings: settings)
    note(String(format: "at V0: E = %.10f Ha (fit %.10f Ha)", final.energyHartree, eos.e0))
    return RelaxationResult(structure: relaxed, final: final, equationOfState: eos, eosPoints: points,
                            volumeBracketed: bracketed, positionSteps: [], forcesConverged: true, log: log)
}
