import ChemistryCore
import Datasets
import Foundation
import GraphNetworks
import Testing
@testable import Training

// MARK: - Fixtures

func scratch(_ tag: String) -> String {
    let dir = NSTemporaryDirectory() + "chemflow-training-\(tag)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

let testMethod = DatasetMethod(xc: "B3LYP5", libxc: "402:HYB_GGA_XC_B3LYP5", basis: "sto-3g", gridLevel: 0,
                               convergenceThreshold: 1e-9, extra: ["preset": "qm1b"])

/// A small deterministic generator (the tests' own, independent of the modules').
struct TestRandom {
    var state: UInt64
    mutating func next() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) / Double(1 << 53)
    }
}

/// Random 2–5-atom H/C/O clusters with a Morse-like pair energy plus element offsets (eV).
func clusterRecords(count: Int, seed: UInt64, elements: [Int] = [1, 6, 8]) -> [LabelledStructure] {
    var rng = TestRandom(state: seed)
    let offsets: [Int: Double] = [1: -13.6, 6: -1029.0, 8: -2040.0, 9: -2700.0, 17: -12500.0]
    return (0..<count).map { i in
        let n = 2 + i % 4
        var z: [Int] = [], pos: [SIMD3<Double>] = []
        for a in 0..<n {
            z.append(elements[(a + i) % elements.count])
            pos.append(SIMD3(1.1 * Double(a) + 0.3 * rng.next(), 0.4 * rng.next(), 0.4 * rng.next()))
        }
        var e = z.reduce(0.0) { $0 + offsets[$1]! }
        for a in 0..<n { for b in (a + 1)..<n {
            let d = ((pos[a] - pos[b]) * (pos[a] - pos[b])).sum().squareRoot()
            let x = 1 - exp(-1.5 * (d - 1.1))
            e += 2.0 * (x * x - 1)
        } }
        return LabelledStructure(index: i, structure: Structure(name: "cluster-\(i)", atomicNumbers: z, positions: pos),
                                 status: .ok, energy: e, converged: true, iterations: 5)
    }
}

func writeDataset(_ records: [LabelledStructure], to path: String) throws {
    let w = try DatasetWriter(creating: path, method: testMethod, overwrite: true)
    try w.append(records)
    try w.close()
}

let tinyHyperparameters = SchNetHyperparameters(features: 8, interactions: 1, radialFunctions: 8, cutoff: 3.0, seed: 3)

func tinyModel(seed: UInt64 = 3) throws -> SchNetModel {
    var hp = tinyHyperparameters
    hp.seed = seed
    let m = try SchNetModel(hp)
    m.standardization = Standardization(elements: [1, 6, 8], references: [-13.6, -1029.0, -2040.0], mean: -0.7, scale: 1.3)
    return m
}

func bits(_ xs: [Double]) -> [UInt64] { xs.map(\.bitPattern) }

// MARK: - Dataset source

@Suite struct DatasetSourceTests {
    @Test func usesOnlyOkRecordsWithFiniteEnergies() throws {
        let dir = scratch("source")
        var records = clusterRecords(count: 10, seed: 1)
        records[2].status = .failed
        records[2].energy = .nan
        records[5].status = .notConverged
        records[7].energy = .nan
        try writeDataset(records, to: dir + "/d.h5")
        let source = try HDF5DatasetSource(path: dir + "/d.h5", blockSize: 3)
        #expect(source.count == 7 && source.skipped == 3 && source.recordCount == 10)
        let kept = records.enumerated().filter { ![2, 5, 7].contains($0.offset) }.map(\.element)
        for (i, r) in kept.enumerated().reversed() {   // backwards: exercises the block cache
            #expect(try source.structure(at: i) == r.structure)
            #expect(try source.energy(at: i) == r.energy)
        }
        #expect(source.method == testMethod)
        #expect(source.methodAttributes["basis"] == "sto-3g" && source.methodAttributes["preset"] == "qm1b")
        #expect(throws: TrainingError.self) { try source.structure(at: 7) }
    }

    @Test func noUsableRecordsOrTargetOrFileIsAClearError() throws {
        let dir = scratch("source-errors")
        var records = clusterRecords(count: 3, seed: 2)
        for k in records.indices { records[k].status = .failed }
        try writeDataset(records, to: dir + "/failed.h5")
        let e1 = #expect(throws: TrainingError.self) { try HDF5DatasetSource(path: dir + "/failed.h5") }
        #expect(e1?.message.contains("no usable records") == true)
        try writeDataset([], to: dir + "/empty.h5")
        let e2 = #expect(throws: TrainingError.self) { try HDF5DatasetSource(path: dir + "/empty.h5") }
        #expect(e2?.message.contains("no records") == true)
        let e3 = #expect(throws: TrainingError.self) { try HDF5DatasetSource(path: dir + "/d.h5", target: "gap") }
        #expect(e3?.message.contains("not supported") == true)
        let e4 = #expect(throws: TrainingError.self) { try HDF5DatasetSource(path: dir + "/missing.h5") }
        #expect(e4?.message.contains("no such file") == true)
        FileManager.default.createFile(atPath: dir + "/zero.h5", contents: Data())
        #expect(throws: TrainingError.self) { try HDF5DatasetSource(path: dir + "/zero.h5") }
    }

    @Test func concatenationAndSubsetsIndexAcrossParts() throws {
        let a = InMemoryDataset(structures: clusterRecords(count: 3, seed: 1).map(\.structure), energies: [1, 2, 3])
        let empty = InMemoryDataset(structures: [], energies: [])
        let b = InMemoryDataset(structures: clusterRecords(count: 2, seed: 2).map(\.structure), energies: [4, 5])
        let c = ConcatenatedDataset([empty, a, empty, b, empty])
        #expect(c.count == 5)
        #expect(try (0..<5).map { try c.energy(at: $0) } == [1, 2, 3, 4, 5])
        let s = SubsetDataset(c, indices: [4, 0])
        #expect(try s.energy(at: 0) == 5 && s.count == 2)
        #expect(throws: TrainingError.self) { try c.energy(at: 5) }
    }
}

// MARK: - Model file

@Suite struct ModelFileTests {
    @Test func roundTripPredictsBitIdentically() throws {
        let dir = scratch("modelfile")
        let m = try tinyModel()
        // Perturb every parameter away from its initial value so all tensors matter.
        for i in 0..<m.parameters.count { m.parameters.values[i] += Float(i % 7) * 1e-3 }
        var provenance = TrainingProvenance(datasetPaths: ["/data/a.h5", "/data/b.h5"], datasetMethod: ["xc": "B3LYP5", "basis": "sto-3g"],
                                            epochs: 7, epochsRequested: 10, seed: 3, trainCount: 90, validationCount: 10,
                                            configuration: TrainingConfiguration(epochs: 10, batchSize: 16),
                                            finalMetrics: ["val_mae_ev": 0.125, "val_rmse_ev": 0.25], chemflowVersion: "9.9.9")
        provenance.created = "2025-01-01T00:00:00Z"
        let model = try ChemflowModel(members: [m], provenance: provenance)
        try model.write(to: dir + "/m.h5")
        let back = try ChemflowModel.load(path: dir + "/m.h5")
        #expect(back.members.count == 1 && back.architecture == "schnet")
        #expect(back.hyperparameters == m.hyperparameters)
        #expect(back.members[0].standardization == m.standardization)
        #expect(back.members[0].parameters.flatValues == m.parameters.flatValues)
        #expect(back.elements == [1, 6, 8])
        #expect(back.provenance == provenance)
        let probe = clusterRecords(count: 9, seed: 4).map(\.structure)
        let a = try model.predict(probe, forces: true), b = try back.predict(probe, forces: true)
        #expect(bits(a.map(\.energy)) == bits(b.map(\.energy)))
        #expect(a.map { $0.forces! } == b.map { $0.forces! })
        #expect(a.allSatisfy { $0.spread == 0 })
    }

    @Test func ensembleRoundTripKeepsEveryMember() throws {
        let dir = scratch("ensemble")
        let members = try (0..<3).map { k -> SchNetModel in
            let m = try tinyModel(seed: 10 + UInt64(k))
            m.standardization.mean += Double(k) * 0.01
            return m
        }
        let model = try ChemflowModel(members: members)
        try model.write(to: dir + "/e.h5")
        let back = try ChemflowModel.load(path: dir + "/e.h5")
        #expect(back.members.count == 3 && back.isEnsemble)
        for k in 0..<3 {
            #expect(back.members[k].hyperparameters.seed == 10 + UInt64(k))
            #expect(back.members[k].parameters.flatValues == members[k].parameters.flatValues)
            #expect(back.members[k].standardization == members[k].standardization)
        }
        let probe = clusterRecords(count: 5, seed: 6).map(\.structure)
        let a = try model.predict(probe, forces: true), b = try back.predict(probe, forces: true)
        for (x, y) in zip(a, b) {
            #expect(x.energy.bitPattern == y.energy.bitPattern && x.spread.bitPattern == y.spread.bitPattern)
            #expect(x.memberEnergies == y.memberEnergies && x.forces! == y.forces!)
            let s = x.memberEnergies.sorted()
            #expect(x.energy == s[1] && x.lowerQuartile == (s[0] + s[1]) / 2 && x.upperQuartile == (s[1] + s[2]) / 2)
        }
    }

    @Test func notAModelFileIsAOneLineError() throws {
        let dir = scratch("not-model")
        try writeDataset(clusterRecords(count: 2, seed: 1), to: dir + "/data.h5")
        try "hello".write(toFile: dir + "/text.h5", atomically: true, encoding: .utf8)
        FileManager.default.createFile(atPath: dir + "/empty.h5", contents: Data())
        let cases = [("data.h5", "is a chemflow dataset"), ("text.h5", "not a chemflow model file"),
                     ("empty.h5", "not a chemflow model file"), ("missing.h5", "no such file")]
        for (name, phrase) in cases {
            let e = #expect(throws: TrainingError.self) { try ChemflowModel.load(path: dir + "/" + name) }
            #expect(e?.message.contains(phrase) == true, "\(name): \(e?.message ?? "")")
            #expect(e?.message.contains("\n") == false)
        }
        // A model file with a parameter removed.
        let h5 = try HDF5File.create(path: dir + "/partial.h5", overwrite: true)
        let root = try h5.root()
        try root.setAttribute("format", Training.modelFormatName)
        try root.setAttribute("format_version", 1)
        try root.setAttribute("architecture", "schnet")
        let hp = try root.createGroup("hyperparameters")
        for (k, v) in [("features", 8), ("interactions", 1), ("radial_functions", 8), ("max_atomic_number", 100)] {
            try hp.setAttribute(k, v)
        }
        try hp.setAttribute("cutoff", 3.0)
        try h5.close()
        let e = #expect(throws: TrainingError.self) { try ChemflowModel.load(path: dir + "/partial.h5") }
        #expect(e?.message.contains("lacks parameter") == true, "\(e?.message ?? "")")
    }

    @Test func unseenElementNamesElementAndStructure() throws {
        let model = try ChemflowModel(members: [try tinyModel()])
        let s = Structure(name: "salt", atomicNumbers: [1, 17], positions: [.zero, SIMD3(1.3, 0, 0)])
        let e = #expect(throws: TrainingError.self) { try model.predict([s]) }
        #expect(e?.message.contains("'salt'") == true && e?.message.contains("Cl") == true)
        let empty = Structure(name: "nothing", atomicNumbers: [], positions: [])
        #expect(throws: TrainingError.self) { try model.predict([empty]) }
    }
}

// MARK: - Training runs

@Suite struct TrainingRunTests {
    func options(_ dir: String, output: String, epochs: Int, ensemble: Int = 1, resume: Bool = false) -> TrainingRunOptions {
        TrainingRunOptions(dataPaths: [dir + "/train.h5"], outputPath: dir + "/" + output, hyperparameters: tinyHyperparameters,
                           configuration: TrainingConfiguration(epochs: epochs, batchSize: 8, learningRate: 2e-3, warmupSteps: 3,
                                                                validationPercent: 20, seed: 3),
                           ensembleSize: ensemble, resume: resume, chemflowVersion: "test")
    }

    @Test func trainsWritesReportsAndEvaluates() throws {
        let dir = scratch("run")
        try writeDataset(clusterRecords(count: 48, seed: 7), to: dir + "/train.h5")
        let summary = try TrainingRun(options: options(dir, output: "m.h5", epochs: 3)).run()
        #expect(summary.trainCount + summary.validationCount == 48 && summary.validationCount > 0)
        for path in [dir + "/m.h5", dir + "/m.metrics.csv", dir + "/m.learning-curve.svg", dir + "/m.checkpoint.h5"] {
            #expect(FileManager.default.fileExists(atPath: path), "\(path)")
        }
        let model = try ChemflowModel.load(path: dir + "/m.h5")
        #expect(model.provenance.epochs == 3 && model.provenance.trainCount == summary.trainCount)
        #expect(model.provenance.datasetMethod["xc"] == "B3LYP5" && model.provenance.chemflowVersion == "test")
        #expect(model.provenance.datasetPaths.first?.hasSuffix("/train.h5") == true)
        let v = try #require(summary.validation)
        #expect(model.provenance.finalMetrics["val_mae_ev"] == v.mae)
        // Re-evaluating the loaded model on the full set is finite and self-consistent.
        let all = try model.evaluate(try HDF5DatasetSource(path: dir + "/train.h5"))
        #expect(all.count == 48 && all.mae.isFinite && all.rmse >= all.mae && all.maePerAtom < all.mae)
    }

    /// Stopping after 2 epochs and resuming to 4 writes the same parameters as 4 straight epochs.
    @Test(arguments: [1, 2]) func resumeEqualsAnUninterruptedRun(_ ensemble: Int) throws {
        let dir = scratch("resume")
        try writeDataset(clusterRecords(count: 40, seed: 8), to: dir + "/train.h5")
        _ = try TrainingRun(options: options(dir, output: "straight.h5", epochs: 4, ensemble: ensemble)).run()
        _ = try TrainingRun(options: options(dir, output: "resumed.h5", epochs: 2, ensemble: ensemble)).run()
        let resumed = TrainingRun(options: options(dir, output: "resumed.h5", epochs: 4, ensemble: ensemble, resume: true))
        var epochsRun: [Int] = []
        resumed.onEpoch = { epochsRun.append($0.metrics.epoch) }
        let summary = try resumed.run()
        #expect(summary.resumedFromEpoch == 2)
        #expect(epochsRun == Array(repeating: [3, 4], count: ensemble).flatMap { $0 })
        let a = try ChemflowModel.load(path: dir + "/straight.h5"), b = try ChemflowModel.load(path: dir + "/resumed.h5")
        #expect(a.members.count == ensemble && b.members.count == ensemble)
        for (x, y) in zip(a.members, b.members) {
            #expect(x.parameters.flatValues == y.parameters.flatValues)
            #expect(x.standardization == y.standardization)
        }
        #expect(a.provenance.finalMetrics["val_mae_ev"] == b.provenance.finalMetrics["val_mae_ev"])
        let csv = Training.reportPaths(forModel: dir + "/resumed.h5", member: 0, of: ensemble).csv
        #expect(try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").count == 5)
        // Resuming a finished run changes nothing.
        _ = try TrainingRun(options: options(dir, output: "resumed.h5", epochs: 4, ensemble: ensemble, resume: true)).run()
        let c = try ChemflowModel.load(path: dir + "/resumed.h5")
        #expect(zip(a.members, c.members).allSatisfy { $0.parameters.flatValues == $1.parameters.flatValues })
    }

    @Test func badInputsAreClearErrors() throws {
        let dir = scratch("run-errors")
        try writeDataset(clusterRecords(count: 20, seed: 9), to: dir + "/train.h5")
        _ = try TrainingRun(options: options(dir, output: "m.h5", epochs: 1)).run()
        // Resume with other hyperparameters.
        var other = options(dir, output: "m.h5", epochs: 2, resume: true)
        other.hyperparameters.features = 12
        let e1 = #expect(throws: TrainingError.self) { try TrainingRun(options: other).run() }
        #expect(e1?.message.contains("features") == true, "\(e1?.message ?? "")")
        // A validation file with an element the training data lack.
        try writeDataset(clusterRecords(count: 4, seed: 9, elements: [1, 17]), to: dir + "/val.h5")
        var withVal = options(dir, output: "v.h5", epochs: 1)
        withVal.validationPaths = [dir + "/val.h5"]
        let e2 = #expect(throws: TrainingError.self) { try TrainingRun(options: withVal).run() }
        #expect(e2?.message.contains("Cl") == true, "\(e2?.message ?? "")")
        // The model never saw Cl: prediction names the structure.
        let model = try ChemflowModel.load(path: dir + "/m.h5")
        let e3 = #expect(throws: TrainingError.self) { try model.evaluate(try HDF5DatasetSource(path: dir + "/val.h5")) }
        #expect(e3?.message.contains("cluster-") == true && e3?.message.contains("Cl") == true)
    }
}
