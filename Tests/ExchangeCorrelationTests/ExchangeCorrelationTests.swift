import Foundation
import Testing
@testable import ExchangeCorrelation

@Suite struct ExchangeCorrelationTests {
    /// Slater exchange in closed form: ε_x = -(3/4)(3/π)^{1/3} ρ^{1/3}, v_x = (4/3) ε_x.
    @Test func ldaExchangeMatchesClosedForm() throws {
        let xc = try ExchangeCorrelationFunctional("LDA_X")
        let ev = try xc.evaluator(polarized: false)
        let rho = [1e-3, 0.1, 1.0, 7.5]
        let out = ev.evaluate(rho: rho)
        let cx = -0.75 * pow(3.0 / Double.pi, 1.0 / 3.0)
        for (k, r) in rho.enumerated() {
            let e = cx * pow(r, 1.0 / 3.0)
            #expect(abs(out.exc[k] - e) < 1e-14 * max(1, abs(e)))
            #expect(abs(out.vrho[k] - 4.0 / 3.0 * e) < 1e-14 * max(1, abs(e)))
        }
    }

    /// Spin scaling: E_x[ρα, ρβ] = (E_x[2ρα] + E_x[2ρβ]) / 2.
    @Test func polarizedExchangeObeysSpinScaling() throws {
        let ev = try ExchangeCorrelationFunctional("LDA_X").evaluator(polarized: true)
        let un = try ExchangeCorrelationFunctional("LDA_X").evaluator(polarized: false)
        let (a, b) = (0.3, 0.1)
        let pol = ev.evaluate(rho: [a, b])
        let ea = un.evaluate(rho: [2 * a]).exc[0] * 2 * a
        let eb = un.evaluate(rho: [2 * b]).exc[0] * 2 * b
        #expect(abs(pol.exc[0] * (a + b) - 0.5 * (ea + eb)) < 1e-14)
    }

    @Test func aliasesResolveToPinnedLibxcIDs() throws {
        #expect(try ExchangeCorrelationFunctional("b3lyp").componentIDs == [402])
        #expect(try ExchangeCorrelationFunctional("B3LYP5").componentIDs == [475])
        #expect(try ExchangeCorrelationFunctional("lda").componentIDs == [1, 7])
        #expect(try ExchangeCorrelationFunctional("GGA_X_PBE,GGA_C_PBE").componentIDs == [101, 130])
        #expect(try ExchangeCorrelationFunctional("101,130").needsGradient)
        #expect(abs(try ExchangeCorrelationFunctional("b3lyp").exactExchange - 0.2) < 1e-15)
        #expect(abs(try ExchangeCorrelationFunctional("pbe0").exactExchange - 0.25) < 1e-15)
        #expect(try ExchangeCorrelationFunctional("hf").isHartreeFock)
        #expect(try ExchangeCorrelationFunctional("hf").exactExchange == 1)
        #expect(throws: XCError.self) { try ExchangeCorrelationFunctional("nonsense") }
        #expect(throws: XCError.self) { try ExchangeCorrelationFunctional("HYB_GGA_XC_CAM_B3LYP") }
    }

    /// vσ against a central finite difference of ρ ε(ρ, σ) for PBE.
    @Test func ggaPotentialMatchesFiniteDifference() throws {
        let ev = try ExchangeCorrelationFunctional("pbe").evaluator(polarized: false)
        let (rho, sigma, h) = (0.2, 0.05, 1e-5)
        let e0 = ev.evaluate(rho: [rho], sigma: [sigma])
        let ep = ev.evaluate(rho: [rho], sigma: [sigma + h]).exc[0] * rho
        let em = ev.evaluate(rho: [rho], sigma: [sigma - h]).exc[0] * rho
        #expect(abs((ep - em) / (2 * h) - e0.vsigma[0]) < 1e-8)
        let rp = ev.evaluate(rho: [rho + h], sigma: [sigma]).exc[0] * (rho + h)
        let rm = ev.evaluate(rho: [rho - h], sigma: [sigma]).exc[0] * (rho - h)
        #expect(abs((rp - rm) / (2 * h) - e0.vrho[0]) < 1e-8)
    }
}
