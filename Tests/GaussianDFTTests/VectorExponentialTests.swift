import Foundation
import Testing
@testable import GaussianDFT

@Suite struct VectorExponentialTests {
    /// Against libm's exp on 200,001 arguments spread over [−700, 0] plus the edges: relative error
    /// below 5e-16 (a few ulp; libm itself is correctly rounded to < 1 ulp = 2.2e-16), and the
    /// clamp gives e^−700 for anything smaller.
    @Test func matchesLibmOnNonPositiveArguments() {
        var x = (0...200_000).map { -700.0 * Double($0) / 200_000 }
        x += [0, -1e-300, -1e-17, -0.5 * log(2.0), -log(2.0), -1, -60, -700, -745, -1e10]
        var y = [Double](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { xs in y.withUnsafeMutableBufferPointer { ys in
            exponentialOfNonPositive(xs.baseAddress!, ys.baseAddress!, count: xs.count)
        } }
        var worst = 0.0
        for (xi, yi) in zip(x, y) {
            let reference = exp(max(xi, -700))
            worst = max(worst, abs(yi - reference) / reference)
        }
        #expect(worst < 5e-16, "worst relative error \(worst)")
        #expect(y[x.firstIndex(of: 0)!] == 1)
    }
}
