import Foundation

/// Averages forces over space-group operations x ↦ W x + w (fractional coordinates):
///
///   F'_b = (1/N_S) Σ_S R_S F_a,   b = S(a),   R_S = A W A⁻¹ (Cartesian rotation, A = lattice columns).
///
/// Forces summed over irreducible k-points are only correct after this average (the density-
/// derived local part is already symmetric; the nonlocal part is not). The operations must be
/// symmetries of the model; an atom whose image is not an atom of the same species throws.
func symmetrizeForces(_ forces: [SIMD3<Double>], model: Model, symmetries: [SymmetryOperation],
                      tolerance: Double = 1e-4) throws -> [SIMD3<Double>] {
    guard symmetries.count > 1 else { return forces }
    let a = model.lattice, ainv = a.inverse
    var out = [SIMD3<Double>](repeating: .zero, count: forces.count)
    for op in symmetries {
        let w = Mat3(rows: op.rotation.map { SIMD3(Double($0[0]), Double($0[1]), Double($0[2])) })
        let r = a * w * ainv
        for i in 0..<model.atomCount {
            let image = w * model.positions[i] + op.translation
            let target = (0..<model.atomCount).first { j in
                guard model.species[j] == model.species[i], model.atomicNumbers[j] == model.atomicNumbers[i] else { return false }
                var d = image - model.positions[j]
                d -= d.rounded(.toNearestOrAwayFromZero)
                return vnorm(a * d) < tolerance
            }
            guard let j = target else {
                throw PlaneWaveError.numerical("symmetry operation does not map atom \(i) onto an equivalent atom")
            }
            out[j] += r * forces[i]
        }
    }
    return out.map { $0 / Double(symmetries.count) }
}
