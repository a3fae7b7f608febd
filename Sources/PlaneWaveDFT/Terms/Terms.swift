import ExchangeCorrelation
import Foundation

// Energy terms in DFTK's spirit: each term gives its energy and its contribution to the
// Hamiltonian. Local terms contribute a multiplicative potential on the real-space grid;
// the kinetic and nonlocal terms act on the plane-wave coefficients directly.
//
// Conventions: ψ_nk(r) = (1/√Ω) Σ_G c_G e^{i(k+G)·r}; ρ(r) = Σ_k w_k Σ_n f_nk |ψ_nk(r)|²
// with f ∈ [0, 2]; ∫ f(r) dr ≈ (Ω/N) Σ_j f(r_j); f(r) = Σ_G f̂(G) e^{iG·r}.

/// Kinetic energy: Σ_k w_k Σ_n f_nk Σ_G ½|k+G|² |c_G|²; operator diagonal in G.
public struct KineticTerm: Sendable {
    public init() {}
    func energy(basis: PlaneWaveBasis, orbitals: [ComplexMatrix], occupations: [[Double]]) -> Double {
        var e = 0.0
        for (ik, kp) in basis.kpoints.enumerated() {
            let x = orbitals[ik]
            for n in 0..<occupations[ik].count where occupations[ik][n] != 0 {
                var s = 0.0
                for g in 0..<kp.count {
                    let re = x.data[2 * (g + n * x.rows)], im = x.data[2 * (g + n * x.rows) + 1]
                    s += kp.kinetic[g] * (re * re + im * im)
                }
                e += kp.weight * occupations[ik][n] * s
            }
        }
        return e
    }
}

/// v_s(|G|) of each species' local pseudopotential, cached per |G|² (rounded to 1e-8: the FFT grid
/// repeats each shell of |G| many times).
struct LocalFormFactors {
    let model: Model
    private var cache: [Int: [Double: Double]] = [:]

    init(model: Model) { self.model = model }

    mutating func value(species s: Int, g2: Double) -> Double {
        let key = (g2 * 1e8).rounded() / 1e8
        if let v = cache[s]?[key] { return v }
        let v = model.pseudopotentials[s].local(q: g2.squareRoot())
        cache[s, default: [:]][key] = v
        return v
    }
}

/// Local pseudopotential: V(G) = (1/Ω) Σ_atoms e^{−iG·τ} V̂_loc(|G|), G = 0 dropped
/// (its finite part is `PspCorrection`, its Coulomb divergence cancels with Hartree/Ewald).
/// Energy ∫ V ρ.
public struct AtomicLocalTerm: Sendable {
    public init() {}
    func potential(basis: PlaneWaveBasis) -> [Double] {
        let model = basis.model
        let n = basis.gridCount
        var vhat = [Double](repeating: 0, count: 2 * n)
        var formFactors = LocalFormFactors(model: model)
        for j in 0..<n {
            let g2 = basis.gridG2[j]
            if g2 == 0 { continue }
            let g = basis.gridG[j]
            var re = 0.0, im = 0.0
            for a in 0..<model.atomCount {
                let ff = formFactors.value(species: model.species[a], g2: g2)
                let p = model.positions[a]
                let phase = -2 * Double.pi * (Double(g.x) * p.x + Double(g.y) * p.y + Double(g.z) * p.z)
                re += ff * cos(phase); im += ff * sin(phase)
            }
            vhat[2 * j] = re / model.volume
            vhat[2 * j + 1] = im / model.volume
        }
        return basis.fft.fourierToReal(vhat)
    }
}

/// Hartree: V̂_H(G) = 4π ρ̂(G)/|G|² (G = 0 dropped); E_H = ½ ∫ V_H ρ.
public struct HartreeTerm: Sendable {
    public init() {}
    func potential(basis: PlaneWaveBasis, density rho: [Double]) -> [Double] {
        var rhat = basis.fft.realToFourier(rho)
        for j in 0..<basis.gridCount {
            let g2 = basis.gridG2[j]
            let f = g2 == 0 ? 0 : 4 * Double.pi / g2
            rhat[2 * j] *= f; rhat[2 * j + 1] *= f
        }
        return basis.fft.fourierToReal(rhat)
    }
}

/// Exchange-correlation through libxc (LDA or GGA). For GGA, σ = |∇ρ|² with ∇ by FFT and
/// V = ∂e/∂ρ − 2∇·(∂e/∂σ ∇ρ). E_xc = ∫ ρ ε_xc.
public final class XcTerm: @unchecked Sendable {
    let evaluator: XCEvaluator
    public let functional: ExchangeCorrelationFunctional

    public init(_ spec: String) throws {
        functional = try ExchangeCorrelationFunctional(spec)
        guard !functional.isHartreeFock, functional.exactExchange == 0 else {
            throw PlaneWaveError.badSettings("hybrid or Hartree-Fock functionals are not supported in plane waves ('\(spec)')")
        }
        evaluator = try functional.evaluator(polarized: false)
    }

    var needsGradient: Bool { evaluator.needsGradient }

    /// Energy and potential for a density on the grid.
    func evaluate(basis: PlaneWaveBasis, density rho: [Double]) -> (energy: Double, potential: [Double]) {
        let n = basis.gridCount
        let fft = basis.fft
        var grad: [[Double]] = []
        var sigma: [Double]? = nil
        if needsGradient {
            let rhat = fft.realToFourier(rho)
            for alpha in 0..<3 {
                var d = [Double](repeating: 0, count: 2 * n)
                for j in 0..<n {
                    let ga = basis.gridGCart[j][alpha]
                    // i G_α ρ̂(G)
                    d[2 * j] = -ga * rhat[2 * j + 1]
                    d[2 * j + 1] = ga * rhat[2 * j]
                }
                grad.append(fft.fourierToReal(d))
            }
            var s = [Double](repeating: 0, count: n)
            for j in 0..<n { s[j] = grad[0][j] * grad[0][j] + grad[1][j] * grad[1][j] + grad[2][j] * grad[2][j] }
            sigma = s
        }
        let clamped = rho.map { max($0, 0) }
        let (exc, vrho, vsigma) = evaluator.evaluate(rho: clamped, sigma: sigma)
        var energy = 0.0
        for j in 0..<n { energy += clamped[j] * exc[j] }
        energy *= basis.dV
        var v = vrho
        if needsGradient {
            // −2 ∇·(vσ ∇ρ)
            var divhat = [Double](repeating: 0, count: 2 * n)
            for alpha in 0..<3 {
                var h = [Double](repeating: 0, count: n)
                for j in 0..<n { h[j] = vsigma[j] * grad[alpha][j] }
                let hhat = fft.realToFourier(h)
                for j in 0..<n {
                    let ga = basis.gridGCart[j][alpha]
                    divhat[2 * j] += -ga * hhat[2 * j + 1]
                    divhat[2 * j + 1] += ga * hhat[2 * j]
                }
            }
            let div = fft.fourierToReal(divhat)
            for j in 0..<n { v[j] -= 2 * div[j] }
        }
        return (energy, v)
    }
}

/// The separable GTH projectors of one k-point: V_nl = B D Bᴴ with
/// B[G, p] = ⟨e_{k+G}|β_p⟩ = Ω^{−1/2} (−i)^l Y_lm(k+G) p_i^l(|k+G|) e^{−i(k+G)·τ}.
struct NonlocalProjectors {
    /// n_pw × n_proj.
    var b: ComplexMatrix
    /// n_proj × n_proj coupling (real, block diagonal), stored complex for zgemm.
    var d: ComplexMatrix
    var count: Int { b.columns }
}

/// Real spherical harmonics Y_lm(q̂), l ≤ 3, m = −l…l (orthonormal on the sphere).
func realSphericalHarmonics(l: Int, _ v: SIMD3<Double>) -> [Double] {
    let r = vnorm(v)
    let x = r > 0 ? v.x / r : 0, y = r > 0 ? v.y / r : 0, z = r > 0 ? v.z / r : 1
    let pi = Double.pi
    switch l {
    case 0: return [0.5 / pi.squareRoot()]
    case 1:
        let c = (3 / (4 * pi)).squareRoot()
        return [c * y, c * z, c * x]
    case 2:
        let c1 = 0.5 * (15 / pi).squareRoot(), c0 = 0.25 * (5 / pi).squareRoot(), c2 = 0.25 * (15 / pi).squareRoot()
        return [c1 * x * y, c1 * y * z, c0 * (3 * z * z - 1), c1 * x * z, c2 * (x * x - y * y)]
    case 3:
        let a = 0.25 * (35 / (2 * pi)).squareRoot(), b = 0.5 * (105 / pi).squareRoot()
        let c = 0.25 * (21 / (2 * pi)).squareRoot(), d = 0.25 * (7 / pi).squareRoot()
        return [a * y * (3 * x * x - y * y), b * x * y * z, c * y * (5 * z * z - 1), d * z * (5 * z * z - 3),
                c * x * (5 * z * z - 1), 0.5 * b * z * (x * x - y * y), a * x * (x * x - 3 * y * y)]
    default: preconditionFailure("l > 3")
    }
}

public struct AtomicNonlocalTerm: Sendable {
    public init() {}

    func projectors(basis: PlaneWaveBasis, kpoint kp: KPoint) -> NonlocalProjectors {
        let model = basis.model
        var columns: [[Double]] = []   // interleaved per projector
        var blocks: [[[Double]]] = []  // h matrices per (atom, l, m) block
        let invSqrtVol = 1 / model.volume.squareRoot()
        let q = kp.kPlusG.map { vnorm($0) }
        let ylms: [Int: [[Double]]] = {
            var d: [Int: [[Double]]] = [:]
            let lmax = model.pseudopotentials.map(\.lmax).max() ?? -1
            if lmax >= 0 { for l in 0...lmax { d[l] = kp.kPlusG.map { realSphericalHarmonics(l: l, $0) } } }
            return d
        }()
        for a in 0..<model.atomCount {
            let psp = model.pseudopotentials[model.species[a]]
            let tau = model.positions[a]
            // Structure-factor phase e^{−i(k+G)·τ} per plane wave.
            var phase = [Double](repeating: 0, count: 2 * kp.count)
            for g in 0..<kp.count {
                let gv = kp.gVectors[g]
                let t = -2 * Double.pi * ((Double(gv.x) + kp.coordinate.x) * tau.x + (Double(gv.y) + kp.coordinate.y) * tau.y
                                          + (Double(gv.z) + kp.coordinate.z) * tau.z)
                phase[2 * g] = cos(t); phase[2 * g + 1] = sin(t)
            }
            for ch in psp.channels where ch.count > 0 {
                let l = ch.l
                // (−i)^l
                let il: (Double, Double) = [(1.0, 0.0), (0.0, -1.0), (-1.0, 0.0), (0.0, 1.0)][l % 4]
                let radial = (1...ch.count).map { i in q.map { GTHPseudopotential.projector(l: l, i: i, radius: ch.radius, q: $0) } }
                for m in 0..<(2 * l + 1) {
                    for i in 0..<ch.count {
                        var col = [Double](repeating: 0, count: 2 * kp.count)
                        for g in 0..<kp.count {
                            let f = invSqrtVol * radial[i][g] * ylms[l]![g][m]
                            // f · (−i)^l · phase
                            let pr = il.0 * phase[2 * g] - il.1 * phase[2 * g + 1]
                            let pi = il.0 * phase[2 * g + 1] + il.1 * phase[2 * g]
                            col[2 * g] = f * pr; col[2 * g + 1] = f * pi
                        }
                        columns.append(col)
                    }
                    blocks.append(ch.h)
                }
            }
        }
        let np = columns.count
        var b = ComplexMatrix(rows: kp.count, columns: np)
        for (p, col) in columns.enumerated() {
            for k in 0..<(2 * kp.count) { b.data[2 * kp.count * p + k] = col[k] }
        }
        var d = ComplexMatrix(rows: np, columns: np)
        var offset = 0
        for h in blocks {
            for i in 0..<h.count { for j in 0..<h.count { d[offset + i, offset + j] = (h[i][j], 0) } }
            offset += h.count
        }
        return NonlocalProjectors(b: b, d: d)
    }

    /// Σ_k w_k Σ_n f_nk ⟨ψ|V_nl|ψ⟩.
    func energy(basis: PlaneWaveBasis, projectors: [NonlocalProjectors], orbitals: [ComplexMatrix],
                occupations: [[Double]]) -> Double {
        var e = 0.0
        for (ik, kp) in basis.kpoints.enumerated() where projectors[ik].count > 0 {
            let p = zgemm(projectors[ik].b, orbitals[ik], adjointA: true)
            let dp = zgemm(projectors[ik].d, p)
            for n in 0..<occupations[ik].count where occupations[ik][n] != 0 {
                var s = 0.0
                for r in 0..<p.rows {
                    let k = 2 * (r + n * p.rows)
                    s += p.data[k] * dp.data[k] + p.data[k + 1] * dp.data[k + 1]
                }
                e += kp.weight * occupations[ik][n] * s
            }
        }
        return e
    }
}
