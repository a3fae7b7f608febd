import Foundation
import Testing
@testable import ExchangeCorrelation

/// The Swift closed-shell B3LYP5 kernel against libxc's HYB_GGA_XC_B3LYP5 (475) point by point.
@Suite struct ClosedShellB3LYP5Tests {
    /// ρ on a log grid from 1e-12 to 1e3 bohr⁻³ (a molecule's grid spans about 1e-10 … 1e3), and
    /// σ through the reduced gradient s = |∇ρ| / (2 (3π²)^{1/3} ρ^{4/3}) from 0 to 1e4 (tails reach
    /// s ≈ 10²–10³), plus σ = 0 exactly.
    static func samplePoints() -> (rho: [Double], sigma: [Double]) {
        var rho: [Double] = [], sigma: [Double] = []
        let kF = 2 * pow(3 * Double.pi * Double.pi, 1.0 / 3)
        for i in 0...60 {
            let r = pow(10, -12 + 15 * Double(i) / 60)
            for s in [0, 1e-6, 1e-3, 0.1, 0.5, 1, 2.5, 10, 100, 1e4] {
                let g = s * kF * pow(r, 4.0 / 3)
                rho.append(r); sigma.append(g * g)
            }
        }
        return (rho, sigma)
    }

    /// Agreement to 1e-13 relative, on each of ε, vρ, vσ: both evaluate the same closed forms, so
    /// the difference is rounding (libxc's Maple-generated expressions, in another order, reach the
    /// same values within a few ulp of their largest term). Each output is compared relative to
    /// libxc's own value at that point; 4e-14 is the largest seen.
    @Test func matchesLibxcPointByPoint() throws {
        let (rho, sigma) = Self.samplePoints()
        let n = rho.count
        let libxc = try LibxcFunctional(id: 475, polarized: false)
        var e0 = [Double](repeating: 0, count: n), v0 = e0, s0 = e0, e1 = e0, v1 = e0, s1 = e0
        libxc.evaluate(count: n, rho: rho, sigma: sigma, exc: &e0, vrho: &v0, vsigma: &s0)
        ClosedShellB3LYP5.evaluate(count: n, rho: rho, sigma: sigma, exc: &e1, vrho: &v1, vsigma: &s1)
        var worst = (exc: 0.0, vrho: 0.0, vsigma: 0.0)
        for p in 0..<n {
            worst.exc = max(worst.exc, abs(e1[p] - e0[p]) / abs(e0[p]))
            worst.vrho = max(worst.vrho, abs(v1[p] - v0[p]) / abs(v0[p]))
            worst.vsigma = max(worst.vsigma, abs(s1[p] - s0[p]) / max(abs(s0[p]), 1e-300))
        }
        #expect(worst.exc < 1e-13, "ε_xc relative \(worst.exc)")
        #expect(worst.vrho < 1e-13, "vρ relative \(worst.vrho)")
        #expect(worst.vsigma < 1e-13, "vσ relative \(worst.vsigma)")
    }

    /// Below libxc's thresholds both give zeros, and between them (exchange off at ρ ≤ 2e-15, LYP
    /// off below 1e-14) the same partial sums.
    @Test func followsLibxcThresholds() throws {
        let rho = [1e-16, 9.9e-16, 1.5e-15, 2.5e-15, 5e-15, 1.2e-14, 1e-13]
        let sigma = rho.map { 1e-3 * $0 * $0 }
        let n = rho.count
        let libxc = try LibxcFunctional(id: 475, polarized: false)
        var e0 = [Double](repeating: 0, count: n), v0 = e0, s0 = e0, e1 = e0, v1 = e0, s1 = e0
        libxc.evaluate(count: n, rho: rho, sigma: sigma, exc: &e0, vrho: &v0, vsigma: &s0)
        ClosedShellB3LYP5.evaluate(count: n, rho: rho, sigma: sigma, exc: &e1, vrho: &v1, vsigma: &s1)
        for p in 0..<n {
            #expect(abs(e1[p] - e0[p]) <= 1e-12 * abs(e0[p]), "ε at ρ = \(rho[p]): \(e1[p]) vs \(e0[p])")
            #expect(abs(v1[p] - v0[p]) <= 1e-12 * abs(v0[p]), "vρ at ρ = \(rho[p]): \(v1[p]) vs \(v0[p])")
        }
    }

    /// The evaluator picks the kernel for restricted B3LYP5 only, and gives libxc's numbers.
    @Test func evaluatorUsesItForRestrictedB3LYP5Only() throws {
        let b3lyp5 = try ExchangeCorrelationFunctional("b3lyp5")
        #expect(try b3lyp5.evaluator(polarized: false).usesClosedShellB3LYP5)
        #expect(try !b3lyp5.evaluator(polarized: true).usesClosedShellB3LYP5)
        #expect(try !b3lyp5.evaluator(polarized: false, allowNativeKernels: false).usesClosedShellB3LYP5)
        #expect(try !ExchangeCorrelationFunctional("b3lyp").evaluator(polarized: false).usesClosedShellB3LYP5)
        let rho = [0.01, 0.3, 2.0], sigma = [1e-4, 0.02, 3.0]
        let native = try b3lyp5.evaluator(polarized: false).evaluate(rho: rho, sigma: sigma)
        let reference = try b3lyp5.evaluator(polarized: false, allowNativeKernels: false).evaluate(rho: rho, sigma: sigma)
        for p in rho.indices {
            #expect(abs(native.exc[p] - reference.exc[p]) < 1e-13 * abs(reference.exc[p]))
            #expect(abs(native.vrho[p] - reference.vrho[p]) < 1e-13 * abs(reference.vrho[p]))
            #expect(abs(native.vsigma[p] - reference.vsigma[p]) < 1e-13 * abs(reference.vsigma[p]))
        }
    }
}
