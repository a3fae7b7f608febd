import Foundation

/// Energies of one SCF state, by term (hartree).
struct EnergyBreakdown {
    var terms: [(String, Double)]
    var total: Double { terms.reduce(0) { $0 + $1.1 } }
    var dictionary: [String: Double] { Dictionary(uniqueKeysWithValues: terms) }
}

/// Result of the self-consistent field iterations (internal: richer than `PlaneWaveResult`).
struct SCFState {
    var energies: EnergyBreakdown
    var density: [Double]
    var orbitals: [ComplexMatrix]
    var eigenvalues: [[Double]]
    var occupations: [[Double]]
    var fermiLevel: Double
    var converged: Bool
    var iterations: Int
    var energyHistory: [Double]
    var densityChange: Double
    var bandGap: Double?
}

/// Parameters of the SCF loop.
struct SCFParameters {
    var smearing: Double? = nil
    var scheme: SmearingScheme = .fermiDirac
    var maxIterations = 100
    var energyTolerance = 1e-8
    var densityTolerance = 1e-6
    var mixing: MixingScheme = .simple
    var damping = 0.8
    var extraBands = 4
    /// Eigensolver tolerance (residual norm) in SCF step n+1: clamp(ratio·‖Δρ_n‖, min, max), and
    /// `diagtolFirst` in the first step (DFTK's AdaptiveDiagtol).
    var diagtolRatio = 0.05
    var diagtolMin = 1e-10
    var diagtolMax = 5e-3
    var diagtolFirst = 5e-3
    /// Starting orbitals from a dense diagonalisation in this many lowest plane waves per k-point
    /// (`subspaceGuess`); 0 = random vectors.
    var guessSubspaceSize = 120
    /// k-points with at most this many plane waves are diagonalised densely (LAPACK zheevd, or dsyevd
    /// for time-reversal-real orbitals) instead of by LOBPCG; 0 = never.
    var densePlaneWaveLimit = 150
    var log: ((String) -> Void)? = nil
}

/// Self-consistent field for a basis: density mixing with Anderson acceleration, LOBPCG
/// diagonalisation warm-started from the previous orbitals, diagonalisation tolerance
/// tightened with the density change.
final class SCFSolver {
    let basis: PlaneWaveBasis
    let xc: XcTerm
    let localPotential: [Double]
    let projectors: [NonlocalProjectors]
    let ewald: Double
    let pspCorrection: Double

    init(basis: PlaneWaveBasis) throws {
        self.basis = basis
        xc = try XcTerm(basis.model.xc)
        localPotential = AtomicLocalTerm().potential(basis: basis)
        projectors = basis.kpoints.map { AtomicNonlocalTerm().projectors(basis: basis, kpoint: $0) }
        ewald = basis.model.ewaldEnergy
        pspCorrection = basis.model.pspCorrectionEnergy
    }

    /// Superposition of normalised Gaussians (width 1 bohr) carrying Zion electrons per atom.
    func initialDensity() -> [Double] {
        let model = basis.model
        let n = basis.gridCount
        var rhat = [Double](repeating: 0, count: 2 * n)
        let width = 1.0
        for j in 0..<n {
            let g = basis.gridG[j]
            let env = exp(-0.5 * basis.gridG2[j] * width * width) / model.volume
            if env < 1e-14 { continue }
            var re = 0.0, im = 0.0
            for a in 0..<model.atomCount {
                let p = model.positions[a]
                let t = -2 * Double.pi * (Double(g.x) * p.x + Double(g.y) * p.y + Double(g.z) * p.z)
                re += Double(model.zion(atom: a)) * cos(t); im += Double(model.zion(atom: a)) * sin(t)
            }
            rhat[2 * j] = env * re; rhat[2 * j + 1] = env * im
        }
        return basis.fft.fourierToReal(rhat).map { max($0, 0) }
    }

    /// Orbitals at time-reversal-invariant k-points are kept time-reversal real (real eigensolver
    /// algebra, two orbitals per FFT) when `timeReversalReal`.
    var timeReversalReal = true

    func hamiltonian(k: Int, potential: [Double]) -> KPointHamiltonian {
        KPointHamiltonian(basis: basis, kpoint: basis.kpoints[k], potential: potential, nonlocal: projectors[k],
                          timeReversalReal: timeReversalReal && basis.kpoints[k].timeReversalPartner != nil)
    }

    /// Total local potential V_loc + V_H[ρ] + V_xc[ρ].
    func totalPotential(density rho: [Double]) -> [Double] {
        let vh = HartreeTerm().potential(basis: basis, density: rho)
        let (_, vxc) = xc.evaluate(basis: basis, density: rho)
        return (0..<rho.count).map { localPotential[$0] + vh[$0] + vxc[$0] }
    }

    func energies(orbitals: [ComplexMatrix], occupations: [[Double]], density rho: [Double],
                  entropy: Double, smearing: Bool) -> EnergyBreakdown {
        let dV = basis.dV
        var eloc = 0.0
        for j in 0..<rho.count { eloc += localPotential[j] * rho[j] }
        let vh = HartreeTerm().potential(basis: basis, density: rho)
        var eh = 0.0
        for j in 0..<rho.count { eh += vh[j] * rho[j] }
        let (exc, _) = xc.evaluate(basis: basis, density: rho)
        var terms: [(String, Double)] = [
            ("Kinetic", KineticTerm().energy(basis: basis, orbitals: orbitals, occupations: occupations)),
            ("AtomicLocal", eloc * dV),
            ("AtomicNonlocal", AtomicNonlocalTerm().energy(basis: basis, projectors: projectors, orbitals: orbitals,
                                                           occupations: occupations)),
            ("Hartree", 0.5 * eh * dV),
            ("Xc", exc),
            ("Ewald", ewald),
            ("PspCorrection", pspCorrection),
        ]
        if smearing { terms.append(("Entropy", entropy)) }
        return EnergyBreakdown(terms: terms)
    }

    func run(_ p: SCFParameters) throws -> SCFState {
        let model = basis.model
        let nel = model.electronCount
        if p.smearing == nil && nel % 2 != 0 {
            throw PlaneWaveError.badSettings("\(nel) valence electrons (odd): use smearing for an open-shell/metallic cell")
        }
        let nocc = (nel + 1) / 2
        let nConverge = p.smearing == nil ? nocc + 1 : nocc + max(2, nocc / 5)
        let nBands = nConverge + p.extraBands
        for kp in basis.kpoints where kp.count < nBands {
            throw PlaneWaveError.badSettings("only \(kp.count) plane waves at k = \(kp.coordinate) for \(nBands) bands: raise Ecut")
        }
        var orbitals = basis.kpoints.enumerated().map { ik, kp in
            ComplexMatrix.random(rows: kp.count, columns: nBands, seed: UInt64(1234 + ik))
        }
        var eigenvalues = [[Double]](repeating: [], count: basis.kpoints.count)
        var rho = initialDensity()
        let mixer = AndersonMixer(basis: basis, scheme: p.mixing, damping: p.damping)
        var history: [Double] = []
        var previousEnergy = Double.nan
        var diagTolerance = p.diagtolFirst
        var converged = false
        var last: (EnergyBreakdown, [Double], [[Double]], Double, Double)? = nil
        var iteration = 0
        while iteration < p.maxIterations {
            iteration += 1
            let v = totalPotential(density: rho)
            var maxIter = 0, applications = 0
            for ik in basis.kpoints.indices {
                let h = hamiltonian(k: ik, potential: v)
                if basis.kpoints[ik].count <= p.densePlaneWaveLimit {
                    (orbitals[ik], eigenvalues[ik]) = try subspaceGuess(hamiltonian: h, bands: nBands,
                                                                        subspaceSize: basis.kpoints[ik].count)
                    continue
                }
                if iteration == 1 && p.guessSubspaceSize > 0 {
                    orbitals[ik] = try subspaceGuess(hamiltonian: h, bands: nBands, subspaceSize: p.guessSubspaceSize).vectors
                }
                let sol = try lobpcg(apply: h.apply, initial: orbitals[ik],
                                     precondition: kineticPreconditioner(kinetic: basis.kpoints[ik].kinetic),
                                     tolerance: diagTolerance, converge: nConverge, maxIterations: 200,
                                     algebra: h.blockAlgebra)
                orbitals[ik] = sol.vectors
                eigenvalues[ik] = sol.values
                maxIter = max(maxIter, sol.iterations)
                applications += sol.applications
            }
            let occ = computeOccupations(eigenvalues: eigenvalues, weights: basis.kpoints.map(\.weight),
                                         electrons: nel, smearing: p.smearing, scheme: p.scheme)
            let rhoOut = computeDensity(basis: basis, orbitals: orbitals, occupations: occ.occupations,
                                        timeReversalReal: timeReversalReal)
            let energies = energies(orbitals: orbitals, occupations: occ.occupations, density: rhoOut,
                                    entropy: occ.entropyEnergy, smearing: p.smearing != nil)
            var d2 = 0.0
            for j in 0..<rho.count { let d = rhoOut[j] - rho[j]; d2 += d * d }
            let drho = (d2 * basis.dV).squareRoot()
            let e = energies.total
            history.append(e)
            p.log?(String(format: "SCF %3d  E = %.12f  ΔE = %+.3e  Δρ = %.3e  diag: tol %.1e, %d it, %d Hψ",
                          iteration, e, e - previousEnergy, drho, diagTolerance, maxIter, applications))
            last = (energies, rhoOut, occ.occupations, occ.fermiLevel, drho)
            if abs(e - previousEnergy) < p.energyTolerance && drho < p.densityTolerance {
                converged = true
                break
            }
            previousEnergy = e
            rho = mixer.next(rhoIn: rho, rhoOut: rhoOut)
            diagTolerance = min(p.diagtolMax, max(p.diagtolMin, p.diagtolRatio * drho))
        }
        let (energies, rhoOut, occupations, fermi, drho) = last!
        return SCFState(energies: energies, density: rhoOut, orbitals: orbitals, eigenvalues: eigenvalues,
                        occupations: occupations, fermiLevel: fermi, converged: converged, iterations: iteration,
                        energyHistory: history, densityChange: drho,
                        bandGap: bandGap(eigenvalues: eigenvalues, occupations: occupations))
    }

    /// CBM − VBM when every k-point has the same integer number of filled bands, else nil.
    func bandGap(eigenvalues: [[Double]], occupations: [[Double]]) -> Double? {
        var filled: Int? = nil
        for occ in occupations {
            let nfull = occ.filter { $0 > 2 - 1e-6 }.count
            let nempty = occ.filter { $0 < 1e-6 }.count
            guard nfull + nempty == occ.count else { return nil }
            if let f = filled, f != nfull { return nil }
            filled = nfull
        }
        guard let nf = filled, nf > 0 else { return nil }
        guard eigenvalues.allSatisfy({ $0.count > nf }) else { return nil }
        let vbm = eigenvalues.map { $0[nf - 1] }.max()!
        let cbm = eigenvalues.map { $0[nf] }.min()!
        return cbm - vbm
    }
}
