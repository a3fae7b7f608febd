import ExchangeCorrelation
import Foundation

/// The Boys function F_m(T) = ∫_0^1 t^{2m} e^{−T t²} dt.
///
/// Method: for T < 50, a 9-term Taylor expansion about the nearest point of a grid
/// (spacing 0.1, so |ΔT| ≤ 0.05, truncation ≲ 1e-17 relative): for m ≤ 4 every order is
/// expanded directly (independent sums, no exponential); above, only F_M is, followed by
/// the stable downward recursion F_m = (2T F_{m+1} + e^{−T}) / (2m+1) with e^{−T} from the
/// grid (e^{−T_i} · e^{−ΔT}, series). For T ≥ 50, F_0 = ½√(π/T) (erfc(√T) < 1e-22 is dropped) and
/// upward recursion F_{m+1} = ((2m+1) F_m − e^{−T}) / (2T), stable there for m ≤ `maxOrder`.
/// The grid holds F_m(T_i) for m ≤ maxOrder + 8, from the convergent series
/// F_m(T) = e^{−T} Σ_k (2T)^k / ((2m+1)(2m+3)…(2m+2k+1)) (all terms positive).
/// Accuracy ~1e-15 relative over 0 ≤ T, m ≤ maxOrder (see IntegralsBoysTests).
public enum BoysFunction {
    /// Highest order supported.
    public static let maxOrder = 24
    static let taylorTerms = 9           // k = 0...8
    static let step = 0.1
    static let inverseStep = 10.0
    static let gridLimit = 50.0
    static let pointCount = 501          // T_i = 0, 0.1, ..., 50.0
    /// Row layout: [e^{−T_i}, F_0(T_i), ..., F_{maxOrder+8}(T_i)].
    static let rowLength = maxOrder + taylorTerms + 1

    /// The grid, allocated once and never freed (shared read-only by all threads).
    nonisolated(unsafe) static let table: UnsafeMutablePointer<Double> = {
        let p = UnsafeMutablePointer<Double>.allocate(capacity: pointCount * rowLength)
        let top = maxOrder + taylorTerms - 1
        for i in 0..<pointCount {
            let t = Double(i) * step
            let row = p + i * rowLength
            let e = exp(-t)
            row[0] = e
            // Series for the top order, then stable downward recursion.
            var term = 1.0 / Double(2 * top + 1)
            var sum = term
            var k = 1
            while true {
                term *= 2 * t / Double(2 * top + 2 * k + 1)
                sum += term
                if term < 1e-18 * sum { break }
                k += 1
            }
            row[1 + top] = e * sum
            var m = top - 1
            while m >= 0 {
                row[1 + m] = (2 * t * row[2 + m] + e) / Double(2 * m + 1)
                m -= 1
            }
        }
        return p
    }()

    nonisolated(unsafe) static let inverseOdd: UnsafeMutablePointer<Double> = {
        let p = UnsafeMutablePointer<Double>.allocate(capacity: maxOrder + 2)
        for m in 0..<(maxOrder + 2) { p[m] = 1.0 / Double(2 * m + 1) }
        return p
    }()

    /// Writes F_0(T) ... F_maxOrder(T) into `out[0...m]` (m ≤ `maxOrder`).
    @inline(__always)
    public static func evaluate(upTo m: Int, _ t: Double, into out: UnsafeMutablePointer<Double>) {
        evaluate(upTo: m, t, into: out, table: table, inverseOdd: inverseOdd)
    }

    /// `scale` · F_k(T), k = 0...m, into `out` (the ERI engine passes its prefactor).
    @inline(__always)
    static func evaluate(upTo m: Int, _ t: Double, into out: UnsafeMutablePointer<Double>,
                         table: UnsafeMutablePointer<Double>, inverseOdd: UnsafeMutablePointer<Double>,
                         scale: Double = 1) {
        if t < gridLimit {
            let i = Int(t * inverseStep + 0.5)
            let d = Double(i) * step - t          // −ΔT
            let row = table + i * rowLength
            // F_m(T) = Σ_k F_{m+k}(T_i) (−ΔT)^k / k!, with the powers (−ΔT)^k/k! shared.
            let d2 = d * d, d4 = d2 * d2
            let p1 = d, p2 = 0.5 * d2, p3 = (1.0 / 6) * d2 * d, p4 = (1.0 / 24) * d4
            let p5 = (1.0 / 120) * d4 * d, p6 = (1.0 / 720) * d4 * d2, p7 = (1.0 / 5040) * d4 * d2 * d
            let p8 = (1.0 / 40320) * d4 * d4
            if m <= 4 {
                // Few orders: every order by its own Taylor sum (independent, no e^{−T}).
                for k in 0...m {
                    let b = row + 1 + k
                    out[k] = scale * (((b[0] + p1 * b[1]) + (p2 * b[2] + p3 * b[3])) + ((p4 * b[4] + p5 * b[5]) + (p6 * b[6] + p7 * b[7])) + p8 * b[8])
                }
            } else {
                let b = row + 1 + m
                out[m] = scale * (((b[0] + p1 * b[1]) + (p2 * b[2] + p3 * b[3])) + ((p4 * b[4] + p5 * b[5]) + (p6 * b[6] + p7 * b[7])) + p8 * b[8])
                // e^{−T} = e^{−T_i} e^{d}, e^{d} = Σ_{k≤9} d^k/k!; then stable downward recursion.
                let e = scale * row[0] * ((((1 + p1) + (p2 + p3)) + ((p4 + p5) + (p6 + p7))) + (p8 + (1.0 / 9) * p8 * d))
                let t2 = 2 * t
                var k = m - 1
                while k >= 0 {
                    out[k] = (t2 * out[k + 1] + e) * inverseOdd[k]
                    k -= 1
                }
            }
        } else {
            let rt = t.squareRoot()
            out[0] = scale * 0.886226925452758014 / rt    // ½√π / √T
            if m > 0 {
                let e = scale * exp(-t)
                let h = 0.5 / t
                for k in 0..<m {
                    out[k + 1] = (Double(2 * k + 1) * out[k] - e) * h
                }
            }
        }
    }

    /// Orders up to which the four-lane evaluation handles T ≥ `gridLimit` without e^{−T}:
    /// F_m(T) = Γ(m+½)/(2T^{m+½}) − Γ(m+½, T)/(2T^{m+½}), and at T = 50 the dropped part is
    /// below 2e-16 relative for m ≤ 5 (Γ(5.5, 50)/Γ(5.5) ≈ 1.6e-16).
    static let asymptoticOrderLimit = 5

    /// `scale` · F_k(T) for four arguments at once, k = 0...m: lane l of `out[k]` belongs to
    /// lane l of `t` and `scale`. The scalar `evaluate`'s method for m > 4 (here for every
    /// m ≥ 1) and its accuracy; lanes with T ≥ 50 use F_0 = ½√(π/T) and upward recursion
    /// without e^{−T} for m ≤ `asymptoticOrderLimit`, and the scalar evaluation above that.
    @inline(__always)
    static func evaluate4(upTo m: Int, _ t: SIMD4<Double>, scale: SIMD4<Double>, into out: UnsafeMutablePointer<SIMD4<Double>>,
                          table: UnsafeMutablePointer<Double>, inverseOdd: UnsafeMutablePointer<Double>) {
        typealias V = SIMD4<Double>
        let large = t .>= V(repeating: gridLimit)
        let tc = t.replacing(with: 0, where: large)     // grid lookup in range for every lane
        // Nearest grid point without Double → Int conversions (each one a range check and a
        // scalar convert): adding 1.5·2^52 rounds T/step to an integer, which then sits in the
        // low mantissa bits (0 ≤ T/step ≤ 500 here).
        let shifter = V(repeating: 6755399441055744.0)
        let shifted = tc * inverseStep + shifter
        let d = (shifted - shifter) * step - tc
        let index = unsafeBitCast(shifted, to: SIMD4<UInt64>.self) & 0xFFFF_FFFF
        let r0 = table + Int(truncatingIfNeeded: index[0]) &* rowLength
        let r1 = table + Int(truncatingIfNeeded: index[1]) &* rowLength
        let r2 = table + Int(truncatingIfNeeded: index[2]) &* rowLength
        let r3 = table + Int(truncatingIfNeeded: index[3]) &* rowLength
        @inline(__always) func row(_ k: Int) -> V { V(r0[k], r1[k], r2[k], r3[k]) }
        let d2 = d * d, d4 = d2 * d2
        let p1 = d, p2 = 0.5 * d2, p3 = (1.0 / 6) * (d2 * d), p4 = (1.0 / 24) * d4
        let p5 = (1.0 / 120) * (d4 * d), p6 = (1.0 / 720) * (d4 * d2), p7 = (1.0 / 5040) * (d4 * d2 * d)
        let p8 = (1.0 / 40320) * (d4 * d4)
        @inline(__always) func taylor(_ k: Int) -> V {
            let b = 1 + k
            let s0 = (row(b) + p1 * row(b + 1)) + (p2 * row(b + 2) + p3 * row(b + 3))
            let s1 = (p4 * row(b + 4) + p5 * row(b + 5)) + (p6 * row(b + 6) + p7 * row(b + 7))
            return scale * ((s0 + s1) + p8 * row(b + 8))
        }
        // Unlike the scalar evaluation, every m ≥ 1 takes the top order's Taylor sum and the
        // downward recursion: the table reads, four lanes of them per term, are what costs here.
        if m == 0 {
            out[0] = taylor(0)
        } else {
            out[m] = taylor(m)
            let one = V(repeating: 1)
            let low: V = (one + p1) + (p2 + p3)
            let high: V = (p4 + p5) + (p6 + p7)
            let last: V = p8 + (1.0 / 9) * (p8 * d)
            let e: V = scale * row(0) * ((low + high) + last)
            let t2 = 2 * tc
            var k = m - 1
            while k >= 0 {
                out[k] = (t2 * out[k + 1] + e) * inverseOdd[k]
                k -= 1
            }
        }
        guard any(large) else { return }
        if m <= asymptoticOrderLimit {
            let tl = t.replacing(with: 1, where: .!large)
            var f = scale * 0.886226925452758014 / VectorMath.sqrt(tl)
            out[0].replace(with: f, where: large)
            let h = 0.5 / tl
            for k in 0..<m {
                f = Double(2 * k + 1) * f * h
                out[k + 1].replace(with: f, where: large)
            }
        } else {
            withUnsafeTemporaryAllocation(of: Double.self, capacity: m + 1) { buffer in
                let lane = buffer.baseAddress!
                for l in 0..<4 where large[l] {
                    evaluate(upTo: m, t[l], into: lane, table: table, inverseOdd: inverseOdd, scale: scale[l])
                    for k in 0...m { out[k][l] = lane[k] }
                }
            }
        }
    }

    /// F_0(T) ... F_m(T) as an array (convenience; not for inner loops).
    public static func values(upTo m: Int, _ t: Double) -> [Double] {
        precondition(m >= 0 && m <= maxOrder, "Boys order \(m) outside 0...\(maxOrder)")
        precondition(t >= 0)
        var out = [Double](repeating: 0, count: m + 1)
        out.withUnsafeMutableBufferPointer { evaluate(upTo: m, t, into: $0.baseAddress!) }
        return out
    }
}
