import CFFTW
import Foundation

enum FFTWPlanner {
    /// FFTW's planner is not thread-safe.
    static let lock = NSLock()
}

/// Smallest n' ≥ n of the form 2^a 3^b 5^c.
public func nextFFTSize(_ n: Int) -> Int {
    var m = max(1, n)
    while true {
        var r = m
        for p in [2, 3, 5] { while r % p == 0 { r /= p } }
        if r == 1 { return m }
        m += 1
    }
}

/// FFT grid size for a cutoff: the density sphere |G| ≤ 2√(2 Ecut) must fit, so along a_i
/// the grid holds |G_i| ≤ ⌈2√(2Ecut)|a_i|/2π⌉, giving 2·that + 1 points, rounded up to 2^a3^b5^c.
public func fftSize(lattice: Mat3, ecut: Double, supersampling: Double = 2) -> SIMD3<Int> {
    let gmax = supersampling * (2 * ecut).squareRoot()
    var out = SIMD3<Int>(0, 0, 0)
    for i in 0..<3 {
        let bound = Int(ceil(gmax * vnorm(lattice.columns[i]) / (2 * Double.pi) - 1e-8))
        out[i] = nextFFTSize(2 * bound + 1)
    }
    return out
}

/// A 3D complex FFT on a fixed grid with its own aligned work buffer.
///
/// Index of grid point (i1, i2, i3) is (i1·n2 + i2)·n3 + i3 (row-major, FFTW's layout).
/// `backward` computes f(r_j) = Σ_G f̂(G) e^{+2πi G·j/N}; `forward` the sum with e^{−…}
/// (neither is normalised).
final class FFTGrid: @unchecked Sendable {
    let size: SIMD3<Int>
    let count: Int
    /// Interleaved complex work buffer of `count` entries.
    let buffer: UnsafeMutablePointer<Double>
    private let forwardPlan: OpaquePointer
    private let backwardPlan: OpaquePointer

    init(size: SIMD3<Int>) {
        self.size = size
        count = size.x * size.y * size.z
        let raw = fftw_malloc(MemoryLayout<Double>.stride * 2 * count)!
        buffer = raw.bindMemory(to: Double.self, capacity: 2 * count)
        buffer.initialize(repeating: 0, count: 2 * count)
        let c = UnsafeMutableRawPointer(buffer).assumingMemoryBound(to: (Double, Double).self)
        FFTWPlanner.lock.lock()
        forwardPlan = fftw_plan_dft_3d(Int32(size.x), Int32(size.y), Int32(size.z), c, c, cfftw_forward(), cfftw_estimate())!
        backwardPlan = fftw_plan_dft_3d(Int32(size.x), Int32(size.y), Int32(size.z), c, c, cfftw_backward(), cfftw_estimate())!
        FFTWPlanner.lock.unlock()
    }

    deinit {
        FFTWPlanner.lock.lock()
        fftw_destroy_plan(forwardPlan)
        fftw_destroy_plan(backwardPlan)
        FFTWPlanner.lock.unlock()
        fftw_free(buffer)
    }

    func forward() { fftw_execute(forwardPlan) }
    func backward() { fftw_execute(backwardPlan) }

    func clear() { buffer.update(repeating: 0, count: 2 * count) }

    /// Real array → Fourier coefficients f̂(G) = (1/N) Σ_j f(r_j) e^{−iG·r_j} (interleaved).
    func realToFourier(_ f: [Double]) -> [Double] {
        for j in 0..<count { buffer[2 * j] = f[j]; buffer[2 * j + 1] = 0 }
        forward()
        let s = 1.0 / Double(count)
        return [Double](unsafeUninitializedCapacity: 2 * count) { out, n in
            for j in 0..<(2 * count) { out[j] = buffer[j] * s }
            n = 2 * count
        }
    }

    /// Fourier coefficients (interleaved) → real part of Σ_G f̂(G) e^{iG·r}.
    func fourierToReal(_ fhat: [Double]) -> [Double] {
        fhat.withUnsafeBufferPointer { p in buffer.update(from: p.baseAddress!, count: 2 * count) }
        backward()
        return [Double](unsafeUninitializedCapacity: count) { out, n in
            for j in 0..<count { out[j] = buffer[2 * j] }
            n = count
        }
    }
}
