/// The real-space FFT grid partitioned into orbits of the space group, for symmetrising a density
/// as an average over each orbit: ρ'(x) = (1/N_S) Σ_S ρ(W x + w) = mean of ρ over the orbit of x
/// (every member of an orbit is reached by the same number of operations, N_S / |orbit|).
///
/// Exists only when every operation maps grid points onto grid points: for x = (i_a / n_a),
/// (W x + w)_a · n_a = Σ_b W_ab i_b n_a / n_b + w_a n_a must be an integer for all i, i.e. n_b
/// divides W_ab n_a and w_a n_a is an integer. Then the average is a gather over integer indices,
/// O(N) per call instead of an FFT pair and O(N_S N) phase products (ABINIT symmetrises on the
/// grid the same way, `irrzon`). For a density made of orbitals it equals the Fourier-space
/// symmetrisation `ρ̂'(WᵀG) = (1/N_S) Σ_S ρ̂(G) e^{2πi G·w}` to rounding: such a density has
/// components only inside the sphere |G| ≤ 2√(2 Ecut), which the operations map onto itself and the
/// grid holds, so no component is aliased.
struct GridSymmetryOrbits: Sendable {
    /// Grid indices (i1·n2 + i2)·n3 + i3 ordered by orbit.
    let members: [Int32]
    /// Orbit o holds members[start[o] ..< start[o + 1]].
    let start: [Int32]

    var orbitCount: Int { start.count - 1 }

    /// The orbits, or nil when some operation does not map the grid onto itself.
    init?(symmetries: [SymmetryOperation], size: SIMD3<Int>) {
        let n = [size.x, size.y, size.z]
        var shifts: [[Int]] = []
        for op in symmetries {
            var shift = [0, 0, 0]
            for a in 0..<3 {
                for b in 0..<3 where op.rotation[a][b] != 0 {
                    guard (op.rotation[a][b] * n[a]) % n[b] == 0 else { return nil }
                }
                let t = op.translation[a] * Double(n[a])
                let r = t.rounded()
                guard abs(t - r) < 1e-6 else { return nil }
                shift[a] = Int(r)
            }
            shifts.append(shift)
        }
        let count = size.x * size.y * size.z
        // Per operation: image index = Σ_b coefficient[a][b] i_b + shift_a, per axis, then wrapped.
        let coefficients = symmetries.map { op in
            (0..<3).map { a in (0..<3).map { b in op.rotation[a][b] * n[a] / n[b] } }
        }
        var seen = [Bool](repeating: false, count: count)
        var members: [Int32] = [], start: [Int32] = [0]
        members.reserveCapacity(count)
        var orbit: [Int] = []
        for j in 0..<count where !seen[j] {
            let i = [j / (n[1] * n[2]), (j / n[2]) % n[1], j % n[2]]
            orbit.removeAll(keepingCapacity: true)
            for (c, s) in zip(coefficients, shifts) {
                var image = 0
                for a in 0..<3 {
                    var v = (c[a][0] * i[0] + c[a][1] * i[1] + c[a][2] * i[2] + s[a]) % n[a]
                    if v < 0 { v += n[a] }
                    image = image * n[a] + v
                }
                if !seen[image] { seen[image] = true; orbit.append(image) }
            }
            if !seen[j] { seen[j] = true; orbit.append(j) }
            members.append(contentsOf: orbit.map { Int32($0) })
            start.append(Int32(members.count))
        }
        self.members = members
        self.start = start
    }

    /// Replaces each value by the mean over its orbit.
    func average(_ rho: [Double]) -> [Double] {
        var out = rho
        members.withUnsafeBufferPointer { m in start.withUnsafeBufferPointer { s in
            rho.withUnsafeBufferPointer { r in out.withUnsafeMutableBufferPointer { o in
                for orbit in 0..<(s.count - 1) {
                    let lo = Int(s[orbit]), hi = Int(s[orbit + 1])
                    if hi - lo == 1 { continue }
                    var sum = 0.0
                    for k in lo..<hi { sum += r[Int(m[k])] }
                    let mean = sum / Double(hi - lo)
                    for k in lo..<hi { o[Int(m[k])] = mean }
                }
            } }
        } }
        return out
    }
}
