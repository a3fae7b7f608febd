import ChemistryCore
import Foundation
import GaussianDFT
@testable import HamiltonianLearning
import LinearAlgebra
import Testing

/// How well can W = Σ_k s_k(A, B)[a, b] M_k represent the converged Fock matrix at all? For one
/// conformer, each shell-pair block of W* = F_scf − H_core is fitted by least squares with free
/// coefficients s (no network), and the energy of that W is compared with E_SCF. This bounds
/// what training can reach with this model family; quoted in docs/hamiltonian-learning.md.
/// Only with CHEMFLOW_LONG_TESTS=1 (one SCF per molecule).
@Suite struct ExpressivityBoundTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["CHEMFLOW_LONG_TESTS"] == "1"),
          arguments: ["ethanol", "malondialdehyde", "uracil"])
    func blockFitReachesTheSCFEnergy(_ name: String) throws {
        setBLASThreads(1)
        var c = HamiltonianModelConfiguration()
        c.elements = [1, 6, 7, 8]
        let m = try MolecularInputs(structure: shippedConformers(name)[3], configuration: c, startGrids: true)
        let (scf, _, fock) = try m.energy.calculation.runWithFock()
        let target = fock - m.energy.coreHamiltonian
        let nao = m.aoCount, mats = m.matrices
        var blocks: [[Int]: [(Int, Int)]] = [:]
        for mu in 0..<nao { for nu in 0..<nao {
            blocks[[m.aoAtom[mu], m.aoSlot[mu], m.aoAtom[nu], m.aoSlot[nu]], default: []].append((mu, nu))
        } }
        var w = Matrix(rows: nao, columns: nao)
        for (_, entries) in blocks {
            // Normal equations with a 1e-10 ridge for blocks where some M_k vanish (on-site s–p of S, T).
            var g = Matrix(rows: mats.count, columns: mats.count)
            var r = [Double](repeating: 0, count: mats.count)
            for (mu, nu) in entries { for k in mats.indices {
                r[k] += mats[k][mu, nu] * target[mu, nu]
                for l in mats.indices { g[k, l] += mats[k][mu, nu] * mats[l][mu, nu] }
            } }
            for k in mats.indices { g[k, k] += 1e-10 }
            let s = try solveLinear(g, r)
            for (mu, nu) in entries { w[mu, nu] = mats.indices.reduce(0) { $0 + s[$1] * mats[$1][mu, nu] } }
        }
        var sad = Matrix(rows: nao, columns: nao)
        for (k, b) in c.baseCoefficients(exactExchange: m.exactExchange).enumerated() { sad = sad + b * mats[k] }
        let gapSAD = try m.evaluate(correction: sad, gradient: false).energy - scf.energy
        let gapFit = try m.evaluate(correction: w.symmetrized, gradient: false).energy - scf.energy
        print("block fit \(name): SAD start \(gapSAD * 1000) mHa, least-squares block fit \(gapFit * 1000) mHa above E_SCF")
        // Measured 0.011 (ethanol), 0.043 (malondialdehyde), 0.18 mHa (uracil): the model family can
        // represent the SCF solution well within the 1 mHa target.
        #expect(gapFit > -1e-8 && gapFit < 1e-3)
        #expect(gapFit < 0.01 * gapSAD)
    }
}
