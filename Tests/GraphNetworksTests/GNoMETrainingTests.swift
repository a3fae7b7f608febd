import ChemistryCore
import Foundation
import Testing
@testable import GraphNetworks

/// GNoME through the unchanged `Trainer` and `ModelEnsemble`.
@Suite struct GNoMETrainingTests {
    /// A handful of structures (6 Morse clusters and 2 periodic crystals): a small GNoME overfits
    /// them, the training loss falls by more than 10× (the SchNet test's criterion).
    @Test func smallGNoMEOverfitsAHandfulOfStructures() throws {
        var data = morseDataset(count: 6, seed: 31)
        for (k, a) in [2.1, 2.4].enumerated() {
            let s = Structure(name: "crystal-\(k)", atomicNumbers: [1, 6],
                              positions: [SIMD3(0.1, 0.2, 0), SIMD3(1.0, 0.9, 1.1)],
                              lattice: [SIMD3(a, 0, 0), SIMD3(0.3, a, 0), SIMD3(0.2, -0.2, a)], pbc: [true, true, true])
            data.structures.append(s)
            data.energies.append(-1043.6 - 3.0 * Double(k) + 0.7)
        }
        let graphs = try data.structures.map { try AtomGraph($0, cutoff: 3.0) }
        let hp = GNoMEHyperparameters(width: 16, steps: 2, radialFunctions: 12, cutoff: 3.0, seed: 1,
                                      averageDegree: GNoME<Float>.averageDegree(graphs))
        let model = try GNoMEModel(hp)
        let cfg = TrainingConfiguration(epochs: 150, batchSize: 4, learningRate: 3e-3, plateauPatience: 30,
                                        earlyStoppingPatience: 150, validationPercent: 0)
        let result = try Trainer(model: model, configuration: cfg).train(data)
        let first = result.history.first!.trainLoss
        let last = result.history.suffix(5).map(\.trainLoss).min()!
        print("GNoME overfit: train loss \(first) → \(last) eV² over \(result.history.count) epochs (δ = \(hp.averageDegree))")
        #expect(last < 0.1 * first)
        // Best weights restored: the energies reproduce the best epoch's error.
        let pred = try model.predict(data.structures)
        let rmse = (zip(pred, data.energies).map { ($0.energy - $1) * ($0.energy - $1) }.reduce(0, +) / Double(data.count)).squareRoot()
        #expect(rmse < first.squareRoot())
    }

    /// An ensemble of GNoMEs trains through `ModelEnsemble` and gives median and quartiles.
    @Test func ensembleOfGNoMEs() throws {
        let data = morseDataset(count: 30, seed: 32)
        let hp = GNoMEHyperparameters(width: 8, steps: 1, radialFunctions: 8, cutoff: 3.0, seed: 4, averageDegree: 3)
        let (ensemble, results) = try ModelEnsemble.train(template: try GNoMEModel(hp), count: 3, seed: 10, dataset: data,
                                                          configuration: TrainingConfiguration(epochs: 2, batchSize: 8, validationPercent: 20))
        #expect(results.count == 3 && ensemble.members.map(\.hyperparameters.seed) == [10, 11, 12])
        #expect(ensemble.members.allSatisfy { $0.hyperparameters.averageDegree == 3 })
        let p = try ensemble.predict(Array(data.structures.prefix(3)))
        for x in p {
            #expect(x.members.count == 3 && x.median == x.members.sorted()[1])
            #expect(x.lowerQuartile <= x.median && x.median <= x.upperQuartile)
        }
    }

    /// Named parameters round-trip into a model with another seed and reproduce the energies.
    @Test func namedParametersRoundTrip() throws {
        let hp = GNoMEHyperparameters(width: 6, steps: 2, radialFunctions: 8, cutoff: 3.0, seed: 5, averageDegree: 2)
        let a = try GNoMEModel(hp)
        for i in 0..<a.parameters.count { a.parameters.values[i] += Float(i % 5) * 1e-3 }
        var other = hp
        other.seed = 77
        let b = try GNoMEModel(other)
        try b.loadParameters(a.namedParameters())
        let batch = try GraphBatch(structures: smallMolecules() + [smallCrystal()], cutoff: 3.0)
        #expect(a.energies(batch) == b.energies(batch))
        #expect(throws: GraphNetworkError.missingParameter("readout.1.bias")) {
            try b.loadParameters(a.namedParameters().filter { $0.name != "readout.1.bias" })
        }
    }
}
