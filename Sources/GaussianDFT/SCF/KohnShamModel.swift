import ExchangeCorrelation
import LinearAlgebra

/// The energy functional of one molecule in one basis, as a sum of terms each giving its
/// energy and its contribution to the Fock matrix (the DFTK `Term` idea).
///
/// Restricted (one density D = D_α + D_β):
///   E = tr(D h) + ½ tr(D J[D]) − (a_x/4) tr(D K[D]) + E_xc[ρ] + E_nuc,
///   F = h + J[D] − (a_x/2) K[D] + V_xc.
/// Unrestricted (D_α, D_β):
///   E = tr(D h) + ½ tr(D J[D]) − (a_x/2) Σ_σ tr(D_σ K[D_σ]) + E_xc[ρ_α, ρ_β] + E_nuc,
///   F_σ = h + J[D] − a_x K[D_σ] + V_xc,σ.
/// F = ∂E/∂D, which is also what the energy-as-loss training differentiates through.
struct KohnShamModel {
    let coreHamiltonian: Matrix
    let overlap: Matrix
    let twoElectron: any TwoElectronOperator
    var xc: XCIntegrator?
    let exactExchange: Double
    let nuclearRepulsion: Double
    let unrestricted: Bool
    let timings: Timings
    /// Timing label of the XC integration ("exchange_correlation", or the start grid's).
    var xcTimingLabel = "exchange_correlation"

    /// Fock matrices (one for restricted, α and β for unrestricted) and energy terms.
    func fock(densities: [Matrix]) -> (focks: [Matrix], energy: EnergyComponents) {
        var e = EnergyComponents()
        e.nuclearRepulsion = nuclearRepulsion
        let total = unrestricted ? densities[0] + densities[1] : densities[0]
        e.oneElectron = total.dot(coreHamiltonian)
        let needK = exactExchange != 0
        // J is linear: build it from the total density only; K per spin.
        let (jList, kList) = timings.measure("coulomb_exchange") {
            twoElectron.coulombExchange(densities: unrestricted ? densities : [total], exchange: needK)
        }
        let j = unrestricted ? jList[0] + jList[1] : jList[0]
        e.coulomb = 0.5 * total.dot(j)
        var focks: [Matrix]
        if unrestricted {
            focks = [coreHamiltonian + j, coreHamiltonian + j]
            if needK {
                for s in 0..<2 {
                    focks[s] = focks[s] - exactExchange * kList[s]
                    e.exactExchange -= 0.5 * exactExchange * densities[s].dot(kList[s])
                }
            }
        } else {
            focks = [coreHamiltonian + j]
            if needK {
                focks[0] = focks[0] - (0.5 * exactExchange) * kList[0]
                e.exactExchange = -0.25 * exactExchange * total.dot(kList[0])
            }
        }
        if let xc {
            let (exc, vxc) = timings.measure(xcTimingLabel) { xc.integrate(densities: densities) }
            e.exchangeCorrelation = exc
            for s in 0..<focks.count { focks[s] += vxc[s] }
        }
        return (focks.map(\.symmetrized), e)
    }

    /// The linear response of the restricted Fock matrix to a density perturbation, the directional
    /// derivative d/dε F[D + εX] at ε = 0 for a symmetric X:
    ///
    ///     δF = J[X] − (a_x/2) K[X] + δV_xc[D; X]   (`XCIntegrator.kernelResponse`).
    ///
    /// It is the Hessian of E applied to X (F = ∂E/∂D), hence self-adjoint: backpropagation
    /// through F[D] maps an adjoint F̄ to the adjoint δF[F̄] of D.
    func fockResponse(density d: Matrix, perturbation x: Matrix) -> Matrix {
        precondition(!unrestricted, "the Fock response is implemented for restricted densities only")
        let needK = exactExchange != 0
        let (j, k) = timings.measure("coulomb_exchange") { twoElectron.coulombExchange(densities: [x], exchange: needK) }
        var response = j[0]
        if needK { response = response - (0.5 * exactExchange) * k[0] }
        if let xc {
            response += timings.measure(xcTimingLabel) { xc.kernelResponse(density: d, perturbation: x) }
        }
        return response.symmetrized
    }

    /// The same model with another exchange-correlation integrator (the coarse start grid).
    func replacingXC(_ integrator: XCIntegrator) -> KohnShamModel {
        var model = self
        model.xc = integrator
        model.xcTimingLabel = "exchange_correlation_start_grid"
        return model
    }
}
