import ChemistryCore
import Foundation
import GraphNetworks
import Training

/// The campaign's ensemble: training on every DFT result so far, prediction per atom, and the
/// bytes of a chemflow model file (what /models/K of the campaign file holds).
public enum CampaignModels {
    /// Hyperparameters of member `k` (seed = campaign seed · 1000 + round · 100 + k).
    public static func hyperparameters(_ m: CampaignConfiguration.Model, seed: UInt64) -> any NetworkHyperparameters {
        if m.architecture == "gnome" {
            return GNoMEHyperparameters(width: m.features, steps: m.interactions, radialFunctions: m.radialFunctions,
                                        cutoff: m.cutoff, seed: seed)
        }
        return SchNetHyperparameters(features: m.features, interactions: m.interactions, radialFunctions: m.radialFunctions,
                                     cutoff: m.cutoff, seed: seed)
    }

    /// Trains an ensemble on total energies (eV) of `data`. With `previous` (fine-tuning) the
    /// previous members continue from their weights and standardisation; otherwise new networks.
    /// Returns the model and the mean over members of the best validation MAE (eV/atom-normalised
    /// by the Trainer's metric, NaN without validation data).
    public static func train(_ data: InMemoryDataset, configuration: CampaignConfiguration, round: Int,
                             previous: ChemflowModel? = nil) throws -> (model: ChemflowModel, validationMAE: Double) {
        guard data.count >= 2 else {
            throw CampaignError.noTrainingData("only \(data.count) DFT result(s); at least 2 are needed")
        }
        let m = configuration.model
        var members: [any ChemflowNetwork] = []
        var maes: [Double] = []
        for k in 0..<m.ensembleSize {
            let seed = configuration.seed &* 1000 &+ UInt64(round) &* 100 &+ UInt64(k)
            let network: any ChemflowNetwork
            if let p = previous, m.retrain == "finetune", k < p.members.count {
                network = p.members[k]
            } else {
                network = try hyperparameters(m, seed: seed).fitted(to: data).makeNetwork()
            }
            var cfg = TrainingConfiguration(epochs: m.epochs, batchSize: m.batchSize, learningRate: m.learningRate,
                                            earlyStoppingPatience: max(20, m.epochs / 4),
                                            validationPercent: m.validationPercent, seed: seed)
            cfg.fitStandardization = previous == nil || m.retrain == "scratch"
            let result = try trainMember(network, configuration: cfg, data)
            members.append(network)
            if result.bestValidationMAE.isFinite { maes.append(result.bestValidationMAE) }
        }
        var provenance = TrainingProvenance()
        provenance.datasetPaths = ["campaign round \(round)"]
        provenance.epochs = m.epochs
        provenance.epochsRequested = m.epochs
        provenance.seed = configuration.seed
        provenance.trainCount = data.count
        let model = try ChemflowModel(members: members, provenance: provenance)
        return (model, maes.isEmpty ? .nan : maes.reduce(0, +) / Double(maes.count))
    }

    static func trainMember<M: ChemflowNetwork>(_ model: M, configuration: TrainingConfiguration,
                                                 _ data: InMemoryDataset) throws -> TrainingResult {
        try Trainer(model: model, configuration: configuration).train(data)
    }

    /// Energy per atom (eV/atom) of every structure for every member: [member][structure].
    public static func energiesPerAtom(_ model: ChemflowModel, _ structures: [Structure], batchSize: Int = 64) throws -> [[Double]] {
        try model.members.map { try perAtom($0, structures, batchSize: batchSize) }
    }

    static func perAtom<M: ChemflowNetwork>(_ m: M, _ structures: [Structure], batchSize: Int) throws -> [Double] {
        for s in structures { try m.validate(s) }
        var out: [Double] = []
        var start = 0
        while start < structures.count {
            let chunk = Array(structures[start..<min(start + batchSize, structures.count)])
            let e = m.energies(try GraphBatch(structures: chunk, cutoff: m.cutoff))
            out += zip(e, chunk).map { $0 / Double($1.count) }
            start += batchSize
        }
        return out
    }

    /// The bytes of the model file `model` would be written as.
    public static func fileBytes(_ model: ChemflowModel) throws -> [UInt8] {
        let path = temporaryPath("model")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.write(to: path)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CampaignError.invalidCampaignFile("cannot read back the model file written to \(path)")
        }
        return [UInt8](data)
    }

    /// A model from the bytes of a model file.
    public static func load(bytes: [UInt8]) throws -> ChemflowModel {
        let path = temporaryPath("model")
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw CampaignError.invalidCampaignFile("cannot write a temporary model file at \(path)")
        }
        return try ChemflowModel.load(path: path)
    }

    static func temporaryPath(_ stem: String) -> String {
        (NSTemporaryDirectory() as NSString).appendingPathComponent("chemflow-campaign-\(stem)-\(UUID().uuidString).h5")
    }
}
