import ChemistryCore
import Foundation
import HamiltonianLearning
import Testing

/// The HDF5 model file of `chemflow train --loss dft-energy`.
@Suite struct HamiltonianModelStoreTests {
    @Test func roundTripGivesIdenticalPredictions() throws {
        var configuration = HamiltonianModelConfiguration()
        configuration.seed = 11
        let model = try HamiltonianModel(configuration: configuration)
        let path = NSTemporaryDirectory() + "chemflow-hamiltonian-\(UUID().uuidString).h5"
        defer { unlink(path) }
        let history = try JSONDecoder().decode([HamiltonianEpochReport].self, from: Data(
            #"[{"epoch": 0, "trainingEnergy": -75.2, "heldOutGap": 0.03, "heldOutMaxGap": 0.04}]"#.utf8))
        try HamiltonianModelStore.write(model, history: history, chemflowVersion: "test", to: path)
        #expect(HamiltonianModelStore.isHamiltonianModel(path))
        let (back, backHistory) = try HamiltonianModelStore.read(path)
        #expect(backHistory == history)
        #expect(back.serialized == model.serialized)
        let water = try shippedConformers("water")[0]
        let a = try model.predict(water), b = try back.predict(water)
        #expect(a.energy == b.energy && a.homo == b.homo && a.lumo == b.lumo)
    }

    @Test func otherFilesAreRefusedClearly() throws {
        let text = NSTemporaryDirectory() + "chemflow-not-a-model-\(UUID().uuidString).h5"
        try "hello".write(toFile: text, atomically: true, encoding: .utf8)
        defer { unlink(text) }
        #expect(!HamiltonianModelStore.isHamiltonianModel(text))
        #expect(!HamiltonianModelStore.isHamiltonianModel(text + ".missing"))
        #expect(throws: HamiltonianLearningError.self) { try HamiltonianModelStore.read(text) }
    }
}
