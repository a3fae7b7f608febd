/// Time-reversal pairs of plane waves at a time-reversal-invariant k-point.
///
/// When 2k is a reciprocal lattice vector K (Γ, and the zone-boundary points with every reciprocal
/// fractional coordinate 0 or ½), k + G and k + G' with G' = −G − K are opposite, and a
/// time-reversal-symmetric Hamiltonian (real local potential, GTH projectors) has real
/// eigenfunctions ψ(r) = Σ_G c_G e^{i(k+G)·r}: c_{G'} = c_G*. Coefficient vectors with that property
/// ("time-reversal real") have real inner products Re(xᴴy) and stay so under real linear
/// combinations and H, so the eigensolver's small matrices are real, and two of them share one
/// complex FFT (ABINIT's `istwfk` > 1 storage uses the same symmetry to halve the sphere).
///
/// Returns, per plane wave, the index of its partner (itself only for G = 0 at Γ), or nil when k is
/// not time-reversal invariant.
func timeReversalPartners(k: SIMD3<Double>, gVectors: [SIMD3<Int>]) -> [Int]? {
    let twiceK = 2 * k
    let rounded = twiceK.rounded(.toNearestOrAwayFromZero)
    guard ((twiceK - rounded) * (twiceK - rounded)).sum() < 1e-20 else { return nil }
    let kk = SIMD3(Int(rounded.x), Int(rounded.y), Int(rounded.z))
    var position: [SIMD3<Int>: Int] = [:]
    position.reserveCapacity(gVectors.count)
    for (i, g) in gVectors.enumerated() { position[g] = i }
    var partner = [Int](repeating: 0, count: gVectors.count)
    for (i, g) in gVectors.enumerated() {
        // The sphere ½|k+G|² ≤ Ecut is symmetric under k + G ↦ −(k + G), so the partner exists.
        guard let j = position[0 &- g &- kk] else { return nil }
        partner[i] = j
    }
    return partner
}

extension ComplexMatrix {
    /// Projects every column onto the time-reversal-real vectors: x_G ← (x_G + x*_{G'})/2.
    mutating func makeTimeReversalReal(partner: [Int]) {
        precondition(partner.count == rows)
        for n in 0..<columns {
            let off = 2 * rows * n
            for g in 0..<rows where partner[g] >= g {
                let a = off + 2 * g, b = off + 2 * partner[g]
                let re = 0.5 * (data[a] + data[b]), im = 0.5 * (data[a + 1] - data[b + 1])
                data[a] = re; data[a + 1] = im
                data[b] = re; data[b + 1] = -im
            }
        }
    }
}
