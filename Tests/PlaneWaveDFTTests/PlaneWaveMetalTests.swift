import ChemistryCore
import Foundation
import Testing
@testable import PlaneWaveDFT

@Suite("PlaneWaveMetal")
struct PlaneWaveMetalTests {
    /// fcc Al (primitive cell, a = 7.65 bohr), Ecut 10 Ha, 4x4x4 Γ-centred grid, Fermi-Dirac
    /// smearing 0.01 Ha, lda_x + lda_c_vwn, against ABINIT 9.6.2 (ixc -001007, occopt 3,
    /// tsmear 0.01, ngfft 16³, pseudopotential /usr/share/abinit/psp/13al.3.hgh):
    /// free energy -2.09138211378059 Ha, −kT·S = -5.79383667136574e-3 Ha, E_F = 0.345362206 Ha.
    @Test func aluminiumFermiDiracAgainstABINIT() throws {
        let h22 = 2.679700, h12 = -0.5 * (3.0 / 5).squareRoot() * h22
        let psp = GTHPseudopotential(element: "Al", atomicNumber: 13, name: "13al.3.hgh", zion: 3, rloc: 0.45,
                                     c: [-8.491351],
                                     channels: [.init(l: 0, radius: 0.460104, h: [[5.088340, h12], [h12, h22]]),
                                                .init(l: 1, radius: 0.536744, h: [[2.193438]])])
        let b = 3.825
        let model = try Model(latticeColumns: Mat3(columns: [SIMD3(0, b, b), SIMD3(b, 0, b), SIMD3(b, b, 0)]),
                              fractionalPositions: [.zero], atomicNumbers: [13], pseudopotentials: [psp], xc: "lda")
        let kset = monkhorstPackGrid(size: SIMD3(4, 4, 4), symmetries: symmetryOperations(model: model))
        #expect(kset.coordinates.count == 8)
        let basis = try PlaneWaveBasis(model: model, ecut: 10, kpoints: kset, fftSize: SIMD3(16, 16, 16))
        var p = SCFParameters()
        p.smearing = 0.01
        p.scheme = .fermiDirac
        p.mixing = .kerker
        p.energyTolerance = 1e-10
        p.densityTolerance = 1e-7
        let state = try SCFSolver(basis: basis).run(p)
        #expect(state.converged)
        let t = state.energies.dictionary
        #expect(abs(state.energies.total - -2.09138211378059) < 1e-8, "E = \(state.energies.total) \(t)")
        #expect(abs(t["Entropy"]! - -5.79383667136574e-3) < 1e-7)
        #expect(abs(state.fermiLevel - 0.345362206) < 1e-6, "εF = \(state.fermiLevel)")
        #expect(state.bandGap == nil)
    }

    @Test func occupationsConserveElectronsAndEntropyLimits() {
        let eig: [[Double]] = [[-0.3, -0.1, 0.05, 0.2], [-0.25, 0.0, 0.1, 0.3]]
        for scheme in SmearingScheme.allCases {
            let o = computeOccupations(eigenvalues: eig, weights: [0.25, 0.75], electrons: 3, smearing: 0.02, scheme: scheme)
            let n = zip([0.25, 0.75], o.occupations).reduce(0.0) { $0 + $1.0 * $1.1.reduce(0, +) }
            #expect(abs(n - 3) < 1e-10)
            #expect(o.entropyEnergy <= 0)
        }
        let insulator = computeOccupations(eigenvalues: eig, weights: [0.5, 0.5], electrons: 4, smearing: nil, scheme: .gaussian)
        #expect(insulator.occupations[0] == [2, 2, 0, 0] && abs(insulator.fermiLevel - 0.025) < 1e-12)
    }
}
