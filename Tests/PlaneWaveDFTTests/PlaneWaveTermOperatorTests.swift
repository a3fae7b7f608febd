import ChemistryCore
import Foundation
import Testing
@testable import PlaneWaveDFT

/// Each term's operator, as applied inside the Hamiltonian (`KPointHamiltonian.apply`), is the
/// derivative of the term's energy with respect to the orbitals:
///
///   d/dε E(ψ + εδψ)|₀ = Σ_k w_k Σ_n f_nk 2 Re⟨δψ_nk|H_term ψ_nk⟩.
///
/// The energies are quadratic in ψ, so the central difference is exact up to rounding; the
/// tolerance 1e-9 relative (ε = 1e-3) leaves room only for floating-point error. Random
/// (non-orthonormal) orbitals, unequal occupations, several k-points including a general one;
/// NaCl (two species; Cl with s and p channels of two projectors each). Hartree and XC have the
/// same check in PlaneWaveSCFTests.potentialsAreEnergyDerivatives.
@Suite("PlaneWaveTermOperator")
struct PlaneWaveTermOperatorTests {
    enum Term: String, CaseIterable { case kinetic, local, nonlocal }

    struct Setup {
        let basis: PlaneWaveBasis
        let projectors: [NonlocalProjectors]
        let localPotential: [Double]
        let psi: [ComplexMatrix]
        let dpsi: [ComplexMatrix]
        let occupations: [[Double]]

        init() throws {
            let model = try ForceFixture.displacedNaCl.model()
            let kset = monkhorstPackGrid(size: SIMD3(2, 2, 2), shift: SIMD3(1, 0, 0))
            let b = try PlaneWaveBasis(model: model, ecut: 7, kpoints: kset)
            basis = b
            projectors = b.kpoints.map { AtomicNonlocalTerm().projectors(basis: b, kpoint: $0) }
            localPotential = AtomicLocalTerm().potential(basis: b)
            psi = b.kpoints.indices.map { ComplexMatrix.random(rows: b.kpoints[$0].count, columns: 4, seed: UInt64(7 + $0)) }
            dpsi = b.kpoints.indices.map { ComplexMatrix.random(rows: b.kpoints[$0].count, columns: 4, seed: UInt64(70 + $0)) }
            occupations = b.kpoints.map { _ in [2, 2, 1.1, 0.3] }
        }

        func energy(_ term: Term, _ x: [ComplexMatrix]) -> Double {
            switch term {
            case .kinetic: return KineticTerm().energy(basis: basis, orbitals: x, occupations: occupations)
            case .nonlocal:
                return AtomicNonlocalTerm().energy(basis: basis, projectors: projectors, orbitals: x, occupations: occupations)
            case .local:
                let rho = computeDensity(basis: basis, orbitals: x, occupations: occupations)
                return zip(localPotential, rho).reduce(0) { $0 + $1.0 * $1.1 } * basis.dV
            }
        }

        /// H_term X at k-point `ik`, isolated from the full Hamiltonian by differences of `apply`.
        func apply(_ term: Term, k ik: Int, _ x: ComplexMatrix) -> ComplexMatrix {
            let kp = basis.kpoints[ik]
            let zero = [Double](repeating: 0, count: basis.gridCount)
            let none = NonlocalProjectors(b: ComplexMatrix(rows: kp.count, columns: 0), d: ComplexMatrix(rows: 0, columns: 0))
            let bare = KPointHamiltonian(basis: basis, kpoint: kp, potential: zero, nonlocal: none).apply(x)
            let with: ComplexMatrix
            switch term {
            case .kinetic: return bare
            case .local: with = KPointHamiltonian(basis: basis, kpoint: kp, potential: localPotential, nonlocal: none).apply(x)
            case .nonlocal: with = KPointHamiltonian(basis: basis, kpoint: kp, potential: zero, nonlocal: projectors[ik]).apply(x)
            }
            var out = with
            for i in out.data.indices { out.data[i] -= bare.data[i] }
            return out
        }
    }

    @Test(arguments: Term.allCases) func operatorIsTheEnergyDerivative(term: Term) throws {
        let s = try Setup()
        let eps = 1e-3
        func shifted(_ t: Double) -> [ComplexMatrix] {
            zip(s.psi, s.dpsi).map { p, d in
                var out = p
                for i in out.data.indices { out.data[i] += t * d.data[i] }
                return out
            }
        }
        let fd = (s.energy(term, shifted(eps)) - s.energy(term, shifted(-eps))) / (2 * eps)
        var analytic = 0.0
        for (ik, kp) in s.basis.kpoints.enumerated() {
            let hx = s.apply(term, k: ik, s.psi[ik])
            for n in 0..<4 {
                var re = 0.0   // Re⟨δψ|Hψ⟩
                for g in 0..<kp.count {
                    let k = 2 * (g + n * kp.count)
                    re += s.dpsi[ik].data[k] * hx.data[k] + s.dpsi[ik].data[k + 1] * hx.data[k + 1]
                }
                analytic += kp.weight * s.occupations[ik][n] * 2 * re
            }
        }
        #expect(abs(analytic) > 1e-3, "\(term): derivative should not vanish")
        #expect(abs(fd - analytic) < 1e-9 * max(1, abs(analytic)), "\(term): FD \(fd) vs 2Re⟨δψ|Hψ⟩ \(analytic)")
    }
}
