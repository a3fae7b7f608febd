import ChemistryCore
import Foundation
import Testing
@testable import GraphNetworks

/// Throughput of a default-size SchNet (128 features, 6 interactions, 50 Gaussians, 5 Å) on
/// batches of 32 QM9-sized random molecules (18 atoms: 9 C/N/O + 9 H). Off by default; run
/// `CHEMFLOW_GNN_TIMING=1 OPENBLAS_NUM_THREADS=1 swift test -c release --filter GraphNetworksTests.TimingTests`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["CHEMFLOW_GNN_TIMING"] == "1"))
struct TimingTests {
    @Test func defaultSchNetTrainingThroughput() throws {
        var rng = SplitMix64(seed: 1)
        let molecules = (0..<320).map { k -> Structure in
            var s = randomCluster(atoms: 18, radius: 2.6, minDistance: 1.0, rng: &rng, name: "m\(k)")
            s.atomicNumbers = (0..<18).map { $0 < 9 ? [6, 6, 6, 7, 8][$0 % 5] : 1 }
            return s
        }
        let data = InMemoryDataset(structures: molecules, energies: molecules.map { _ in rng.uniform() })
        let model = try SchNetModel(SchNetHyperparameters())
        let trainer = Trainer(model: model, configuration: TrainingConfiguration(epochs: 2, batchSize: 32, validationPercent: 0))
        let start = Date()
        try trainer.train(data)
        let rate = 640 / Date().timeIntervalSince(start)
        let edges = try molecules.map { try AtomGraph($0, cutoff: 5).edgeCount }.reduce(0, +) / molecules.count
        print("SchNet default, batch 32 × 18 atoms (\(edges) directed edges each): \(String(format: "%.1f", rate)) molecules/s training")
        #expect(rate > 0)
    }
}
