import Foundation

/// The plane waves e^{i(k+G)·r}/√Ω of one k-point with ½|k+G|² ≤ Ecut.
public struct KPoint: Sendable {
    /// Reciprocal fractional coordinates.
    public let coordinate: SIMD3<Double>
    public let weight: Double
    /// Integer G (reciprocal fractional) per plane wave.
    public let gVectors: [SIMD3<Int>]
    /// Position of each plane wave on the FFT grid.
    let fftIndex: [Int]
    /// ½|k+G|² per plane wave.
    public let kinetic: [Double]
    /// Cartesian k+G per plane wave.
    let kPlusG: [SIMD3<Double>]
    /// At a time-reversal-invariant k (2k a reciprocal lattice vector): for each plane wave G the
    /// index of G' = −G − 2k, for which k + G' = −(k + G); nil elsewhere (`TimeReversalPairs`).
    let timeReversalPartner: [Int]?

    public var count: Int { gVectors.count }
}

/// The discretisation (DFTK's `PlaneWaveBasis`): cutoff, FFT grid, k-points.
public final class PlaneWaveBasis: @unchecked Sendable {
    public let model: Model
    public let ecut: Double
    public let fftSize: SIMD3<Int>
    public let kpoints: [KPoint]
    public let symmetries: [SymmetryOperation]
    let fft: FFTGrid
    /// Zero-padded transforms between the k-points' plane-wave spheres and the grid.
    let sphereFFT: SphereFFT
    /// Integer G of each FFT grid point (centred: −n/2 … (n−1)/2).
    let gridG: [SIMD3<Int>]
    /// |G|² on the FFT grid (Cartesian).
    let gridG2: [Double]
    /// Cartesian G on the FFT grid.
    let gridGCart: [SIMD3<Double>]
    /// The grid's orbits under the symmetries, when they map grid points onto grid points.
    let gridOrbits: GridSymmetryOrbits?

    public var gridCount: Int { fft.count }
    /// Volume element Ω/N of the real-space grid.
    public var dV: Double { model.volume / Double(fft.count) }

    public init(model: Model, ecut: Double, kpoints kset: KPointSet, fftSize: SIMD3<Int>? = nil) throws {
        guard ecut > 0, ecut.isFinite else { throw PlaneWaveError.badSettings("Ecut must be positive (got \(ecut))") }
        self.model = model
        self.ecut = ecut
        let size = fftSize ?? PlaneWaveDFT.fftSizeFor(lattice: model.lattice, ecut: ecut)
        guard size.x * size.y * size.z <= 400 * 400 * 400 else {
            throw PlaneWaveError.badSettings("FFT grid \(size) too large: lower Ecut or use a smaller cell")
        }
        self.fftSize = size
        self.symmetries = kset.symmetries
        fft = FFTGrid(size: size)
        func centred(_ i: Int, _ n: Int) -> Int { i < (n + 1) / 2 ? i : i - n }
        var gg: [SIMD3<Int>] = [], g2: [Double] = [], gc: [SIMD3<Double>] = []
        gg.reserveCapacity(fft.count); g2.reserveCapacity(fft.count); gc.reserveCapacity(fft.count)
        let b = model.reciprocalLattice
        for i in 0..<size.x { for j in 0..<size.y { for k in 0..<size.z {
            let g = SIMD3(centred(i, size.x), centred(j, size.y), centred(k, size.z))
            let c = b * SIMD3(Double(g.x), Double(g.y), Double(g.z))
            gg.append(g); gc.append(c); g2.append(vdot(c, c))
        } } }
        gridG = gg; gridG2 = g2; gridGCart = gc

        // Plane waves per k: bounds |G_i + k_i| ≤ √(2Ecut)|a_i|/2π.
        let gmax = (2 * ecut).squareRoot()
        let bounds = (0..<3).map { Int(ceil(gmax * vnorm(model.lattice.columns[$0]) / (2 * Double.pi))) + 1 }
        var kps: [KPoint] = []
        for (kc, w) in zip(kset.coordinates, kset.weights) {
            var gs: [SIMD3<Int>] = [], idx: [Int] = [], kin: [Double] = [], kg: [SIMD3<Double>] = []
            for a in -bounds[0]...bounds[0] { for bb in -bounds[1]...bounds[1] { for c in -bounds[2]...bounds[2] {
                let q = b * (SIMD3(Double(a), Double(bb), Double(c)) + kc)
                let e = 0.5 * vdot(q, q)
                guard e <= ecut else { continue }
                let i1 = ((a % size.x) + size.x) % size.x, i2 = ((bb % size.y) + size.y) % size.y
                let i3 = ((c % size.z) + size.z) % size.z
                gs.append(SIMD3(a, bb, c)); idx.append((i1 * size.y + i2) * size.z + i3)
                kin.append(e); kg.append(q)
            } } }
            kps.append(KPoint(coordinate: kc, weight: w, gVectors: gs, fftIndex: idx, kinetic: kin, kPlusG: kg,
                              timeReversalPartner: timeReversalPartners(k: kc, gVectors: gs)))
        }
        self.kpoints = kps
        var extent = SIMD3<Int>(0, 0, 0)
        for kp in kps { for g in kp.gVectors { extent = pointwiseMax(extent, SIMD3(abs(g.x), abs(g.y), abs(g.z))) } }
        sphereFFT = SphereFFT(size: size, extent: extent)
        gridOrbits = symmetries.count > 1 ? GridSymmetryOrbits(symmetries: symmetries, size: size) : nil
    }

    /// Symmetrises a real density made of orbitals (or mixtures of such): the average over each
    /// grid orbit (`GridSymmetryOrbits`) when the operations map the grid onto itself, else in
    /// Fourier space (`symmetrizeInFourierSpace`); the two agree to rounding on such densities.
    func symmetrize(_ rho: [Double]) -> [Double] {
        guard symmetries.count > 1 else { return rho }
        if let orbits = gridOrbits { return orbits.average(rho) }
        return symmetrizeInFourierSpace(rho)
    }

    /// Symmetrises a real density: ρ(x) ← (1/N_S) Σ_S ρ(Wx + w), done in Fourier space,
    /// ρ̂'(WᵀG) = (1/N_S) Σ_S ρ̂(G) e^{2πi G·w}. Components whose images leave the grid are dropped.
    /// The phase factorises over the axes, e^{2πi G·w} = Π_a e^{2πi g_a w_a}, so each operation needs
    /// three small tables instead of a sine and cosine per grid point.
    func symmetrizeInFourierSpace(_ rho: [Double]) -> [Double] {
        guard symmetries.count > 1 else { return rho }
        let rhat = fft.realToFourier(rho)
        let n = fftSize
        var out = [Double](repeating: 0, count: 2 * fft.count)
        var valid = [Int32](repeating: 0, count: fft.count)
        func centred(_ i: Int, _ m: Int) -> Int { i < (m + 1) / 2 ? i : i - m }
        let lo = SIMD3(-(n.x / 2), -(n.y / 2), -(n.z / 2)), hi = SIMD3((n.x + 1) / 2, (n.y + 1) / 2, (n.z + 1) / 2)
        rhat.withUnsafeBufferPointer { rh in out.withUnsafeMutableBufferPointer { o in valid.withUnsafeMutableBufferPointer { cnt in
            for op in symmetries {
                let w = op.rotation
                let shifted = op.translation != .zero
                // e^{2πi g w_a} per axis a and centred g.
                func table(_ a: Int, _ m: Int) -> [(Double, Double)] {
                    (0..<m).map { i in
                        let t = 2 * Double.pi * Double(centred(i, m)) * op.translation[a]
                        return (cos(t), sin(t))
                    }
                }
                let px = table(0, n.x), py = table(1, n.y), pz = table(2, n.z)
                let pzc = pz.map(\.0), pzs = pz.map(\.1)
                let (w00, w01, w02) = (w[0][0], w[0][1], w[0][2])
                let (w10, w11, w12) = (w[1][0], w[1][1], w[1][2])
                let (w20, w21, w22) = (w[2][0], w[2][1], w[2][2])
                let (n1, n2, n3) = (n.x, n.y, n.z)
                let (lo1, lo2, lo3, hi1, hi2, hi3) = (lo.x, lo.y, lo.z, hi.x, hi.y, hi.z)
                let half3 = (n3 + 1) / 2
                pzc.withUnsafeBufferPointer { zc in pzs.withUnsafeBufferPointer { zs in
                    var j = 0
                    for i1 in 0..<n1 {
                        let g1 = centred(i1, n1)
                        for i2 in 0..<n2 {
                            let g2 = centred(i2, n2)
                            let b0 = w00 * g1 + w10 * g2, b1 = w01 * g1 + w11 * g2, b2 = w02 * g1 + w12 * g2
                            let c12 = px[i1].0 * py[i2].0 - px[i1].1 * py[i2].1
                            let s12 = px[i1].0 * py[i2].1 + px[i1].1 * py[i2].0
                            for i3 in 0..<n3 {
                                let g3 = i3 < half3 ? i3 : i3 - n3
                                let q0 = b0 + w20 * g3, q1 = b1 + w21 * g3, q2 = b2 + w22 * g3
                                let src = j
                                j += 1
                                guard q0 >= lo1, q0 < hi1, q1 >= lo2, q1 < hi2, q2 >= lo3, q2 < hi3 else { continue }
                                let t = ((q0 < 0 ? q0 + n1 : q0) * n2 + (q1 < 0 ? q1 + n2 : q1)) * n3 + (q2 < 0 ? q2 + n3 : q2)
                                let re = rh[2 * src], im = rh[2 * src + 1]
                                if shifted {
                                    let c = c12 * zc[i3] - s12 * zs[i3], s = c12 * zs[i3] + s12 * zc[i3]
                                    o[2 * t] += re * c - im * s
                                    o[2 * t + 1] += re * s + im * c
                                } else {
                                    o[2 * t] += re; o[2 * t + 1] += im
                                }
                                cnt[t] += 1
                            }
                        }
                    }
                } }
            }
        } } }
        let ns = Int32(symmetries.count)
        let inv = 1 / Double(ns)
        for t in 0..<fft.count {
            if valid[t] == ns { out[2 * t] *= inv; out[2 * t + 1] *= inv } else { out[2 * t] = 0; out[2 * t + 1] = 0 }
        }
        return fft.fourierToReal(out)
    }
}

extension PlaneWaveDFT {
    static func fftSizeFor(lattice: Mat3, ecut: Double) -> SIMD3<Int> { fftSize(lattice: lattice, ecut: ecut) }
}
