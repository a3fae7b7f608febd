import LinearAlgebra

/// AO-basis matrices of one geometry that transform like a Hamiltonian under rotations of the
/// molecule (each atom-pair block as R_A M_AB R_Bᵀ), used as inputs by Hamiltonian-predicting
/// networks. All are available before any SCF (Ha, except the dimensionless overlap).
public struct GuessMatrices {
    /// S.
    public let overlap: Matrix
    /// T = −½∇².
    public let kinetic: Matrix
    /// Σ_A −Z_A/|r − R_A|.
    public let nuclearAttraction: Matrix
    /// J[D_SAD] for the superposition-of-atomic-densities guess (scaled to N electrons).
    public let coulomb: Matrix
    /// K[D_SAD].
    public let exchange: Matrix
    /// V_xc[D_SAD] on the calculation's grid; nil for Hartree-Fock.
    public let exchangeCorrelation: Matrix?
    /// The SAD guess density itself.
    public let guessDensity: Matrix
    /// Fraction of exact exchange a_x: F_SAD − H_core = J − (a_x/2) K + V_xc.
    public let exactExchange: Double
}

extension MolecularCalculation {
    /// S, T, V and the Coulomb, exchange and XC matrices of the SAD guess density
    /// (one J/K build and one XC integration).
    public func guessMatrices() throws -> GuessMatrices {
        var s = settings
        s.initialGuess = .atomicDensities
        let total = try superpositionOfAtomicDensities(structure: structure, settings: s, basis: basis)
        let count = total.dot(model.overlap)
        let d = count > 0 ? (Double(electrons.total) / count) * total : total
        let (j, k) = model.twoElectron.coulombExchange(densities: [d], exchange: true)
        var vxc: Matrix? = nil
        if let xc = model.xc {
            // The integrator is spin-polarised for unrestricted models: split D evenly.
            let densities = model.unrestricted ? [0.5 * d, 0.5 * d] : [d]
            vxc = xc.integrate(densities: densities).1[0].symmetrized
        }
        let oneElectron = oneElectronMatrices(basis, charges: structure.atomicNumbers.map(Double.init), positions: atomPositions)
        return GuessMatrices(overlap: model.overlap, kinetic: oneElectron.kinetic, nuclearAttraction: oneElectron.nuclearAttraction,
                             coulomb: j[0].symmetrized, exchange: k[0].symmetrized, exchangeCorrelation: vxc,
                             guessDensity: d, exactExchange: functional.exactExchange)
    }
}
