import ChemistryCore
import Foundation

/// Relaxes the atomic positions at fixed cell with BFGS on the Hellmann-Feynman forces
/// (quasi-Newton, as ASE's `BFGS`): Cartesian coordinates in Å, forces in eV/Å, initial Hessian
/// α·I (`initialHessian`), the update
///
///   H ← H − Δf Δfᵀ/(Δr·Δf) − (HΔr)(HΔr)ᵀ/(Δr·HΔr)   (skipped unless Δr·Δf < 0, so H stays positive definite),
///
/// the step Δr = H⁻¹F scaled down so that no atom moves more than `maxStep`. Stops when
/// max_a |F_a| < `forceTolerance` or after `maxSteps` SCF runs (`forcesConverged == false`).
/// With `useSymmetry` the forces are symmetrised, so the steps keep the symmetry of the start.
public func relaxPositions(structure: Structure, settings: PlaneWaveSettings,
                           options: RelaxationOptions = RelaxationOptions()) throws -> RelaxationResult {
    try options.validate()
    var log: [String] = []
    func note(_ line: String) { log.append(line); options.log?(line) }
    let n = structure.count
    var x = structure.positions.flatMap { [$0.x, $0.y, $0.z] }
    var hessian = (0..<(3 * n)).map { i in (0..<(3 * n)).map { j in i == j ? options.initialHessian : 0 } }
    var previous: (x: [Double], f: [Double])? = nil
    var steps: [PositionStep] = []
    var current = structure
    var last: PlaneWaveResult? = nil
    var converged = false
    for step in 1...options.maxSteps {
        current.positions = (0..<n).map { SIMD3(x[3 * $0], x[3 * $0 + 1], x[3 * $0 + 2]) }
        let r = try runPlaneWaveDFT(structure: current, settings: settings)
        last = r
        let f = r.forcesEVPerAngstrom.flatMap { $0 }
        let fmax = r.maxForceEVPerAngstrom
        steps.append(PositionStep(energyHartree: r.energyHartree, maxForceEVPerAngstrom: fmax,
                                  positionsAngstrom: current.positions.map { [$0.x, $0.y, $0.z] }))
        note(String(format: "BFGS step %d: E = %.10f Ha  max|F| = %.5f eV/Å%@", step, r.energyHartree, fmax,
                    r.converged ? "" : "  (SCF NOT CONVERGED)"))
        if fmax < options.forceTolerance { converged = true; break }
        if step == options.maxSteps { break }
        if let p = previous {
            let dr = zip(x, p.x).map { $0 - $1 }, df = zip(f, p.f).map { $0 - $1 }
            let a = zip(dr, df).reduce(0) { $0 + $1.0 * $1.1 }
            let hdr = hessian.map { row in zip(row, dr).reduce(0) { $0 + $1.0 * $1.1 } }
            let b = zip(dr, hdr).reduce(0) { $0 + $1.0 * $1.1 }
            if a < 0 && b > 0 {
                for i in 0..<(3 * n) { for j in 0..<(3 * n) {
                    hessian[i][j] -= df[i] * df[j] / a + hdr[i] * hdr[j] / b
                } }
            }
        }
        guard var dx = solveLinearSystem(hessian, f) else {
            throw PlaneWaveError.numerical("BFGS Hessian became singular")
        }
        var largest = 0.0
        for i in 0..<n {
            let d = SIMD3<Double>(dx[3 * i], dx[3 * i + 1], dx[3 * i + 2])
            largest = max(largest, vnorm(d))
        }
        if largest > options.maxStep { dx = dx.map { $0 * options.maxStep / largest } }
        previous = (x, f)
        x = zip(x, dx).map { $0 + $1 }
    }
    guard let final = last else { throw PlaneWaveError.numerical("no SCF was run") }
    if !converged {
        note(String(format: "positions not relaxed after %d steps (max|F| = %.5f eV/Å > %.5f)", options.maxSteps,
                    final.maxForceEVPerAngstrom, options.forceTolerance))
    }
    return RelaxationResult(structure: current, final: final, equationOfState: nil, eosPoints: [],
                            volumeBracketed: true, positionSteps: steps, forcesConverged: converged, log: log)
}

/// Volume, positions, or both (`full`: volume, then positions, then volume once more); the
/// results are merged (all EOS points and BFGS steps, the last fit, the last SCF).
public func relaxStructure(structure: Structure, settings: PlaneWaveSettings, mode: RelaxationMode,
                           options: RelaxationOptions = RelaxationOptions()) throws -> RelaxationResult {
    switch mode {
    case .volume: return try relaxVolume(structure: structure, settings: settings, options: options)
    case .positions: return try relaxPositions(structure: structure, settings: settings, options: options)
    case .full:
        let first = try relaxVolume(structure: structure, settings: settings, options: options)
        let positions = try relaxPositions(structure: first.structure, settings: settings, options: options)
        let second = try relaxVolume(structure: positions.structure, settings: settings, options: options)
        let forcesOK = second.final.maxForceEVPerAngstrom < options.forceTolerance
        var log = first.log + positions.log + second.log
        if !forcesOK {
            log.append(String(format: "after the second volume step max|F| = %.5f eV/Å (tolerance %.5f)",
                              second.final.maxForceEVPerAngstrom, options.forceTolerance))
        }
        return RelaxationResult(structure: second.structure, final: second.final, equationOfState: second.equationOfState,
                                eosPoints: first.eosPoints + second.eosPoints, volumeBracketed: second.volumeBracketed,
                                positionSteps: positions.positionSteps, forcesConverged: positions.forcesConverged && forcesOK,
                                log: log)
    }
}
