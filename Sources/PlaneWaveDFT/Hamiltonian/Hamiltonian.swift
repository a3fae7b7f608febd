import Foundation

/// The Kohn-Sham Hamiltonian of one k-point: H = ½|k+G|² + V_loc(r) + B D Bᴴ.
struct KPointHamiltonian {
    let basis: PlaneWaveBasis
    let kpoint: KPoint
    /// Total local potential on the real-space grid.
    let potential: [Double]
    let nonlocal: NonlocalProjectors

    var size: Int { kpoint.count }

    /// H X for a block of columns. The local potential acts on the grid through zero-padded FFTs
    /// (`SphereFFT`), the kinetic term on the coefficients, the nonlocal one as B (D (Bᴴ X)).
    func apply(_ x: ComplexMatrix) -> ComplexMatrix {
        precondition(x.rows == kpoint.count)
        let npw = kpoint.count
        var y = ComplexMatrix(rows: npw, columns: x.columns)
        let fft = basis.sphereFFT
        let buf = fft.buffer
        let n = fft.count
        let scale = 1.0 / Double(n)
        kpoint.fftIndex.withUnsafeBufferPointer { idx in
            kpoint.kinetic.withUnsafeBufferPointer { kin in
                potential.withUnsafeBufferPointer { v in
                    x.data.withUnsafeBufferPointer { xp in
                        y.data.withUnsafeMutableBufferPointer { yp in
                            for col in 0..<x.columns {
                                let off = 2 * npw * col
                                fft.sphereToGrid(xp.baseAddress! + off, index: idx)
                                for j in 0..<n { buf[2 * j] *= v[j]; buf[2 * j + 1] *= v[j] }
                                fft.gridToSphere()
                                for g in 0..<npw {
                                    let t = kin[g], k = 2 * idx[g]
                                    yp[off + 2 * g] = buf[k] * scale + t * xp[off + 2 * g]
                                    yp[off + 2 * g + 1] = buf[k + 1] * scale + t * xp[off + 2 * g + 1]
                                }
                            }
                        }
                    }
                }
            }
        }
        if nonlocal.count > 0 && x.columns > 0 {
            let p = zgemm(nonlocal.b, x, adjointA: true)
            let dp = zgemm(nonlocal.d, p)
            zgemm(nonlocal.b, dp, alpha: 1, beta: 1, into: &y)
        }
        return y
    }

    /// The full Hamiltonian matrix (for small bases and tests).
    func denseMatrix() -> ComplexMatrix {
        var identity = ComplexMatrix(rows: size, columns: size)
        for i in 0..<size { identity[i, i] = (1, 0) }
        var h = apply(identity)
        h.hermitianize()
        return h
    }
}

/// Density of orbitals on the grid: Σ_k w_k Σ_n f_nk |ψ_nk(r)|², symmetrised.
func computeDensity(basis: PlaneWaveBasis, orbitals: [ComplexMatrix], occupations: [[Double]]) -> [Double] {
    let fft = basis.fft
    var rho = [Double](repeating: 0, count: fft.count)
    let invVol = 1 / basis.model.volume
    let sphere = basis.sphereFFT
    let buf = sphere.buffer
    rho.withUnsafeMutableBufferPointer { r in
        for (ik, kp) in basis.kpoints.enumerated() {
            kp.fftIndex.withUnsafeBufferPointer { idx in
                orbitals[ik].data.withUnsafeBufferPointer { x in
                    for n in 0..<occupations[ik].count where occupations[ik][n] > 0 {
                        let f = kp.weight * occupations[ik][n] * invVol
                        sphere.sphereToGrid(x.baseAddress! + 2 * kp.count * n, index: idx)
                        for j in 0..<fft.count { r[j] += f * (buf[2 * j] * buf[2 * j] + buf[2 * j + 1] * buf[2 * j + 1]) }
                    }
                }
            }
        }
    }
    return basis.symmetrize(rho)
}
