import Foundation
import LinearAlgebra

/// Density preconditioner applied to the residual ρ_out − ρ_in before Anderson acceleration.
public enum MixingScheme: String, Sendable, Codable {
    /// α (ρ_out − ρ_in).
    case simple
    /// α G²/(G² + k_TF²) (ρ̂_out − ρ̂_in): damps long-wavelength charge sloshing (metals).
    case kerker
}

/// Anderson (Pulay/DIIS-type) acceleration of the preconditioned fixed-point map
/// x ↦ x + P(F(x) − x). With history {x_i, f_i}: γ = argmin ‖f + Σ γ_i (f_i − f)‖,
/// x_next = x̄ + f̄ with x̄ = x + Σ γ_i (x_i − x), f̄ = f + Σ γ_i (f_i − f).
final class AndersonMixer {
    let basis: PlaneWaveBasis
    let scheme: MixingScheme
    let damping: Double
    let kTF: Double
    let depth: Int
    private var xs: [[Double]] = []
    private var fs: [[Double]] = []

    init(basis: PlaneWaveBasis, scheme: MixingScheme, damping: Double, kTF: Double = 0.5, depth: Int = 10) {
        self.basis = basis; self.scheme = scheme; self.damping = damping; self.kTF = kTF; self.depth = depth
    }

    func precondition(_ r: [Double]) -> [Double] {
        switch scheme {
        case .simple: return r.map { damping * $0 }
        case .kerker:
            var rhat = basis.fft.realToFourier(r)
            let k2 = kTF * kTF
            for j in 0..<basis.gridCount {
                let g2 = basis.gridG2[j]
                let f = g2 == 0 ? damping : damping * g2 / (g2 + k2)
                rhat[2 * j] *= f; rhat[2 * j + 1] *= f
            }
            return basis.fft.fourierToReal(rhat)
        }
    }

    func next(rhoIn x: [Double], rhoOut: [Double]) -> [Double] {
        let n = x.count
        let f = precondition(zip(rhoOut, x).map { $0 - $1 })
        defer {
            xs.append(x); fs.append(f)
            if xs.count > depth { xs.removeFirst(); fs.removeFirst() }
        }
        let m = xs.count
        if m == 0 { return (0..<n).map { x[$0] + f[$0] } }
        // ΔF_i = f_i − f; normal equations (ΔFᵀΔF) γ = −ΔFᵀ f, solved by a pseudo-inverse.
        var df: [[Double]] = []
        for i in 0..<m { df.append((0..<n).map { fs[i][$0] - f[$0] }) }
        var a = Matrix(rows: m, columns: m)
        var b = [Double](repeating: 0, count: m)
        for i in 0..<m {
            for j in i..<m {
                var s = 0.0
                for k in 0..<n { s += df[i][k] * df[j][k] }
                a[i, j] = s; a[j, i] = s
            }
            var s = 0.0
            for k in 0..<n { s += df[i][k] * f[k] }
            b[i] = -s
        }
        var gamma = [Double](repeating: 0, count: m)
        if let (vals, vecs) = try? symmetricEigen(a), let top = vals.last, top > 0 {
            for e in 0..<m where vals[e] > 1e-12 * top {
                var proj = 0.0
                for i in 0..<m { proj += vecs[i, e] * b[i] }
                proj /= vals[e]
                for i in 0..<m { gamma[i] += proj * vecs[i, e] }
            }
        }
        var out = [Double](repeating: 0, count: n)
        for k in 0..<n {
            var xbar = x[k], fbar = f[k]
            for i in 0..<m {
                xbar += gamma[i] * (xs[i][k] - x[k])
                fbar += gamma[i] * df[i][k]
            }
            out[k] = xbar + fbar
        }
        return out
    }
}
