import Foundation
import Testing
@testable import PlaneWaveDFT

@Suite("PlaneWaveFFT")
struct PlaneWaveFFTTests {
    /// The zero-padded sphere transforms are the full 3D FFT restricted to the sphere: for random
    /// coefficients on each k-point's sphere, G → r agrees with FFTW's full backward transform and
    /// r → G (on the sphere) with the full forward one, to rounding (1e-12 relative to the largest
    /// value; both are sums of ~10⁴ terms of size ~1). NaCl's fcc cell at Ecut 10 on a 24³ grid and a
    /// deliberately non-cubic grid (an override), where the three axes have different extents.
    @Test(arguments: [nil, SIMD3(20, 24, 30)]) func sphereTransformsMatchTheFullFFT(grid: SIMD3<Int>?) throws {
        let model = try RockSaltNaCl.model()
        let kset = monkhorstPackGrid(size: SIMD3(2, 2, 2), shift: SIMD3(1, 1, 1))
        let basis = try PlaneWaveBasis(model: model, ecut: 10, kpoints: kset, fftSize: grid)
        let sphere = basis.sphereFFT, full = basis.fft
        let n = full.count
        #expect(SphereFFT.pieces(extent: sphere.extent.x, n: basis.fftSize.x).count == 2)
        for (ik, kp) in basis.kpoints.enumerated() {
            let c = ComplexMatrix.random(rows: kp.count, columns: 1, seed: UInt64(ik + 1)).data
            // G → r.
            c.withUnsafeBufferPointer { cp in kp.fftIndex.withUnsafeBufferPointer { sphere.sphereToGrid(cp.baseAddress!, index: $0) } }
            full.clear()
            for g in 0..<kp.count { full.buffer[2 * kp.fftIndex[g]] = c[2 * g]; full.buffer[2 * kp.fftIndex[g] + 1] = c[2 * g + 1] }
            full.backward()
            var maxDiff = 0.0, maxValue = 0.0
            for j in 0..<(2 * n) {
                maxDiff = max(maxDiff, abs(sphere.buffer[j] - full.buffer[j])); maxValue = max(maxValue, abs(full.buffer[j]))
            }
            #expect(maxDiff < 1e-12 * maxValue, "k \(ik): G→r differs by \(maxDiff) (max \(maxValue))")
            // r → G on a random complex field.
            let f = ComplexMatrix.random(rows: n, columns: 1, seed: UInt64(100 + ik)).data
            for j in 0..<(2 * n) { sphere.buffer[j] = f[j]; full.buffer[j] = f[j] }
            sphere.gridToSphere()
            full.forward()
            maxDiff = 0; maxValue = 0
            for g in 0..<kp.count {
                let j = 2 * kp.fftIndex[g]
                maxDiff = max(maxDiff, abs(sphere.buffer[j] - full.buffer[j]), abs(sphere.buffer[j + 1] - full.buffer[j + 1]))
                maxValue = max(maxValue, abs(full.buffer[j]), abs(full.buffer[j + 1]))
            }
            #expect(maxDiff < 1e-12 * maxValue, "k \(ik): r→G differs by \(maxDiff) (max \(maxValue))")
        }
    }

    /// The symmetrisation with factorised phases equals the direct formula
    /// ρ̂'(WᵀG) = (1/N_S) Σ_S ρ̂(G) e^{2πi G·w} with a sine and cosine per point (written out below)
    /// to rounding (1e-13), on a random density with NaCl's 48 operations (translations are zero in
    /// rock salt at the origin, so also a shifted origin, which gives the operations non-zero w); and it is a
    /// projection, S(S(ρ)) = S(ρ).
    @Test(arguments: [0.0, 0.1]) func symmetrisationMatchesTheDirectFormula(shift: Double) throws {
        let base = try RockSaltNaCl.model()
        let model = try Model(latticeColumns: base.lattice, fractionalPositions: base.positions.map { $0 + SIMD3(shift, shift / 3, 0) },
                              atomicNumbers: base.atomicNumbers, pseudopotentials: base.pseudopotentials, xc: "lda")
        let kset = monkhorstPackGrid(size: SIMD3(2, 2, 2), symmetries: symmetryOperations(model: model))
        let basis = try PlaneWaveBasis(model: model, ecut: 6, kpoints: kset)
        #expect(basis.symmetries.count == 48)
        #expect(basis.symmetries.contains { $0.translation != .zero } == (shift != 0))
        let n = basis.gridCount
        let noise = ComplexMatrix.random(rows: n, columns: 1, seed: 3).data
        let rho = (0..<n).map { 1 + noise[2 * $0] }
        let fast = basis.symmetrizeInFourierSpace(rho)
        // Direct formula.
        let rhat = basis.fft.realToFourier(rho)
        var out = [Double](repeating: 0, count: 2 * n), valid = [Int](repeating: 0, count: n)
        let size = basis.fftSize
        for op in basis.symmetries { for j in 0..<n {
            let g = basis.gridG[j], gp = op.rotateReciprocal(g)
            guard gp.x >= -(size.x / 2), gp.x < (size.x + 1) / 2, gp.y >= -(size.y / 2), gp.y < (size.y + 1) / 2,
                  gp.z >= -(size.z / 2), gp.z < (size.z + 1) / 2 else { continue }
            let t = (((gp.x + size.x) % size.x) * size.y + ((gp.y + size.y) % size.y)) * size.z + ((gp.z + size.z) % size.z)
            let phase = 2 * Double.pi * (Double(g.x) * op.translation.x + Double(g.y) * op.translation.y + Double(g.z) * op.translation.z)
            out[2 * t] += rhat[2 * j] * cos(phase) - rhat[2 * j + 1] * sin(phase)
            out[2 * t + 1] += rhat[2 * j] * sin(phase) + rhat[2 * j + 1] * cos(phase)
            valid[t] += 1
        } }
        for t in 0..<n where valid[t] != basis.symmetries.count { out[2 * t] = 0; out[2 * t + 1] = 0 }
        let direct = basis.fft.fourierToReal(out).map { $0 / Double(basis.symmetries.count) }
        let diff = zip(fast, direct).map { abs($0 - $1) }.max()!
        #expect(diff < 1e-13, "factorised vs direct: \(diff)")
        let twice = basis.symmetrizeInFourierSpace(fast)
        #expect(zip(fast, twice).map { abs($0 - $1) }.max()! < 1e-13)
    }

    /// The grid-orbit average equals the Fourier-space symmetrisation to rounding (1e-13 relative)
    /// on a density with components only inside the sphere |G| ≤ 2√(2 Ecut) — what densities made of
    /// orbitals have — for NaCl's 48 operations, with and without fractional translations, and in the
    /// conventional 8-atom cell (192 operations, translations ½). Both are projections.
    @Test(arguments: [(0.0, false), (0.25, false), (0.0, true)])
    func gridOrbitAverageMatchesFourierSymmetrisation(shift: Double, conventional: Bool) throws {
        let base = conventional ? try RockSaltNaCl.conventionalModel() : try RockSaltNaCl.model()
        let model = try Model(latticeColumns: base.lattice, fractionalPositions: base.positions.map { $0 + SIMD3(shift, shift, shift) },
                              atomicNumbers: base.atomicNumbers, pseudopotentials: base.pseudopotentials, xc: "lda")
        let kset = monkhorstPackGrid(size: SIMD3(2, 2, 2), symmetries: symmetryOperations(model: model))
        // Even grid sizes, so that the translations by ½ map grid points onto grid points.
        let even = ((fftSize(lattice: model.lattice, ecut: 6) &+ 1) &>> 1) &<< 1
        let basis = try PlaneWaveBasis(model: model, ecut: 6, kpoints: kset, fftSize: even)
        #expect(basis.symmetries.count == (conventional ? 192 : 48))
        let orbits = try #require(basis.gridOrbits)
        #expect(orbits.orbitCount > 1 && orbits.orbitCount < basis.gridCount / 10)
        let n = basis.gridCount
        let noise = ComplexMatrix.random(rows: n, columns: 1, seed: 5).data
        let cutoff = 4 * 2 * basis.ecut   // |G|² ≤ (2√(2 Ecut))²
        var rhat = [Double](repeating: 0, count: 2 * n)
        for j in 0..<n where basis.gridG2[j] <= cutoff { rhat[2 * j] = noise[2 * j]; rhat[2 * j + 1] = noise[2 * j + 1] }
        // A real function: the Hermitian part of a random band-limited spectrum.
        let rho = basis.fft.fourierToReal(rhat).map { 1 + $0 }
        let fourier = basis.symmetrizeInFourierSpace(rho), grid = basis.symmetrize(rho)
        let scale = rho.map { abs($0) }.max()!
        #expect(zip(fourier, grid).map { abs($0 - $1) }.max()! < 1e-13 * scale)
        #expect(zip(rho, grid).map { abs($0 - $1) }.max()! > 1e-3 * scale)   // not symmetric before
        let twice = basis.symmetrize(grid)
        #expect(zip(grid, twice).map { abs($0 - $1) }.max()! < 1e-14 * scale)
    }
}
