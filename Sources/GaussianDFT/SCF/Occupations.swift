import LinearAlgebra

/// Electron counts per spin for a molecule, validated against the requested spin.
struct ElectronCounts: Equatable {
    let alpha: Int
    let beta: Int
    var total: Int { alpha + beta }

    /// n_α = (N + 2S)/2, n_β = (N − 2S)/2.
    init(nuclearCharge: Int, charge: Int, spin: Int) throws {
        let n = nuclearCharge - charge
        guard n > 0 else { throw DFTError.noElectrons }
        guard spin >= 0, spin <= n, (n - spin) % 2 == 0 else { throw DFTError.impossibleSpin(electrons: n, spin: spin) }
        alpha = (n + spin) / 2
        beta = (n - spin) / 2
    }
}

/// D = Σ_i n_i C_μi C_νi for the occupied columns of C.
func densityMatrix(orbitals c: Matrix, occupations: [Double]) -> Matrix {
    let n = c.rows
    let occupied = occupations.indices.filter { occupations[$0] > 0 }
    var weighted = Matrix(rows: n, columns: occupied.count)
    var plain = Matrix(rows: n, columns: occupied.count)
    for (k, i) in occupied.enumerated() {
        let w = occupations[i]
        for mu in 0..<n { plain[mu, k] = c[mu, i]; weighted[mu, k] = w * c[mu, i] }
    }
    var d = Matrix(rows: n, columns: n)
    gemm(weighted, plain, transposeB: true, into: &d)
    return d.symmetrized
}

/// Aufbau occupations: the lowest `electrons` spin-orbitals, each holding `perOrbital`.
func aufbauOccupations(count: Int, electrons: Int, perOrbital: Double) -> [Double] {
    let filled = Int((Double(electrons) / perOrbital).rounded())
    return (0..<count).map { $0 < filled ? perOrbital : 0 }
}

/// Fractional occupations averaged over (near-)degenerate levels: used for spherically averaged
/// atoms in the superposition-of-atomic-densities guess.
func averagedOccupations(energies: [Double], electrons: Double, perOrbital: Double, degeneracy: Double = 1e-4) -> [Double] {
    var occ = [Double](repeating: 0, count: energies.count)
    var remaining = electrons
    var i = 0
    while i < energies.count && remaining > 1e-12 {
        var j = i
        while j + 1 < energies.count && abs(energies[j + 1] - energies[i]) < degeneracy { j += 1 }
        let group = Double(j - i + 1)
        let put = min(remaining, group * perOrbital)
        for k in i...j { occ[k] = put / group }
        remaining -= put
        i = j + 1
    }
    return occ
}
