import ChemistryCore
import LinearAlgebra
import Testing
@testable import GaussianDFT

/// Differentiating through damped SCF steps: the Fock response δF[D; X] (J, K and the libxc XC
/// kernel) and dE/dW of the energy after unrolled steps, both against central finite differences
/// of code that does not use them (F[D] and E[D] themselves).
@Suite struct UnrolledSCFStepsTests {
    /// Five-point central difference [8(f(h) − f(−h)) − (f(2h) − f(−2h))] / 12h.
    static func fivePoint(_ h: Double, _ f: (Double) throws -> Matrix) rethrows -> Matrix {
        let a = try f(h) - f(-h), b = try f(2 * h) - f(-2 * h)
        return (1 / (12 * h)) * (8 * a - b)
    }

    /// δF[D; X] against the five-point difference of F[D + tX] at the SCF density of formaldehyde
    /// (STO-3G, level-3 grid) for a random symmetric X with |X_μν| < 0.01. Hartree-Fock: F is linear
    /// in D, so only round-off remains (1e-14·|F|/h ≈ 1e-9 relative). LDA, PBE, B3LYP5: the XC kernel
    /// from libxc's second derivatives; with h = 1e-3 the truncation error (h⁴ · fifth derivative)
    /// is below 1e-9 and libxc's density threshold (points below it contribute nothing either way)
    /// does not enter at this size of step. Tolerance 1e-8 relative to max|δF| (about 1e-2 here);
    /// observed 1.5e-9 (HF, round-off) and 3e-10 to 4e-10 (LDA, PBE, B3LYP5).
    @Test(arguments: ["hf", "lda", "pbe", "b3lyp5"])
    func fockResponseMatchesFiniteDifferences(_ xc: String) throws {
        let energy = try DifferentiableEnergyTests.setup(DifferentiableEnergyTests.formaldehyde, xc)
        let (_, density, _) = try energy.calculation.runWithFock()
        var rng = SplitMix64(seed: 5)
        let x = DifferentiableEnergyTests.randomSymmetric(energy.aoCount, scale: 0.01, rng: &rng)
        let response = energy.calculation.model.fockResponse(density: density, perturbation: x)
        let fd = Self.fivePoint(1e-3) { t in energy.energy(density: density + t * x).fock }
        let relative = (response - fd).maxAbs / fd.maxAbs
        print("Fock response \(xc): max |δF| \(fd.maxAbs), relative error \(relative)")
        #expect(relative < 1e-8)
        #expect((response - response.transposed).maxAbs == 0)
    }

    /// dE/dW of the energy after k damped steps (k = 1, 2; α = ½, and α = 1 once) against the
    /// five-point difference of that energy along random symmetric directions, at W = F_scf − H_core
    /// + R (|R_μν| < 0.05 Ha, far from stationary). h = 2.5e-4 as in
    /// `DifferentiableEnergyTests.gradientMatchesFiniteDifferences` (truncation ≈ 1e-10 Ha, round-off
    /// ≈ 5e-9 Ha); each step adds a diagonalisation and an XC pass, not a new error source, so the
    /// same 1e-7 relative tolerance applies (observed 1e-11 to 5e-9).
    @Test(arguments: [("hf", 2, 0.5), ("b3lyp5", 1, 0.5), ("b3lyp5", 2, 0.5), ("pbe", 2, 1.0)])
    func gradientThroughStepsMatchesFiniteDifferences(_ c: (String, Int, Double)) throws {
        let (xc, steps, mixing) = c
        let energy = try DifferentiableEnergyTests.setup(waterAnchor, xc)
        let (_, _, fock) = try energy.calculation.runWithFock()
        var rng = SplitMix64(seed: 13)
        let n = energy.aoCount
        let w = fock - energy.coreHamiltonian + DifferentiableEnergyTests.randomSymmetric(n, scale: 0.05, rng: &rng)
        let ev = try energy.evaluate(correction: w, scfSteps: steps, mixing: mixing)
        let grad = try #require(ev.gradient)
        // Without steps the energy is higher: the steps are doing something.
        let none = try energy.evaluate(correction: w, gradient: false)
        #expect(ev.energy < none.energy)
        let h = 2.5e-4
        for _ in 0..<2 {
            let dir = DifferentiableEnergyTests.randomSymmetric(n, scale: 1, rng: &rng)
            func e(_ t: Double) throws -> Double {
                try energy.evaluate(correction: w + t * dir, scfSteps: steps, mixing: mixing, gradient: false).energy
            }
            let fd = (8 * (try e(h) - e(-h)) - (try e(2 * h) - e(-2 * h))) / (12 * h)
            let analytic = grad.dot(dir)
            let relative = abs(analytic - fd) / abs(fd)
            print("dE/dW after \(steps) steps (α \(mixing)) \(xc): analytic \(analytic) finite difference \(fd) relative error \(relative)")
            #expect(relative < 1e-7, "\(c): \(analytic) vs \(fd)")
        }
    }
}
