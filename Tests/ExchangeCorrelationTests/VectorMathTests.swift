import Foundation
import Testing
@testable import ExchangeCorrelation

/// The four-lane elementary functions against libm, in units in the last place of libm's result.
@Suite struct VectorMathTests {
    /// Largest |f(x) − libm(x)| / ulp(libm(x)) over `xs`.
    static func worstULP(_ xs: [Double], _ f: (SIMD4<Double>) -> SIMD4<Double>, _ reference: (Double) -> Double) -> Double {
        var worst = 0.0
        var k = 0
        while k < xs.count {
            var v = SIMD4<Double>(repeating: xs[k])
            for l in 0..<4 where k + l < xs.count { v[l] = xs[k + l] }
            let y = f(v)
            for l in 0..<4 where k + l < xs.count {
                let r = reference(v[l])
                worst = max(worst, abs(y[l] - r) / r.ulp.magnitude)
            }
            k += 4
        }
        return worst
    }

    /// Log-spaced arguments from 10^lo to 10^hi, with some of every binade's mantissas.
    static func logSpaced(_ lo: Double, _ hi: Double, count: Int = 20_000) -> [Double] {
        (0..<count).map { pow(10, lo + (hi - lo) * Double($0) / Double(count - 1)) }
    }

    /// The kernel takes log of ρ-dependent ratios in (1e-6, 1e6) and of 1 + … up to 1e20.
    @Test func logWithinTwoULP() {
        #expect(Self.worstULP(Self.logSpaced(-300, 300), VectorMath.log, Foundation.log) <= 2)
        #expect(Self.worstULP((0..<10_000).map { 0.5 + Double($0) / 5000 }, VectorMath.log, Foundation.log) <= 2)
    }

    /// Arguments across all five reduction intervals (0 … 1e6).
    @Test func atanWithinTwoULP() {
        #expect(Self.worstULP((0..<20_000).map { 5 * Double($0) / 20_000 }, VectorMath.atan, Foundation.atan) <= 2)
        #expect(Self.worstULP(Self.logSpaced(-10, 6), VectorMath.atan, Foundation.atan) <= 2)
    }

    /// ρ from 1e-15 to 1e6 and beyond. Halley's last step leaves y³'s two roundings: ≤ 3 ulp seen.
    @Test func cbrtWithinFourULP() {
        #expect(Self.worstULP(Self.logSpaced(-300, 300), VectorMath.cbrt, Foundation.cbrt) <= 4)
    }

    @Test func expWithinFourULP() {
        #expect(Self.worstULP((0..<20_000).map { -700 * Double($0) / 20_000 }, VectorMath.exp, Foundation.exp) <= 4)
    }

    /// Relative error of asinh through log: ≤ 4 ulp from 0.5 up; ε/x below.
    @Test func asinhThroughLog() {
        #expect(Self.worstULP(Self.logSpaced(-0.3, 8), VectorMath.asinh, Foundation.asinh) <= 4)
        for x in Self.logSpaced(-8, -0.3, count: 1000) {
            let y = VectorMath.asinh(SIMD4(repeating: x))[0]
            #expect(abs(y - Foundation.asinh(x)) <= 4e-16)
        }
    }
}
