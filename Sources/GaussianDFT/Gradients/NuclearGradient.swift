import ChemistryCore
import Foundation
import LinearAlgebra

/// Analytic nuclear gradient of a converged SCF energy.
public struct NuclearGradient: Sendable {
    /// The SCF the gradient belongs to.
    public let result: SCFResult
    /// dE/dR_A per atom (Ha/bohr), in input atom order.
    public let gradient: [SIMD3<Double>]

    /// Forces F_A = −dE/dR_A (Ha/bohr).
    public var forces: [SIMD3<Double>] { gradient.map { -$0 } }

    /// Forces in eV/Å (the dataset and CLI unit).
    public var forcesEVPerAngstrom: [SIMD3<Double>] {
        let f = Units.hartreeInEV / Units.bohrInAngstrom
        return gradient.map { -f * $0 }
    }
}

extension MolecularCalculation {
    /// Runs the SCF and returns its energy with the analytic nuclear gradient
    /// dE/dR = Σ D ∂h − Σ W ∂S + ½ Σ Γ ∂(μν|λσ) + ∂E_xc + ∂V_nn (Ha/bohr), restricted or
    /// unrestricted, HF or LDA/GGA/global-hybrid Kohn-Sham. The XC part has no grid-weight response
    /// (PySCF's default, `grids.response = False`), so it is the exact derivative of the energy
    /// only up to the grid's integration error; HF gradients are exact.
    /// See docs/molecular-gradients.md.
    public func nuclearGradient(progress: ((Int, Double) -> Void)? = nil) throws -> NuclearGradient {
        let start = Date()
        let state = try solve(progress: progress)
        let density = model.unrestricted ? state.densities[0] + state.densities[1] : state.densities[0]
        let gradient = nuclearGradient(state: state)
        let result = properties(of: state, density: density, seconds: setupSeconds + Date().timeIntervalSince(start))
        return NuclearGradient(result: result, gradient: gradient)
    }

    /// The gradient for a converged SCF state (densities, orbitals, orbital energies).
    func nuclearGradient(state: SCFDriver.State) -> [SIMD3<Double>] {
        let charges = structure.atomicNumbers.map(Double.init)
        let cart = basis.cartesianCounterpart
        let spinDensities = state.densities.map { basis.cartesianMatrix($0) }
        let total = spinDensities.count == 2 ? spinDensities[0] + spinDensities[1] : spinDensities[0]
        // Energy-weighted density W = Σ_σ Σ_i n_iσ ε_iσ C_iσ C_iσᵀ.
        let n = basis.aoCount
        var w = Matrix(rows: n, columns: n)
        for s in 0..<state.orbitals.count {
            let c = state.orbitals[s]
            for (i, occ) in state.occupations[s].enumerated() where occ > 0 {
                let f = occ * state.energies[s][i]
                for b in 0..<n {
                    let cb = f * c[b, i]
                    if cb == 0 { continue }
                    for a in 0..<n { w[a, b] += c[a, i] * cb }
                }
            }
        }
        let wCart = basis.cartesianMatrix(w)
        var g = timings.measure("gradient_one_electron") {
            oneElectronGradient(basis: cart, density: total, energyWeighted: wCart, charges: charges)
        }
        let exchange: [(density: Matrix, factor: Double)]
        let ax = model.exactExchange
        if ax == 0 {
            exchange = []
        } else if model.unrestricted {
            exchange = [(spinDensities[0], ax), (spinDensities[1], ax)]
        } else {
            exchange = [(total, 0.5 * ax)]
        }
        let g2 = timings.measure("gradient_two_electron") {
            twoElectronGradient(basis: cart, density: total, exchange: exchange)
        }
        let gn = nuclearRepulsionGradient(charges: charges, positions: atomPositions)
        for a in g.indices { g[a] += g2[a] + gn[a] }
        if let grid, let xc = model.xc {
            let gxc = timings.measure("gradient_exchange_correlation") {
                exchangeCorrelationGradient(basis: cart, densities: spinDensities, points: grid.points,
                                            weights: grid.weights, evaluator: xc.evaluator)
            }
            for a in g.indices { g[a] += gxc[a] }
        }
        return g
    }
}
