import Foundation
import Testing
@testable import PlaneWaveDFT

/// Time-reversal-real orbitals at time-reversal-invariant k-points (`timeReversalPartners`):
/// the paired transforms and the real eigensolver algebra give what the complex ones give.
@Suite("PlaneWaveTimeReversal")
struct PlaneWaveTimeReversalTests {
    /// Silicon at Ecut 5 on a 2×2×2 Γ-centred grid: every irreducible k is time-reversal invariant.
    func hamiltonians() throws -> (PlaneWaveBasis, [KPointHamiltonian]) {
        let (basis, hs) = try siliconInitialHamiltonians(kgrid: 2)
        #expect(basis.kpoints.count > 1)
        for kp in basis.kpoints { #expect(kp.timeReversalPartner != nil, "k = \(kp.coordinate)") }
        return (basis, hs)
    }

    /// H applied two columns per FFT equals H applied one column per FFT (1e-12 relative:
    /// rounding of two FFT pairs), for 7 columns (three pairs and a single one), and keeps the
    /// vectors time-reversal real.
    @Test func pairedApplicationEqualsSingle() throws {
        let (_, hs) = try hamiltonians()
        for h in hs {
            var x = ComplexMatrix.random(rows: h.size, columns: 7, seed: 11)
            x.makeTimeReversalReal(partner: h.kpoint.timeReversalPartner!)
            var paired = h, single = h
            paired.timeReversalReal = true; single.timeReversalReal = false
            let a = paired.apply(x), b = single.apply(x)
            let scale = b.data.map { abs($0) }.max()!
            #expect(zip(a.data, b.data).map { abs($0 - $1) }.max()! < 1e-12 * scale)
            var projected = a
            projected.makeTimeReversalReal(partner: h.kpoint.timeReversalPartner!)
            #expect(zip(a.data, projected.data).map { abs($0 - $1) }.max()! < 1e-12 * scale)
        }
    }

    /// LOBPCG with real Gram matrices from a time-reversal-real start finds the dense
    /// eigenvalues (1e-9 Ha, as the complex solver's test), and the subspace guess is time-reversal real.
    @Test func realLOBPCGMatchesDenseDiagonalisation() throws {
        let (basis, hs) = try hamiltonians()
        for (ik, var h) in hs.enumerated() {
            h.timeReversalReal = true
            let partner = try #require(h.kpoint.timeReversalPartner)
            let dense = try hermitianEigen(h.denseMatrix()).values
            let guess = try subspaceGuess(hamiltonian: h, bands: 8, subspaceSize: 20).vectors
            var projected = guess
            projected.makeTimeReversalReal(partner: partner)
            #expect(zip(guess.data, projected.data).map { abs($0 - $1) }.max()! < 1e-14)
            let sol = try lobpcg(apply: h.apply, initial: guess,
                                 precondition: kineticPreconditioner(kinetic: basis.kpoints[ik].kinetic),
                                 tolerance: 1e-8, converge: 6, algebra: BlockAlgebra(timeReversalPartner: partner))
            #expect(sol.converged)
            for n in 0..<6 { #expect(abs(sol.values[n] - dense[n]) < 1e-9, "k\(ik) n\(n): \(sol.values[n]) vs \(dense[n])") }
        }
    }

    /// Paired density equals the density one orbital at a time (1e-13 relative).
    @Test func pairedDensityEqualsSingle() throws {
        let (basis, hs) = try hamiltonians()
        let orbitals = hs.map { h -> ComplexMatrix in
            var x = ComplexMatrix.random(rows: h.size, columns: 5, seed: 3)
            x.makeTimeReversalReal(partner: h.kpoint.timeReversalPartner!)
            return x
        }
        let occupations = hs.map { _ in [2.0, 2.0, 1.5, 0.25, 0.0] }
        let a = computeDensity(basis: basis, orbitals: orbitals, occupations: occupations, timeReversalReal: true)
        let b = computeDensity(basis: basis, orbitals: orbitals, occupations: occupations, timeReversalReal: false)
        let scale = b.map { abs($0) }.max()!
        #expect(zip(a, b).map { abs($0 - $1) }.max()! < 1e-13 * scale)
    }

    /// The SCF energy with time-reversal-real orbitals equals the complex one (1e-9 Ha: both
    /// converged to 1e-10) for silicon on a 2×2×2 Γ-centred grid.
    @Test func scfEnergyDoesNotChange() throws {
        let model = try Silicon.model()
        let kset = monkhorstPackGrid(size: SIMD3(2, 2, 2), symmetries: symmetryOperations(model: model))
        let basis = try PlaneWaveBasis(model: model, ecut: 5, kpoints: kset)
        var p = SCFParameters()
        p.densePlaneWaveLimit = 0   // LOBPCG at every k-point
        p.energyTolerance = 1e-11
        p.densityTolerance = 1e-8
        let real = try SCFSolver(basis: basis).run(p)
        let solver = try SCFSolver(basis: basis)
        solver.timeReversalReal = false
        let complex = try solver.run(p)
        #expect(real.converged && complex.converged)
        #expect(abs(real.energies.total - complex.energies.total) < 1e-9, "\(real.energies.total) vs \(complex.energies.total)")
    }

    /// Dense diagonalisation of the small bases (here every k-point: ~90–140 plane waves) gives the
    /// SCF energy LOBPCG gives (1e-9 Ha, both converged to 1e-11), with and without time-reversal-real
    /// orbitals, and its eigenvalues are those of the dense Hamiltonian.
    @Test func denseSmallBasisSCFMatchesLOBPCG() throws {
        let model = try Silicon.model()
        let kset = monkhorstPackGrid(size: SIMD3(2, 2, 2), symmetries: symmetryOperations(model: model))
        let basis = try PlaneWaveBasis(model: model, ecut: 5, kpoints: kset)
        var p = SCFParameters()
        p.energyTolerance = 1e-11
        p.densityTolerance = 1e-8
        p.densePlaneWaveLimit = 0
        let iterative = try SCFSolver(basis: basis).run(p)
        p.densePlaneWaveLimit = 10_000
        let dense = try SCFSolver(basis: basis).run(p)
        let solver = try SCFSolver(basis: basis)
        solver.timeReversalReal = false
        let denseComplex = try solver.run(p)
        #expect(iterative.converged && dense.converged && denseComplex.converged)
        #expect(abs(dense.energies.total - iterative.energies.total) < 1e-9, "\(dense.energies.total) vs \(iterative.energies.total)")
        #expect(abs(denseComplex.energies.total - iterative.energies.total) < 1e-9)
        for (a, b) in zip(dense.eigenvalues, iterative.eigenvalues) {
            for n in 0..<4 { #expect(abs(a[n] - b[n]) < 1e-6, "\(a[n]) vs \(b[n])") }
        }
    }
}
