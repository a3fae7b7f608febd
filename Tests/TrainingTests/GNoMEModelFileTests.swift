import ChemistryCore
import Datasets
import Foundation
import GraphNetworks
import Testing
@testable import Training

let tinyGNoMEHyperparameters = GNoMEHyperparameters(width: 6, steps: 2, radialFunctions: 8, cutoff: 3.0, seed: 3,
                                                    averageDegree: 2.25)

func tinyGNoMEModel(seed: UInt64 = 3) throws -> GNoMEModel {
    var hp = tinyGNoMEHyperparameters
    hp.seed = seed
    let m = try GNoMEModel(hp)
    m.standardization = Standardization(elements: [1, 6, 8], references: [-13.6, -1029.0, -2040.0], mean: -0.7, scale: 1.3)
    for i in 0..<m.parameters.count { m.parameters.values[i] += Float(i % 7) * 1e-3 }
    return m
}

/// GNoME in the model file (architecture "gnome") and through `TrainingRun`.
@Suite struct GNoMEModelFileTests {
    /// One model and a 3-member ensemble: hyperparameters (average degree included), parameters,
    /// standardisation and bit-identical energies and forces after the round trip.
    @Test func roundTripPredictsBitIdentically() throws {
        let dir = scratch("gnome-file")
        let probe = clusterRecords(count: 7, seed: 4).map(\.structure)
        let m = try tinyGNoMEModel()
        let single = try ChemflowModel(members: [m])
        try single.write(to: dir + "/g.h5")
        let back = try ChemflowModel.load(path: dir + "/g.h5")
        #expect(back.architecture == "gnome" && back.members.count == 1)
        #expect((back.hyperparameters as? GNoMEHyperparameters) == m.hyperparameters)
        #expect(back.hyperparameters == m.hyperparameters && !(back.hyperparameters == tinyHyperparameters))
        #expect(back.members[0].parameters.flatValues == m.parameters.flatValues)
        #expect(back.members[0].standardization == m.standardization && back.cutoff == 3)
        let a = try single.predict(probe, forces: true), b = try back.predict(probe, forces: true)
        #expect(bits(a.map(\.energy)) == bits(b.map(\.energy)) && a.map { $0.forces! } == b.map { $0.forces! })

        let members = try (0..<3).map { try tinyGNoMEModel(seed: 20 + UInt64($0)) }
        let ensemble = try ChemflowModel(members: members)
        try ensemble.write(to: dir + "/e.h5")
        let eb = try ChemflowModel.load(path: dir + "/e.h5")
        #expect(eb.isEnsemble && eb.architecture == "gnome")
        for k in 0..<3 {
            #expect(eb.members[k].hyperparameters.seed == 20 + UInt64(k))
            #expect(eb.members[k].parameters.flatValues == members[k].parameters.flatValues)
        }
        let x = try ensemble.predict(probe, forces: true), y = try eb.predict(probe, forces: true)
        for (p, q) in zip(x, y) { #expect(p.memberEnergies == q.memberEnergies && p.forces! == q.forces!) }
        // Members of different architectures cannot form one model.
        #expect(throws: TrainingError.self) { try ChemflowModel(members: [m, try tinyModel()]) }
    }

    /// Damaged GNoME files give one-line errors.
    @Test func damagedHyperparametersAreOneLineErrors() throws {
        let dir = scratch("gnome-damaged")
        try ChemflowModel(members: [try tinyGNoMEModel()]).write(to: dir + "/g.h5")
        for (attribute, phrase) in [("average_degree", "out of range"), ("steps", "out of range")] {
            let path = dir + "/\(attribute).h5"
            try FileManager.default.copyItem(atPath: dir + "/g.h5", toPath: path)
            let f = try HDF5File.open(path: path, mode: .readWrite)
            let hg = try f.root().openGroup("hyperparameters")
            if attribute == "steps" { try hg.setAttribute("steps", 0) } else { try hg.setAttribute(attribute, -1.0) }
            try f.close()
            let e = #expect(throws: TrainingError.self) { try ChemflowModel.load(path: path) }
            #expect(e?.message.contains(phrase) == true && e?.message.contains("\n") == false, "\(e?.message ?? "")")
        }
    }

    /// `TrainingRun` with GNoME: fits δ on the training set, writes a "gnome" model file, and a
    /// resume after 2 of 3 epochs reproduces 3 straight epochs bit for bit.
    @Test func trainingRunFitsTheAverageDegreeAndResumes() throws {
        let dir = scratch("gnome-run")
        try writeDataset(clusterRecords(count: 30, seed: 7), to: dir + "/train.h5")
        func options(_ output: String, epochs: Int, resume: Bool = false) -> TrainingRunOptions {
            TrainingRunOptions(dataPaths: [dir + "/train.h5"], outputPath: dir + "/" + output, hyperparameters: tinyHyperparameters,
                               configuration: TrainingConfiguration(epochs: epochs, batchSize: 8, learningRate: 2e-3,
                                                                    validationPercent: 20, seed: 3),
                               resume: resume, chemflowVersion: "test", gnomeHyperparameters: tinyGNoMEHyperparameters)
        }
        let summary = try TrainingRun(options: options("straight.h5", epochs: 3)).run()
        let model = try ChemflowModel.load(path: dir + "/straight.h5")
        #expect(model.architecture == "gnome" && model.parameterCount == summary.parameterCount)
        // δ = directed edges per atom of the training structures at 3 Å.
        let source = try HDF5DatasetSource(path: dir + "/train.h5")
        let names = try (0..<source.count).map { try source.structure(at: $0).name }
        let train = splitByName(names, validationPercent: 20).train
        let expected = try GNoMEModel.averageDegree(train.map { try source.structure(at: $0) }, cutoff: 3)
        let fitted = try #require(model.hyperparameters as? GNoMEHyperparameters)
        #expect(fitted.averageDegree == expected && expected > 1)
        _ = try TrainingRun(options: options("resumed.h5", epochs: 2)).run()
        let resumed = try TrainingRun(options: options("resumed.h5", epochs: 3, resume: true)).run()
        #expect(resumed.resumedFromEpoch == 2)
        let b = try ChemflowModel.load(path: dir + "/resumed.h5")
        #expect(b.members[0].parameters.flatValues == model.members[0].parameters.flatValues)
        // A SchNet checkpoint cannot be resumed as GNoME.
        var schnet = options("resumed.h5", epochs: 4, resume: true)
        schnet.gnomeHyperparameters = nil
        let e = #expect(throws: TrainingError.self) { try TrainingRun(options: schnet).run() }
        #expect(e?.message.contains("architecture") == true, "\(e?.message ?? "")")
    }
}
