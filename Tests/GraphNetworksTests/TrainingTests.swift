import ChemistryCore
import Foundation
import Testing
@testable import GraphNetworks

/// Pairwise Morse energies (eV) of random small H/C clusters: V = D[(1 − e^{−a(r − r0)})² − 1]
/// with element-pair parameters, plus per-element constants so the reference fit has work to do.
func morseDataset(count: Int, seed: UInt64) -> InMemoryDataset {
    var rng = SplitMix64(seed: seed)
    var structures: [Structure] = [], energies: [Double] = []
    for k in 0..<count {
        let n = 3 + Int(rng.next() % 4)
        let s = randomCluster(atoms: n, radius: 1.5, minDistance: 0.85, rng: &rng, elements: [1, 6], name: "morse-\(k)")
        var e = s.atomicNumbers.reduce(0.0) { $0 + ($1 == 1 ? -13.6 : -1030.0) }
        for i in 0..<n { for j in (i + 1)..<n {
            let r = ((s.positions[i] - s.positions[j]) * (s.positions[i] - s.positions[j])).sum().squareRoot()
            let pair = s.atomicNumbers[i] + s.atomicNumbers[j]
            let (d, a, r0) = pair == 2 ? (4.5, 1.9, 0.74) : (pair == 7 ? (3.5, 1.8, 1.09) : (6.0, 2.0, 1.25))
            let x = 1 - exp(-a * (r - r0))
            e += d * (x * x - 1)
        } }
        structures.append(s)
        energies.append(e)
    }
    return InMemoryDataset(structures: structures, energies: energies)
}

func standardDeviation(_ v: [Double]) -> Double {
    let m = v.reduce(0, +) / Double(v.count)
    return (v.reduce(0.0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count)).squareRoot()
}

@Suite struct TrainingTests {
    @Test func standardizationRecoversReferences() throws {
        // E = Σ ref_Z + 0.25 eV per atom + noise-free: refs absorb the per-atom constant exactly.
        let zs = [[1, 1, 8], [1, 6, 6, 1], [8, 8], [6, 1, 1, 1, 1], [1]]
        let ref: [Int: Double] = [1: -13.6, 6: -1030, 8: -2040]
        let e = zs.map { $0.reduce(0.0) { $0 + ref[$1]! + 0.25 } }
        let st = try Standardization.fit(atomicNumbers: zs, energies: e)
        #expect(st.elements == [1, 6, 8])
        for (k, z) in st.elements.enumerated() { #expect(abs(st.references[k] - (ref[z]! + 0.25)) < 1e-9 * abs(ref[z]!)) }
        #expect(abs(st.mean) < 1e-6)
        #expect(st.scale == 1 || st.scale < 1e-5)
        // Collinear compositions (one formula) still give a finite fit.
        let one = try Standardization.fit(atomicNumbers: [[1, 1, 8], [1, 8, 1]], energies: [-10, -12])
        #expect(one.references.allSatisfy { $0.isFinite } && abs(one.scale - 1.0 / 3) < 1e-9)
        #expect(throws: GraphNetworkError.self) { try Standardization.fit(atomicNumbers: [], energies: []) }
    }

    @Test func splitIsStableAndSchedulesBehave() {
        let names = (0..<1000).map { "mol-\($0)" }
        let (t, v) = splitByName(names, validationPercent: 10)
        #expect(t.count + v.count == 1000 && v.count > 60 && v.count < 140)
        #expect(splitByName(names, validationPercent: 10).validation == v)
        #expect(stableHash("abc") == 0xe71fa2190541574b)  // FNV-1a 64 reference value
        #expect(splitByName(["a", "b"], validationPercent: 10).validation.count == 1)

        var s = LearningRateSchedule(base: 1e-3, warmupSteps: 10, factor: 0.5, patience: 2, minimum: 1e-5)
        #expect(abs(s.rate(step: 0) - 1e-4) < 1e-15 && s.rate(step: 9) == 1e-3 && s.rate(step: 100) == 1e-3)
        s.observe(1.0); s.observe(1.0); s.observe(1.0)
        #expect(!s.observe(0.5) && s.rate(step: 100) == 1e-3)
        s.observe(0.5); s.observe(0.5)
        #expect(s.observe(0.5) && s.rate(step: 100) == 5e-4)

        // Adam on a quadratic converges; weight decay shrinks.
        var b = ParameterBuilder()
        _ = b.add("w", shape: [3], values: [3, -2, 1])
        let p = ParameterStore<Double>(b)
        var adam = AdamW()
        for _ in 0..<2000 {
            for i in 0..<3 { p.gradients[i] = 2 * (p.values[i] - Double(i)) }
            adam.update(p, learningRate: 0.05)
        }
        for i in 0..<3 { #expect(abs(p.values[i] - Double(i)) < 1e-3) }
        #expect(quantile([4, 1, 3, 2], 0.5) == 2.5 && quantile([4, 1, 3, 2], 0.25) == 1.75)
    }

    /// The synthetic task: a tiny SchNet learns Morse cluster energies; validation MAE ends far
    /// below the spread of the targets and of the per-element linear baseline.
    @Test func tinySchNetLearnsMorseClusters() throws {
        let data = morseDataset(count: 360, seed: 8)
        let model = try SchNetModel(SchNetHyperparameters(features: 16, interactions: 2, radialFunctions: 16,
                                                          cutoff: 3.5, seed: 1))
        let cfg = TrainingConfiguration(epochs: 40, batchSize: 16, learningRate: 3e-3, warmupSteps: 20,
                                        plateauPatience: 4, earlyStoppingPatience: 12, validationPercent: 20)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gnn-test-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let trainer = Trainer(model: model, configuration: cfg)
        let result = try trainer.train(data, modelPath: dir.appendingPathComponent("morse.h5"))
        let (_, val) = splitByName(data.structures.map(\.name), validationPercent: 20)
        let valE = val.map { data.energies[$0] }
        // Baseline: standardisation only (element references + per-atom mean).
        let st = model.standardization
        let baseline = val.map { i in
            abs(data.structures[i].atomicNumbers.reduce(0.0) { $0 + st.reference($1)! + st.mean } - data.energies[i])
        }.reduce(0, +) / Double(val.count)
        let sd = standardDeviation(valE)
        print("morse: val std \(sd) eV, baseline MAE \(baseline) eV, SchNet MAE \(result.bestValidationMAE) eV after \(result.history.count) epochs")
        #expect(result.bestValidationMAE < 0.1 * sd)
        #expect(result.bestValidationMAE < 0.1 * baseline)
        // Best weights restored: re-evaluating gives the best MAE.
        let pred = try model.predict(val.map { data.structures[$0] })
        let mae = zip(pred, valE).map { abs($0.energy - $1) }.reduce(0, +) / Double(val.count)
        #expect(abs(mae - result.bestValidationMAE) < 1e-6 * max(1, mae))
        // Metrics CSV and learning curve next to the model.
        let (csv, svg) = trainingReportPaths(nextTo: dir.appendingPathComponent("morse.h5"))
        let lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "epoch,train_loss,val_mae,lr,seconds" && lines.count == result.history.count + 1)
        let plot = try String(contentsOf: svg, encoding: .utf8)
        #expect(plot.hasPrefix("<svg") && plot.contains("<polyline") && plot.contains("epoch"))
        // Unknown elements are reported, not trapped.
        let alien = Structure(name: "x", atomicNumbers: [1, 26], positions: [.zero, SIMD3(1, 0, 0)])
        #expect(throws: GraphNetworkError.unknownElement(26)) { try model.predict([alien]) }
    }

    /// Interrupting after 2 epochs and resuming from the checkpoint reproduces 4 straight epochs.
    @Test func resumeIsExact() throws {
        let data = morseDataset(count: 60, seed: 3)
        let hp = SchNetHyperparameters(features: 8, interactions: 1, radialFunctions: 8, cutoff: 3.0, seed: 2)
        let cfg = TrainingConfiguration(epochs: 4, batchSize: 8, learningRate: 2e-3, warmupSteps: 5, validationPercent: 20)
        let straight = try SchNetModel(hp)
        try Trainer(model: straight, configuration: cfg).train(data)

        let first = try SchNetModel(hp)
        var saved: TrainingCheckpoint?
        var short = cfg
        short.epochs = 2
        let t1 = Trainer(model: first, configuration: short)
        t1.onCheckpoint = { saved = $0 }
        try t1.train(data)
        let resumed = try SchNetModel(hp)
        try Trainer(model: resumed, configuration: cfg).train(data, resumeFrom: saved!)
        #expect(resumed.parameters.flatValues == straight.parameters.flatValues)
        // Streaming graphs per batch (memory ∝ batch size) trains identically.
        let streamed = try SchNetModel(hp)
        var streaming = cfg
        streaming.cacheGraphs = false
        try Trainer(model: streamed, configuration: streaming).train(data)
        #expect(streamed.parameters.flatValues == straight.parameters.flatValues)
    }

    @Test func serializationAndEnsemble() throws {
        let data = morseDataset(count: 40, seed: 5)
        let hp = SchNetHyperparameters(features: 8, interactions: 1, radialFunctions: 8, cutoff: 3.0, seed: 4)
        let cfg = TrainingConfiguration(epochs: 2, batchSize: 8, learningRate: 1e-3, validationPercent: 20)
        let (ensemble, results) = try ModelEnsemble.train(template: try SchNetModel(hp), count: 3, seed: 10,
                                                          dataset: data, configuration: cfg)
        #expect(results.count == 3 && ensemble.members.count == 3)
        let probe = Array(data.structures.prefix(4))
        let preds = try ensemble.predict(probe)
        for p in preds {
            #expect(p.members.count == 3)
            let sorted = p.members.sorted()
            #expect(p.median == sorted[1] && p.lowerQuartile == (sorted[0] + sorted[1]) / 2 && p.interquartileRange >= 0)
        }
        // Round trip through the serialisation hooks.
        let m = ensemble.members[1]
        let copy = try SchNetModel(SchNetHyperparameters(features: 8, interactions: 1, radialFunctions: 8, cutoff: 3.0, seed: 99),
                                   standardization: m.standardization)
        try copy.loadParameters(m.namedParameters())
        #expect(try copy.predict(probe).map(\.energy) == (try m.predict(probe).map(\.energy)))
        #expect(copy.hyperparameterRecord["features"] == 8)
        let st = try JSONDecoder().decode(Standardization.self, from: JSONEncoder().encode(m.standardization))
        #expect(st == m.standardization)
        var missing = m.namedParameters()
        missing.removeLast()
        #expect(throws: GraphNetworkError.self) { try copy.loadParameters(missing) }
    }
}
