import Foundation
import Testing
@testable import PlaneWaveDFT

@Suite("PlaneWaveGuess")
struct PlaneWaveGuessTests {
    /// `subspaceGuess` builds H in the lowest plane waves from V̂(G − G'), the kinetic diagonal and
    /// the projectors. With the subspace as large as the basis it must be the full dense
    /// diagonalisation (reference: `denseMatrix`, H applied to the identity through the FFTs, and
    /// zheevd): Rayleigh quotients equal the dense eigenvalues to 1e-10 Ha. With a smaller
    /// subspace the quotients are upper bounds (Rayleigh-Ritz is variational) and the vectors are
    /// orthonormal. Si at Ecut 5 (≈ 90 plane waves per k), initial-density potential.
    @Test func subspaceGuessIsRayleighRitzInTheLowestPlaneWaves() throws {
        for (ik, h) in try siliconInitialHamiltonians(kgrid: 2).hamiltonians.enumerated() {
            let dense = try hermitianEigen(h.denseMatrix()).values
            for size in [h.size, 40] {
                let x = try subspaceGuess(hamiltonian: h, bands: 6, subspaceSize: size).vectors
                let hx = h.apply(x)
                let gram = zgemm(x, x, adjointA: true), rayleigh = zgemm(x, hx, adjointA: true)
                for n in 0..<6 {
                    #expect(abs(gram[n, n].re - 1) < 1e-12)
                    if size == h.size {
                        #expect(abs(rayleigh[n, n].re - dense[n]) < 1e-10, "k\(ik) n\(n): \(rayleigh[n, n].re) vs \(dense[n])")
                    } else {
                        #expect(rayleigh[n, n].re > dense[n] - 1e-10)
                    }
                }
            }
        }
    }
}
