import ChemistryCore
import ExchangeCorrelation
import Foundation
import LinearAlgebra

/// Self-consistent field for RHF/RKS and UHF/UKS with CDIIS, and a level-shift + damping
/// fallback when DIIS stalls.
///
/// Iteration as PySCF's `scf.hf.kernel`: extrapolate F with DIIS, solve F C = S C ε, occupy
/// by aufbau, rebuild D, F and E; converged when |ΔE| < `energyTolerance` and the orbital
/// gradient ‖C_virᵀ F C_occ‖ (×2 for restricted) < `gradientTolerance`; then one more
/// diagonalisation of the undamped F gives the reported orbitals and energy.
struct SCFDriver {
    let model: KohnShamModel
    let settings: SCFSettings
    let electrons: ElectronCounts

    struct State {
        var orbitals: [Matrix]
        var energies: [[Double]]
        var occupations: [[Double]]
        var densities: [Matrix]
        var focks: [Matrix]
        var energy: EnergyComponents
        var gradientNorm: Double
        var history: [Double]
        var iterations: Int
        var converged: Bool
        /// Iterations (included in `iterations`) that ran on each coarse start grid.
        var startGridIterations: [Int] = []
        /// Set by a start-grid phase (`handOver`): what the next grid continues from.
        var handover: Handover? = nil
    }

    private var unrestricted: Bool { model.unrestricted }

    func occupations(count: Int) -> [[Double]] {
        unrestricted
            ? [aufbauOccupations(count: count, electrons: electrons.alpha, perOrbital: 1),
               aufbauOccupations(count: count, electrons: electrons.beta, perOrbital: 1)]
            : [aufbauOccupations(count: count, electrons: electrons.total, perOrbital: 2)]
    }

    /// Orbital-gradient norm as PySCF's `get_grad`: restricted 2‖C_vᵀ F C_o‖, unrestricted ‖(g_α, g_β)‖.
    func gradientNorm(orbitals: [Matrix], occupations: [[Double]], focks: [Matrix]) -> Double {
        var sum = 0.0
        for s in 0..<focks.count {
            let fc = multiply(focks[s], orbitals[s])
            let g = multiply(orbitals[s], fc, transposeA: true)
            let occ = occupations[s]
            let factor = unrestricted ? 1.0 : 2.0
            for i in occ.indices where occ[i] > 0 {
                for a in occ.indices where occ[a] == 0 { sum += pow(factor * g[a, i], 2) }
            }
        }
        return sum.squareRoot()
    }

    /// Commutator error F D S − S D F per spin (for DIIS).
    func commutator(fock f: Matrix, density d: Matrix) -> Matrix {
        let fds = multiply(multiply(f, d), model.overlap)
        return fds - fds.transposed
    }

    /// F + b (S − S D' S) with D' the density per occupied spin-orbital: raises virtual levels by b.
    func levelShifted(_ f: Matrix, density d: Matrix, shift: Double) -> Matrix {
        let perOrbital = unrestricted ? d : 0.5 * d
        let sds = multiply(multiply(model.overlap, perOrbital), model.overlap)
        return f + shift * (model.overlap - sds)
    }

    func diagonalize(_ focks: [Matrix]) throws -> (orbitals: [Matrix], energies: [[Double]]) {
        var c: [Matrix] = [], e: [[Double]] = []
        for f in focks {
            let (values, vectors) = try model.timings.measure("diagonalization") {
                try generalizedSymmetricEigen(f, metric: model.overlap)
            }
            c.append(vectors); e.append(values)
        }
        return (c, e)
    }

    /// Where a start-grid phase left off: its last densities D, the Fock matrices F_coarse(D)
    /// built from them, and its DIIS subspace.
    struct Handover {
        var densities: [Matrix]
        var focks: [Matrix]
        var diis: DIIS
    }

    /// Runs the SCF from `initialDensities`, or from where a start-grid phase left off
    /// (`continuing`): then F(D) on this model minus the coarse F(D) shifts the inherited DIIS
    /// subspace (`DIIS.shiftFocks`). With `handOver` (a start-grid phase) the converged state
    /// keeps the last D and F(D) and carries its DIIS subspace in `handover`; the next grid
    /// takes the step from there.
    func run(initialDensities: [Matrix], continuing previous: Handover? = nil, handOver: Bool = false,
             progress: ((Int, Double) -> Void)? = nil) throws -> State {
        let n = model.overlap.rows
        let occ = occupations(count: n)
        var densities = previous?.densities ?? initialDensities
        var (focks, energy) = model.fock(densities: densities)
        var lastEnergy = energy.total
        var history: [Double] = []
        var diis = DIIS(capacity: settings.diisSpace)
        if let previous {
            diis = previous.diis
            let shift = zip(focks, previous.focks).map { $0 - $1 }
            diis.shiftFocks(by: shift) { commutator(fock: $0, density: $1) }
        }
        var orbitals: [Matrix] = []
        var orbitalEnergies: [[Double]] = []
        var gnorm = Double.infinity
        var converged = false
        var iteration = 0
        // Fallback schedule: plain CDIIS; if not converged by `fallbackStart`, restart DIIS with a
        // level shift and damping for a few cycles, then DIIS with a smaller shift.
        let fallbackStart = max(12, settings.maxIterations / 2)
        var shift = 0.0, damping = 0.0, useDIIS = true
        while iteration < settings.maxIterations {
            iteration += 1
            if iteration == fallbackStart {
                diis.reset(); shift = 0.5; damping = 0.5; useDIIS = false
            } else if iteration == fallbackStart + 8 {
                shift = 0.2; damping = 0; useDIIS = true
            }
            var trial = focks
            if useDIIS {
                let errors = zip(focks, densities).map { commutator(fock: $0, density: $1) }
                trial = diis.extrapolate(focks: focks, errors: errors, densities: densities)
            }
            if shift > 0 { trial = zip(trial, densities).map { levelShifted($0, density: $1, shift: shift) } }
            (orbitals, orbitalEnergies) = try diagonalize(trial)
            var newDensities = zip(orbitals, occ).map { densityMatrix(orbitals: $0, occupations: $1) }
            if damping > 0 { newDensities = zip(newDensities, densities).map { (1 - damping) * $0 + damping * $1 } }
            densities = newDensities
            (focks, energy) = model.fock(densities: densities)
            let e = energy.total
            history.append(e)
            progress?(iteration, e)
            gnorm = gradientNorm(orbitals: orbitals, occupations: occ, focks: focks)
            if abs(e - lastEnergy) < settings.energyTolerance && gnorm < settings.effectiveGradientTolerance && damping == 0 {
                converged = true
                break
            }
            lastEnergy = e
        }
        if handOver {
            return State(orbitals: orbitals, energies: orbitalEnergies, occupations: occ, densities: densities,
                         focks: focks, energy: energy, gradientNorm: gnorm, history: history,
                         iterations: iteration, converged: converged,
                         handover: Handover(densities: densities, focks: focks, diis: diis))
        }
        // Final diagonalisation of the undamped, unextrapolated F(D) gives the reported orbitals.
        (orbitals, orbitalEnergies) = try diagonalize(focks)
        if converged {
            densities = zip(orbitals, occ).map { densityMatrix(orbitals: $0, occupations: $1) }
            (focks, energy) = model.fock(densities: densities)
            history.append(energy.total)
            gnorm = gradientNorm(orbitals: orbitals, occupations: occ, focks: focks)
        }
        return State(orbitals: orbitals, energies: orbitalEnergies, occupations: occ, densities: densities,
                     focks: focks, energy: energy, gradientNorm: gnorm, history: history,
                     iterations: iteration, converged: converged)
    }
}
