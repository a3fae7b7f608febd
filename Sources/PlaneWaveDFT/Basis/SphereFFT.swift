import CFFTW
import Foundation

/// Zero-padded 3D FFTs between plane-wave spheres and the real-space grid.
///
/// A wavefunction's coefficients occupy only |G_i| ≤ m_i, about a quarter of each axis of a grid
/// made for the density (supersampling 2). Going to real space (f(r) = Σ_G c_G e^{iG·r}, FFTW's
/// backward sign), the 1D transforms along the first axis are needed only in the columns with
/// |G_2| ≤ m_2 and |G_3| ≤ m_3 (a quarter of all columns), those along the second axis only in the
/// planes |G_3| ≤ m_3 (half of them), those along the third axis everywhere. Coming back
/// (forward sign) the same transforms run in the reverse order, because only components inside
/// the sphere are kept. The result is the full 3D transform's to rounding, with ~40% fewer
/// operations (ABINIT's and Goedecker's "zero-padded" FFTs, e.g. Goedecker, Boulet & Deutsch,
/// Comput. Phys. Commun. 154, 105 (2003)).
///
/// Grid index (i1·n2 + i2)·n3 + i3 as `FFTGrid`; the object owns its work buffer and is not
/// thread-safe (one per thread).
final class SphereFFT: @unchecked Sendable {
    let size: SIMD3<Int>
    let count: Int
    /// Largest |G_i| of any plane wave (reciprocal fractional components).
    let extent: SIMD3<Int>
    /// Interleaved complex work buffer of `count` entries (16-byte aligned by fftw_malloc).
    let buffer: UnsafeMutablePointer<Double>
    /// Plans in execution order for G → r; the forward ones are run in reverse order for r → G.
    private var backwardPlans: [OpaquePointer] = []
    private var forwardPlans: [OpaquePointer] = []

    /// Index ranges [start, start + count) covering |g| ≤ m on an axis of n points (wrapped
    /// storage: 0…m, then n − m … n − 1); the whole axis when the sphere does not leave a gap.
    static func pieces(extent m: Int, n: Int) -> [(start: Int, count: Int)] {
        if 2 * m + 1 >= n { return [(0, n)] }
        return m > 0 ? [(0, m + 1), (n - m, m)] : [(0, 1)]
    }

    init(size: SIMD3<Int>, extent: SIMD3<Int>) {
        self.size = size
        self.extent = extent
        count = size.x * size.y * size.z
        let raw = fftw_malloc(MemoryLayout<Double>.stride * 2 * count)!
        buffer = raw.bindMemory(to: Double.self, capacity: 2 * count)
        buffer.initialize(repeating: 0, count: 2 * count)
        let (n1, n2, n3) = (Int32(size.x), Int32(size.y), Int32(size.z))
        let p2 = Self.pieces(extent: extent.y, n: size.y), p3 = Self.pieces(extent: extent.z, n: size.z)
        // FFTW_MEASURE saved ~6% of the transform instructions but cost as much in planning (Si, 27³),
        // and makes the plan, hence the rounding, depend on timings: ESTIMATE.
        let flags = cfftw_estimate()
        FFTWPlanner.lock.lock()
        defer { FFTWPlanner.lock.unlock() }
        for sign in [cfftw_backward(), cfftw_forward()] {
            var plans: [OpaquePointer] = []
            func plan(length: Int32, stride: Int32, loops: [fftw_iodim], offset: Int) {
                var dim = fftw_iodim(n: length, is: stride, os: stride)
                var howmany = loops
                let p = (buffer + 2 * offset).withMemoryRebound(to: fftw_complex.self, capacity: 1) { c in
                    fftw_plan_guru_dft(1, &dim, Int32(howmany.count), &howmany, c, c, sign, flags)
                }
                plans.append(p!)
            }
            // The sparse stages run along the strided axes and the full one along the contiguous
            // third axis, where FFTW's transforms cost least per point: 104 instead of 114 µs per
            // sphere-to-grid transform on 27³, 701 instead of 729 µs on 50³ (ESTIMATE plans, a C
            // timing loop on this machine).
            // First axis: columns (i2, i3) inside the sphere's box.
            for b in p2 { for c in p3 {
                plan(length: n1, stride: n2 * n3,
                     loops: [fftw_iodim(n: Int32(b.count), is: n3, os: n3), fftw_iodim(n: Int32(c.count), is: 1, os: 1)],
                     offset: b.start * size.z + c.start)
            } }
            // Second axis: planes i3 inside the sphere's range, every i1.
            for c in p3 {
                plan(length: n2, stride: n3,
                     loops: [fftw_iodim(n: n1, is: n2 * n3, os: n2 * n3), fftw_iodim(n: Int32(c.count), is: 1, os: 1)],
                     offset: c.start)
            }
            // Third axis: everywhere.
            plan(length: n3, stride: 1, loops: [fftw_iodim(n: n1 * n2, is: n3, os: n3)], offset: 0)
            if sign == cfftw_backward() { backwardPlans = plans } else { forwardPlans = plans.reversed() }
        }
    }

    deinit {
        FFTWPlanner.lock.lock()
        for p in backwardPlans + forwardPlans { fftw_destroy_plan(p) }
        FFTWPlanner.lock.unlock()
        fftw_free(buffer)
    }

    /// Zeroes the buffer, places the coefficients c_G (interleaved, at grid positions `index`)
    /// and transforms: buffer = Σ_G c_G e^{+iG·r} on the grid.
    func sphereToGrid(_ c: UnsafePointer<Double>, index: UnsafeBufferPointer<Int>) {
        buffer.update(repeating: 0, count: 2 * count)
        for g in 0..<index.count {
            let j = 2 * index[g]
            buffer[j] = c[2 * g]; buffer[j + 1] = c[2 * g + 1]
        }
        for p in backwardPlans { fftw_execute(p) }
    }

    /// Transforms the buffer with the forward sign, Σ_r f(r) e^{−iG·r}, computing only the sphere's
    /// components (the buffer is left with partial results).
    func gridToSphere() {
        for p in forwardPlans { fftw_execute(p) }
    }
}
