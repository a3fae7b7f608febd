import ChemistryCore

/// Monkhorst-Pack grid size from a k-point spacing (VASP's KSPACING convention):
/// n_i = max(1, ⌈2π |b_i| / spacing⌉), with b_i the reciprocal lattice vectors without the 2π
/// (a_i · b_j = δ_ij), lattice in Å and spacing in Å⁻¹; at most `maximum` per axis.
/// Example: fcc Si (a = 5.43 Å, |b_i| = √3/a) with spacing 0.35 Å⁻¹ gives 6×6×6.
public func monkhorstPackSize(lattice rows: [SIMD3<Double>], spacing: Double, maximum: Int = 64) throws -> SIMD3<Int> {
    guard spacing > 0, spacing.isFinite else {
        throw PlaneWaveError.badSettings("k-point spacing must be positive (Å⁻¹), got \(spacing)")
    }
    guard rows.count == 3 else { throw PlaneWaveError.notPeriodic("a k-grid needs three lattice vectors") }
    let lattice = Mat3(columns: rows)
    let det = lattice.determinant
    guard det.isFinite, abs(det) > 1e-12 else { throw PlaneWaveError.badCell("cell volume is zero") }
    // Rows of L⁻¹ (L with the a_i as columns) are the b_j: a_i · b_j = δ_ij.
    let inv = lattice.inverse.transposed
    var n = SIMD3<Int>(1, 1, 1)
    for j in 0..<3 {
        let b = vnorm(inv.columns[j])
        n[j] = min(maximum, max(1, Int((2 * Double.pi * b / spacing).rounded(.up))))
    }
    return n
}
