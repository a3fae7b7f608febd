import Foundation

/// The Kohn-Sham Hamiltonian of one k-point: H = ½|k+G|² + V_loc(r) + B D Bᴴ.
struct KPointHamiltonian {
    let basis: PlaneWaveBasis
    let kpoint: KPoint
    /// Total local potential on the real-space grid.
    let potential: [Double]
    let nonlocal: NonlocalProjectors

    var size: Int { kpoint.count }

    /// Apply H to time-reversal-real vectors two at a time through one FFT pair
    /// (`applyLocalInPairs`); set by the SCF at time-reversal-invariant k-points, whose orbitals it
    /// keeps time-reversal real.
    var timeReversalReal = false

    /// The eigensolver's block products for this k-point's orbitals: real when they are kept
    /// time-reversal real.
    var blockAlgebra: BlockAlgebra {
        BlockAlgebra(timeReversalPartner: timeReversalReal ? kpoint.timeReversalPartner : nil)
    }

    /// H X for a block of columns. The local potential acts on the grid through zero-padded FFTs
    /// (`SphereFFT`), the kinetic term on the coefficients, the nonlocal one as B (D (Bᴴ X)).
    func apply(_ x: ComplexMatrix) -> ComplexMatrix {
        precondition(x.rows == kpoint.count)
        var y = ComplexMatrix(rows: kpoint.count, columns: x.columns)
        let firstSingle: Int
        if timeReversalReal, let partner = kpoint.timeReversalPartner {
            firstSingle = applyLocalInPairs(x, partner: partner, into: &y)
        } else {
            firstSingle = 0
        }
        applyLocalSingly(x, columns: firstSingle..<x.columns, into: &y)
        if nonlocal.count > 0 && x.columns > 0 {
            let p = zgemm(nonlocal.b, x, adjointA: true)
            let dp = zgemm(nonlocal.d, p)
            zgemm(nonlocal.b, dp, alpha: 1, beta: 1, into: &y)
        }
        return y
    }

    /// Columns `range` of y ← (T + V_loc) x, one FFT pair per column.
    private func applyLocalSingly(_ x: ComplexMatrix, columns range: Range<Int>, into y: inout ComplexMatrix) {
        let npw = kpoint.count
        let fft = basis.sphereFFT
        let buf = fft.buffer
        let n = fft.count
        let scale = 1.0 / Double(n)
        kpoint.fftIndex.withUnsafeBufferPointer { idx in kpoint.kinetic.withUnsafeBufferPointer { kin in
            potential.withUnsafeBufferPointer { v in x.data.withUnsafeBufferPointer { xp in y.data.withUnsafeMutableBufferPointer { yp in
                for col in range {
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
            } } }
        } }
    }

    /// y ← (T + V_loc) x for time-reversal-real columns, two per FFT pair: z = x_a + i x_b goes to
    /// the grid as u_a + i u_b; V is real, so the sphere coefficients d of V(u_a + i u_b) are those
    /// of V u_a + i V u_b, both time-reversal real, and they separate through the partner G' of G:
    /// (V u_a)_G = (d_G + d*_G')/2, (V u_b)_G = (d_G − d*_G')/(2i). Returns the first column left
    /// (the last one when the count is odd).
    private func applyLocalInPairs(_ x: ComplexMatrix, partner: [Int], into y: inout ComplexMatrix) -> Int {
        let npw = kpoint.count
        let fft = basis.sphereFFT
        let buf = fft.buffer
        let n = fft.count
        let scale = 1.0 / Double(n)
        let pairs = x.columns / 2
        var z = [Double](repeating: 0, count: 2 * npw)
        kpoint.fftIndex.withUnsafeBufferPointer { idx in kpoint.kinetic.withUnsafeBufferPointer { kin in
            partner.withUnsafeBufferPointer { pp in potential.withUnsafeBufferPointer { v in
                x.data.withUnsafeBufferPointer { xp in y.data.withUnsafeMutableBufferPointer { yp in z.withUnsafeMutableBufferPointer { zp in
                    for pair in 0..<pairs {
                        let a = 2 * npw * (2 * pair), b = a + 2 * npw
                        for g in 0..<npw {
                            zp[2 * g] = xp[a + 2 * g] - xp[b + 2 * g + 1]
                            zp[2 * g + 1] = xp[a + 2 * g + 1] + xp[b + 2 * g]
                        }
                        fft.sphereToGrid(UnsafePointer(zp.baseAddress!), index: idx)
                        for j in 0..<n { buf[2 * j] *= v[j]; buf[2 * j + 1] *= v[j] }
                        fft.gridToSphere()
                        for g in 0..<npw {
                            let k = 2 * idx[g], kp = 2 * idx[pp[g]]
                            let (dr, di) = (buf[k], buf[k + 1]), (pr, pi) = (buf[kp], buf[kp + 1])
                            let t = kin[g], h = 0.5 * scale
                            yp[a + 2 * g] = h * (dr + pr) + t * xp[a + 2 * g]
                            yp[a + 2 * g + 1] = h * (di - pi) + t * xp[a + 2 * g + 1]
                            yp[b + 2 * g] = h * (di + pi) + t * xp[b + 2 * g]
                            yp[b + 2 * g + 1] = h * (pr - dr) + t * xp[b + 2 * g + 1]
                        }
                    }
                } } }
            } }
        } }
        return 2 * pairs
    }

    /// The full Hamiltonian matrix (for small bases and tests).
    func denseMatrix() -> ComplexMatrix {
        var h = self
        h.timeReversalReal = false   // the unit vectors are not time-reversal real
        var identity = ComplexMatrix(rows: size, columns: size)
        for i in 0..<size { identity[i, i] = (1, 0) }
        var m = h.apply(identity)
        m.hermitianize()
        return m
    }
}

/// Density of orbitals on the grid: Σ_k w_k Σ_n f_nk |ψ_nk(r)|², symmetrised. At
/// time-reversal-invariant k-points with time-reversal-real orbitals (`timeReversalReal`), two
/// orbitals share one transform: |√f_a u_a + i √f_b u_b|² = f_a |u_a|² + f_b |u_b|², because
/// u_a* u_b = ψ_a ψ_b is real.
func computeDensity(basis: PlaneWaveBasis, orbitals: [ComplexMatrix], occupations: [[Double]],
                    timeReversalReal: Bool = false) -> [Double] {
    let fft = basis.fft
    var rho = [Double](repeating: 0, count: fft.count)
    let invVol = 1 / basis.model.volume
    let sphere = basis.sphereFFT
    let buf = sphere.buffer
    rho.withUnsafeMutableBufferPointer { r in
        for (ik, kp) in basis.kpoints.enumerated() {
            let npw = kp.count
            var bands = occupations[ik].indices.filter { occupations[ik][$0] > 0 }
            let paired = timeReversalReal && kp.timeReversalPartner != nil
            kp.fftIndex.withUnsafeBufferPointer { idx in
                orbitals[ik].data.withUnsafeBufferPointer { x in
                    if paired {
                        var z = [Double](repeating: 0, count: 2 * npw)
                        while bands.count >= 2 {
                            let na = bands.removeFirst(), nb = bands.removeFirst()
                            let sa = (kp.weight * occupations[ik][na] * invVol).squareRoot()
                            let sb = (kp.weight * occupations[ik][nb] * invVol).squareRoot()
                            let a = 2 * npw * na, b = 2 * npw * nb
                            for g in 0..<npw {
                                z[2 * g] = sa * x[a + 2 * g] - sb * x[b + 2 * g + 1]
                                z[2 * g + 1] = sa * x[a + 2 * g + 1] + sb * x[b + 2 * g]
                            }
                            z.withUnsafeBufferPointer { sphere.sphereToGrid($0.baseAddress!, index: idx) }
                            for j in 0..<fft.count { r[j] += buf[2 * j] * buf[2 * j] + buf[2 * j + 1] * buf[2 * j + 1] }
                        }
                    }
                    for n in bands {
                        let f = kp.weight * occupations[ik][n] * invVol
                        sphere.sphereToGrid(x.baseAddress! + 2 * npw * n, index: idx)
                        for j in 0..<fft.count { r[j] += f * (buf[2 * j] * buf[2 * j] + buf[2 * j + 1] * buf[2 * j + 1]) }
                    }
                }
            }
        }
    }
    return basis.symmetrize(rho)
}
