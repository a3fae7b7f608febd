import Foundation

/// Starting orbitals for the first eigensolve: the lowest eigenvectors of H restricted to the
/// `subspaceSize` plane waves of lowest kinetic energy ½|k+G|², found by dense diagonalisation and
/// padded with zeros. In that subspace
///     H_GG' = ½|k+G|² δ_GG' + V̂(G − G') + Σ_pq B[G,p] D_pq B*[G',q],
/// with V̂ the Fourier coefficients of the local potential on the grid (V(r) = Σ_G V̂(G) e^{iG·r});
/// G − G' stays inside the FFT box (it holds the density sphere, twice the orbitals' radius), so
/// these are exactly the matrix elements `KPointHamiltonian.apply` uses. Much better than random
/// vectors: the first SCF step's LOBPCG starts near the low-lying states (cf. the subspace
/// diagonalisation used for starting wavefunctions in Quantum ESPRESSO's `wfcinit`).
///
/// When `h.timeReversalReal`, the subspace is closed under time-reversal partners and the
/// eigenvectors are time-reversal real (`timeReversalRealBasis`). With `subspaceSize` ≥ the number
/// of plane waves this is the exact dense diagonalisation (LAPACK), which the SCF uses for small
/// bases. Returns the `bands` lowest eigenvectors and their eigenvalues (Ha).
func subspaceGuess(hamiltonian h: KPointHamiltonian, bands: Int, subspaceSize: Int) throws -> (vectors: ComplexMatrix, values: [Double]) {
    let kp = h.kpoint
    let npw = kp.count
    // Plane waves of lowest kinetic energy (ties broken by index: deterministic).
    var chosen = (0..<npw).sorted { (kp.kinetic[$0], $0) < (kp.kinetic[$1], $1) }.prefix(min(npw, max(subspaceSize, bands))).map { $0 }
    let partner = h.timeReversalReal ? kp.timeReversalPartner : nil
    if let partner {
        let inside = Set(chosen)
        chosen += chosen.map { partner[$0] }.filter { !inside.contains($0) }
    }
    let m = chosen.count
    let basis = h.basis
    let size = basis.fftSize
    let vhat = basis.fft.realToFourier(h.potential)
    var dense = ComplexMatrix(rows: m, columns: m)
    for (b, gb) in chosen.enumerated() {
        let g2 = kp.gVectors[gb]
        for (a, ga) in chosen.enumerated() {
            let d = kp.gVectors[ga] &- g2
            let i1 = (d.x % size.x + size.x) % size.x, i2 = (d.y % size.y + size.y) % size.y, i3 = (d.z % size.z + size.z) % size.z
            let j = (i1 * size.y + i2) * size.z + i3
            dense.data[2 * (a + b * m)] = vhat[2 * j]
            dense.data[2 * (a + b * m) + 1] = vhat[2 * j + 1]
        }
        dense.data[2 * (b + b * m)] += kp.kinetic[gb]
    }
    let nl = h.nonlocal
    if nl.count > 0 {
        var bsub = ComplexMatrix(rows: m, columns: nl.count)
        for p in 0..<nl.count { for (a, ga) in chosen.enumerated() { bsub[a, p] = nl.b[ga, p] } }
        let dbh = zgemm(nl.d, bsub, adjointB: true)
        zgemm(bsub, dbh, alpha: 1, beta: 1, into: &dense)
    }
    dense.hermitianize()
    var vectors: ComplexMatrix
    var values: [Double]
    if let partner {
        // U with time-reversal-real columns spanning the subspace: Uᴴ H U is real symmetric.
        let position = Dictionary(uniqueKeysWithValues: chosen.enumerated().map { ($0.element, $0.offset) })
        let local = chosen.map { position[partner[$0]]! }
        let u = timeReversalRealBasis(partner: local)
        let reduced = zgemm(u, zgemm(dense, u), adjointA: true)
        let eigen = try BlockAlgebra(timeReversalPartner: local).eigen(reduced)
        vectors = zgemm(u, eigen.vectors); values = eigen.values
    } else {
        (values, vectors) = try hermitianEigen(dense)
    }
    var out = ComplexMatrix(rows: npw, columns: bands)
    for n in 0..<bands { for (a, ga) in chosen.enumerated() { out[ga, n] = vectors[a, n] } }
    return (out, Array(values.prefix(bands)))
}

/// A unitary matrix whose columns are time-reversal real for the pairing `partner` (an involution
/// on 0..<n): (e_a + e_b)/√2 and i(e_a − e_b)/√2 for each pair a < b = partner[a], e_a when
/// a = partner[a]. A Hermitian, time-reversal-symmetric H (H_{a'b'} = H*_{ab}) becomes real
/// symmetric in this basis.
func timeReversalRealBasis(partner: [Int]) -> ComplexMatrix {
    let n = partner.count
    var u = ComplexMatrix(rows: n, columns: n)
    let r = 0.5.squareRoot()
    var column = 0
    for a in 0..<n where partner[a] >= a {
        let b = partner[a]
        if a == b {
            u[a, column] = (1, 0); column += 1
        } else {
            u[a, column] = (r, 0); u[b, column] = (r, 0)
            u[a, column + 1] = (0, r); u[b, column + 1] = (0, -r)
            column += 2
        }
    }
    precondition(column == n, "partner is not an involution")
    return u
}
