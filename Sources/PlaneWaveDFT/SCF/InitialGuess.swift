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
func subspaceGuess(hamiltonian h: KPointHamiltonian, bands: Int, subspaceSize: Int) throws -> ComplexMatrix {
    let kp = h.kpoint
    let npw = kp.count
    let m = min(npw, max(subspaceSize, bands))
    // Plane waves of lowest kinetic energy (ties broken by index: deterministic).
    let chosen = (0..<npw).sorted { (kp.kinetic[$0], $0) < (kp.kinetic[$1], $1) }.prefix(m).map { $0 }
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
    let (_, vectors) = try hermitianEigen(dense)
    var out = ComplexMatrix(rows: npw, columns: bands)
    for n in 0..<bands { for (a, ga) in chosen.enumerated() { out[ga, n] = vectors[a, n] } }
    return out
}
