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
    /// Integer G of each FFT grid point (centred: −n/2 … (n−1)/2).
    let gridG: [SIMD3<Int>]
    /// |G|² on the FFT grid (Cartesian).
    let gridG2: [Double]
    /// Cartesian G on the FFT grid.
    let gridGCart: [SIMD3<Double>]

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
            kps.append(KPoint(coordinate: kc, weight: w, gVectors: gs, fftIndex: idx, kinetic: kin, kPlusG: kg))
        }
        self.kpoints = kps
    }

    /// Symmetrises a real density: ρ(x) ← (1/N_S) Σ_S ρ(Wx + w), done in Fourier space,
    /// ρ̂'(G') = (1/N_S) Σ_S ρ̂(W⁻ᵀG') e^{2πi (W⁻ᵀG')·w}. Components whose images leave the grid are dropped.
    func symmetrize(_ rho: [Double]) -> [Double] {
        guard symmetries.count > 1 else { return rho }
        let rhat = fft.realToFourier(rho)
        var out = [Double](repeating: 0, count: 2 * fft.count)
        let n = fftSize
        // Wᵀ maps G → G' = Wᵀ G; accumulate ρ̂(G) e^{2πi G·w} into G'.
        var valid = [Int](repeating: 0, count: fft.count)
        for op in symmetries {
            for j in 0..<fft.count {
                let g = gridG[j]
                let gp = op.rotateReciprocal(g)
                guard gp.x >= -(n.x / 2), gp.x < (n.x + 1) / 2, gp.y >= -(n.y / 2), gp.y < (n.y + 1) / 2,
                      gp.z >= -(n.z / 2), gp.z < (n.z + 1) / 2 else { continue }
                let t = (((gp.x + n.x) % n.x) * n.y + ((gp.y + n.y) % n.y)) * n.z + ((gp.z + n.z) % n.z)
                let phase = 2 * Double.pi * (Double(g.x) * op.translation.x + Double(g.y) * op.translation.y
                                             + Double(g.z) * op.translation.z)
                let c = cos(phase), s = sin(phase)
                let re = rhat[2 * j], im = rhat[2 * j + 1]
                out[2 * t] += re * c - im * s
                out[2 * t + 1] += re * s + im * c
                valid[t] += 1
            }
        }
        let ns = symmetries.count
        for t in 0..<fft.count {
            if valid[t] == ns { out[2 * t] /= Double(ns); out[2 * t + 1] /= Double(ns) } else { out[2 * t] = 0; out[2 * t + 1] = 0 }
        }
        return fft.fourierToReal(out)
    }
}

extension PlaneWaveDFT {
    static func fftSizeFor(lattice: Mat3, ecut: Double) -> SIMD3<Int> { fftSize(lattice: lattice, ecut: ecut) }
}
