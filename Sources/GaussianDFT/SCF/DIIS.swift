import LinearAlgebra

/// Pulay's direct inversion in the iterative subspace (CDIIS).
///
/// Extrapolates the Fock matrix as F = Σ c_i F_i, minimising |Σ c_i e_i| with Σ c_i = 1, where
/// e_i = F_i D_i S − S D_i F_i is the commutator error (Pulay, Chem. Phys. Lett. 73, 393 (1980);
/// J. Comput. Chem. 3, 556 (1982)). For unrestricted SCF the α and β matrices are stacked and
/// share one set of coefficients, as PySCF does.
struct DIIS {
    let capacity: Int
    private var focks: [[Matrix]] = []
    private var errors: [[Matrix]] = []
    /// The densities the stored Focks were built from (for `shiftFocks`).
    private var densities: [[Matrix]] = []

    init(capacity: Int = 8) { self.capacity = capacity }

    mutating func reset() { focks.removeAll(); errors.removeAll(); densities.removeAll() }

    var count: Int { focks.count }

    /// Adds `shift` (one matrix per spin) to every stored Fock matrix and recomputes the error
    /// vectors with `commutator(F, D)`.
    ///
    /// Used when the SCF moves from a coarse start grid to the final one: the Fock matrices
    /// differ there only by the XC potentials' integration error, so F_fine(D_i) ≈ F_coarse(D_i) + ΔF
    /// with ΔF = F_fine(D) − F_coarse(D) at the hand-over density D; the error of this is the
    /// grid error of the XC kernel times D_i − D, small for the recent iterations DIIS weights
    /// most. The subspace then survives the change of grid instead of restarting from one vector.
    mutating func shiftFocks(by shift: [Matrix], commutator: (Matrix, Matrix) -> Matrix) {
        for i in focks.indices {
            focks[i] = zip(focks[i], shift).map { $0 + $1 }
            errors[i] = zip(focks[i], densities[i]).map { commutator($0, $1) }
        }
    }

    /// Stores (F, e) for densities D and returns the extrapolated Fock matrices.
    mutating func extrapolate(focks f: [Matrix], errors e: [Matrix], densities d: [Matrix]) -> [Matrix] {
        focks.append(f)
        errors.append(e)
        densities.append(d)
        if focks.count > capacity { focks.removeFirst(); errors.removeFirst(); densities.removeFirst() }
        let n = focks.count
        if n < 2 { return f }
        // B_ij = Σ_spin <e_i, e_j>, bordered by the constraint row.
        var b = Matrix(rows: n + 1, columns: n + 1)
        for i in 0..<n {
            for j in 0...i {
                var s = 0.0
                for k in 0..<errors[i].count { s += errors[i][k].dot(errors[j][k]) }
                b[i, j] = s; b[j, i] = s
            }
            b[i, n] = -1; b[n, i] = -1
        }
        // Scale for conditioning (the solution is invariant to scaling B's error block).
        let scale = (0..<n).map { b[$0, $0] }.max() ?? 1
        if scale > 0 { for j in 0..<n { for i in 0..<n { b[i, j] /= scale } } }
        var rhs = [Double](repeating: 0, count: n + 1)
        rhs[n] = -1
        guard let c = try? solveLinear(b, rhs), c.allSatisfy({ $0.isFinite }) else {
            // Singular subspace: drop the oldest half and use the newest Fock.
            focks.removeFirst(n / 2); errors.removeFirst(n / 2); densities.removeFirst(n / 2)
            return f
        }
        var out = f.map { Matrix(rows: $0.rows, columns: $0.columns) }
        for i in 0..<n { for k in 0..<out.count { out[k] += c[i] * focks[i][k] } }
        return out
    }
}
