import ChemistryCore
import Foundation
@testable import HamiltonianLearning
import LinearAlgebra
import Testing

@Suite struct BlockScaleTests {
    /// σ is symmetric under (A, a) ↔ (B, b), so W stays symmetric; the kinetic on-site O 1s
    /// family (T_μμ ≈ 29 Ha) gets σ = 1/RMS ≈ 1/29; with the learned part zero, W is exactly the
    /// SAD Fock correction Σ_k base_k M_k whatever the scales; a configuration without scales
    /// (a model file written before they existed) decodes with scales nil.
    @Test func scalesAreSymmetricAndKeepTheSADStart() throws {
        setBLASThreads(1)
        var c = smallConfiguration("b3lyp5", outputScale: 1)
        let inputs = try shippedConformers("ethanol").prefix(2).map { try MolecularInputs(structure: $0, configuration: c) }
        let scales = c.blockScales(for: inputs)
        #expect(scales.count == c.blockFamilyCount)
        let e = c.elements.count, s = c.shellSlots
        for k in 0..<c.matrixNames.count { for on in [false, true] { for ea in 0..<e { for a in 0..<s { for eb in 0..<e { for b in 0..<s {
            #expect(scales[c.blockFamily(k, onSite: on, ea, a, eb, b)] == scales[c.blockFamily(k, onSite: on, eb, b, ea, a)])
        } } } } } }
        let kinetic = c.matrixNames.firstIndex(of: "kinetic")!, oxygen = c.elements.firstIndex(of: 8)!
        let oxygen1s = scales[c.blockFamily(kinetic, onSite: true, oxygen, 0, oxygen, 0)]
        let t = inputs[0].matrices[kinetic], mu = inputs[0].aoAtom.firstIndex { inputs[0].structure.atomicNumbers[$0] == 8 }!
        #expect(abs(oxygen1s * t[mu, mu] - 1) < 1e-3, "σ \(oxygen1s), T \(t[mu, mu])")

        c.blockScales = scales
        let model = try HamiltonianModel(configuration: c)
        let w = model.correction(inputs[0])
        #expect((w - w.transposed).maxAbs < 1e-14)
        var zeroed = model.namedParameters
        for name in ["pair.output.weight", "pair.output.bias"] { zeroed[name] = zeroed[name]!.map { _ in 0 } }
        try model.load(namedParameters: zeroed)
        let base = c.baseCoefficients(exactExchange: inputs[0].exactExchange)
        var sad = Matrix(rows: inputs[0].aoCount, columns: inputs[0].aoCount)
        for k in base.indices { sad = sad + base[k] * inputs[0].matrices[k] }
        #expect((model.correction(inputs[0]) - sad).maxAbs < 1e-13)

        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(c)) as! [String: Any]
        json.removeValue(forKey: "blockScales")
        let old = try JSONDecoder().decode(HamiltonianModelConfiguration.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(old.blockScales == nil)
        c.blockScales = [1, 2]
        #expect(throws: HamiltonianLearningError.self) { try HamiltonianModel(configuration: c) }
    }
}

@Suite struct LearningRateScheduleTests {
    /// Warm-up rises linearly to the peak; cosine then falls monotonically to finalFraction × peak
    /// at the last step, through the midpoint value (1 + f)/2 × peak halfway; constant stays at the peak.
    @Test func warmupAndCosine() throws {
        let cosine = HamiltonianLearningRateSchedule(shape: .cosine, warmupSteps: 4, finalFraction: 0.01)
        let total = 105, peak = 2e-3
        let rates = (0..<total).map { cosine.rate(step: $0, totalSteps: total, peak: peak) }
        #expect(abs(rates[0] - peak / 4) < 1e-15)
        #expect(abs(rates[3] - peak) < 1e-15)
        #expect(abs(rates[total - 1] - 0.01 * peak) < 1e-15)
        #expect(abs(cosine.rate(step: 4 + 50, totalSteps: total, peak: peak) - peak * (1.01 / 2)) < 1e-15)
        for i in 4..<(total - 1) { #expect(rates[i + 1] < rates[i]) }
        let constant = HamiltonianLearningRateSchedule(shape: .constant, warmupSteps: 2)
        #expect(constant.rate(step: 0, totalSteps: 10, peak: 1) == 0.5)
        #expect((1..<10).allSatisfy { constant.rate(step: $0, totalSteps: 10, peak: 1) == 1 })
        #expect(HamiltonianLearningRateSchedule.constant.rate(step: 0, totalSteps: 1, peak: 3) == 3)
        #expect(throws: HamiltonianLearningError.self) { try HamiltonianLearningRateSchedule(warmupSteps: -1).validate() }
    }
}

@Suite struct PredictionWithSCFStepsTests {
    /// Zero steps is the prediction itself; one half-damped step from an untrained model's
    /// density (the SAD Fock start, tens of mHa above the SCF) lowers the energy.
    @Test func stepsAfterThePrediction() throws {
        setBLASThreads(1)
        var c = HamiltonianModelConfiguration()
        c.elements = [1, 8]
        let model = try HamiltonianModel(configuration: c)
        let water = try MolecularInputs(structure: shippedConformers("water")[11], configuration: c)
        let plain = try model.predict(water)
        #expect(try model.predict(water, scfSteps: 0) == plain)
        let stepped = try model.predict(water, scfSteps: 1)
        print("water, untrained model: E \(plain.energy) → \(stepped.energy) Ha after one damped step")
        #expect(stepped.energy < plain.energy - 1e-4)
        #expect(stepped.homo < stepped.lumo)
    }
}
