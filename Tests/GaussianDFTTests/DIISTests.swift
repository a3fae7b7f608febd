import Foundation
import LinearAlgebra
import Testing
@testable import GaussianDFT

/// DIIS bookkeeping when the SCF changes grid: shifting the stored Fock matrices must leave the
/// subspace exactly as if every stored F had included the shift from the start.
@Suite struct DIISTests {
    /// A deterministic symmetric 4 × 4 matrix.
    func symmetric(_ seed: Double) -> Matrix {
        Matrix(size: 4) { i, j in sin(seed + Double(i + j)) + (i == j ? Double(i) : 0) }
    }

    func commutator(_ f: Matrix, _ d: Matrix) -> Matrix {
        let fd = multiply(f, d)
        return fd - fd.transposed
    }

    /// Five iterations into a 3-vector subspace (so the oldest entries, and their densities, are
    /// dropped), shift, one more iteration: the extrapolated F equals that of a DIIS that saw
    /// F_i + ΔF all along, to rounding (1e-12 on elements of order 1).
    @Test func shiftedSubspaceMatchesShiftedHistory() {
        let shift = [0.01 * symmetric(7)]
        var shifted = DIIS(capacity: 3), reference = DIIS(capacity: 3)
        for k in 0..<5 {
            let f = symmetric(Double(k)), d = symmetric(Double(k) + 0.5)
            let fs = f + shift[0]
            _ = shifted.extrapolate(focks: [f], errors: [commutator(f, d)], densities: [d])
            _ = reference.extrapolate(focks: [fs], errors: [commutator(fs, d)], densities: [d])
        }
        shifted.shiftFocks(by: shift) { commutator($0, $1) }
        let f = symmetric(9) + shift[0], d = symmetric(9.5)
        let a = shifted.extrapolate(focks: [f], errors: [commutator(f, d)], densities: [d])[0]
        let b = reference.extrapolate(focks: [f], errors: [commutator(f, d)], densities: [d])[0]
        #expect(shifted.count == 3)
        for i in 0..<4 { for j in 0..<4 { #expect(abs(a[i, j] - b[i, j]) < 1e-12) } }
        // And the shift matters: without it the extrapolation differs.
        var unshifted = DIIS(capacity: 3)
        for k in 0..<5 {
            let f = symmetric(Double(k)), d = symmetric(Double(k) + 0.5)
            _ = unshifted.extrapolate(focks: [f], errors: [commutator(f, d)], densities: [d])
        }
        let c = unshifted.extrapolate(focks: [f], errors: [commutator(f, d)], densities: [d])[0]
        #expect((0..<4).contains { i in (0..<4).contains { j in abs(c[i, j] - b[i, j]) > 1e-6 } })
    }
}
