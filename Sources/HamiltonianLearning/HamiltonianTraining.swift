import ChemistryCore
import Foundation
import GaussianDFT
import GraphNetworks
import LinearAlgebra

/// How `trainHamiltonianModel` trains.
public struct HamiltonianTrainingSettings: Sendable, Equatable {
    public var model = HamiltonianModelConfiguration()
    public var epochs = 10
    /// Conformers per optimiser step; the loss is their mean energy.
    public var batchSize = 4
    /// Adam step size.
    public var learningRate = 1e-3
    /// Conformers held out (never trained on) for the gap to the converged SCF energy: the last
    /// `heldOutCount` after a seeded shuffle.
    public var heldOutCount = 4
    /// Seed of the shuffles (the model has its own seed in `model.seed`).
    public var seed: UInt64 = 7

    public init() {}

    func validate(conformers: Int) throws {
        guard epochs >= 0, batchSize > 0, learningRate > 0, learningRate.isFinite else {
            throw HamiltonianLearningError.invalidSetting("epochs ≥ 0, batch size > 0 and learning rate > 0 are required")
        }
        guard heldOutCount >= 0, heldOutCount < conformers else {
            throw HamiltonianLearningError.invalidSetting("held-out count \(heldOutCount) must leave training conformers (of \(conformers))")
        }
    }
}

/// One epoch of training (epoch 0: before any step). Energies in Ha.
public struct HamiltonianEpochReport: Sendable, Codable, Equatable {
    public var epoch: Int
    /// Mean energy of the predicted densities over the epoch's training batches (the loss;
    /// for epoch 0, at the initial parameters).
    public var trainingEnergy: Double
    /// Mean over held-out conformers of E[D_predicted] − E_SCF (≥ 0 up to grid noise, by the
    /// variational principle); nil without held-out conformers.
    public var heldOutGap: Double?
    /// Largest held-out gap.
    public var heldOutMaxGap: Double?
}

/// The trained model and its learning curve.
public struct HamiltonianTrainingResult {
    public let model: HamiltonianModel
    public let history: [HamiltonianEpochReport]
    /// Names of the held-out conformers.
    public let heldOut: [String]
    /// The epoch whose parameters the model holds: the smallest mean held-out gap (the last
    /// epoch when nothing is held out).
    public let bestEpoch: Int
}

/// Trains a `HamiltonianModel` with the DFT energy of its predicted density as the only loss:
/// no labels (Mathiasen et al., arXiv 2402.04030). Each step takes `batchSize` conformers, predicts
/// W for each, diagonalises H_core + W, evaluates E_KS[D] and dE/dW (`HamiltonianEnergy`), and
/// applies Adam to the mean energy. Held-out conformers get one converged SCF each at the start;
/// after every epoch `progress` receives the mean gap E[D_pred] − E_SCF on them, and the returned
/// model holds the parameters of the epoch with the smallest gap.
///
/// Not implemented yet: unrolling k damped SCF steps after the prediction (their backward pass
/// needs the XC kernel ∂V_xc/∂D, which GaussianDFT does not provide).
public func trainHamiltonianModel(conformers: [Structure], settings: HamiltonianTrainingSettings,
                                  progress: ((HamiltonianEpochReport) -> Void)? = nil) throws -> HamiltonianTrainingResult {
    guard !conformers.isEmpty else { throw HamiltonianLearningError.noConformers }
    try settings.validate(conformers: conformers.count)
    let model = try HamiltonianModel(configuration: settings.model)
    var rng = SplitMix64(seed: settings.seed)
    let order = conformers.indices.shuffled(using: &rng)
    let heldIndices = Array(order.suffix(settings.heldOutCount))
    let trainIndices = Array(order.prefix(conformers.count - settings.heldOutCount))
    let train = try trainIndices.map { try MolecularInputs(structure: conformers[$0], configuration: settings.model) }
    let held = try heldIndices.map { try MolecularInputs(structure: conformers[$0], configuration: settings.model) }
    let references = try held.map { h -> Double in
        let r = try h.energy.calculation.run()
        guard r.converged else {
            throw HamiltonianLearningError.invalidSetting("the reference SCF of held-out conformer '\(h.structure.name)' did not converge")
        }
        return r.energy
    }
    func heldOutGaps() throws -> [Double] {
        try zip(held, references).map { try model.energy($0.0) - $0.1 }
    }
    var history: [HamiltonianEpochReport] = []
    // The parameters with the smallest mean held-out gap so far (Adam's early steps can overshoot).
    var best: (gap: Double, values: [Double])? = nil
    func report(epoch: Int, trainingEnergy: Double) throws {
        let gaps = try heldOutGaps()
        let r = HamiltonianEpochReport(epoch: epoch, trainingEnergy: trainingEnergy,
                                       heldOutGap: gaps.isEmpty ? nil : gaps.reduce(0, +) / Double(gaps.count),
                                       heldOutMaxGap: gaps.max())
        if let gap = r.heldOutGap, gap.isFinite, gap < (best?.gap ?? .infinity) {
            best = (gap, Array(UnsafeBufferPointer(start: model.parameters.values, count: model.parameters.count)))
        }
        history.append(r)
        progress?(r)
    }
    try report(epoch: 0, trainingEnergy: train.map { try model.energy($0) }.reduce(0, +) / Double(train.count))
    var adam = AdamW()
    for epoch in stride(from: 1, through: settings.epochs, by: 1) {
        let shuffled = train.indices.shuffled(using: &rng)
        var sum = 0.0
        for start in stride(from: 0, to: shuffled.count, by: settings.batchSize) {
            let batch = shuffled[start..<min(start + settings.batchSize, shuffled.count)]
            model.parameters.zeroGradients()
            for i in batch {
                let (w, pass) = model.forward(train[i])
                let ev = try train[i].evaluate(correction: w, gradient: true)
                sum += ev.energy
                model.backward(pass, train[i], gradient: ev.gradient!, scale: 1 / Double(batch.count))
            }
            adam.update(model.parameters, learningRate: settings.learningRate)
        }
        try report(epoch: epoch, trainingEnergy: sum / Double(train.count))
    }
    if let best {
        for i in best.values.indices { model.parameters.values[i] = best.values[i] }
    }
    return HamiltonianTrainingResult(model: model, history: history, heldOut: held.map(\.structure.name),
                                     bestEpoch: history.first { $0.heldOutGap == best?.gap }?.epoch ?? history.count - 1)
}

/// Energy and frontier orbitals of the density predicted by a model (Ha).
public struct HamiltonianPrediction: Sendable, Codable, Equatable {
    /// E_KS[D] of the predicted density, nuclear repulsion included.
    public var energy: Double
    /// HOMO and LUMO: eigenvalues of F[D] for the predicted D (one diagonalisation, no SCF).
    public var homo: Double
    public var lumo: Double
    public var components: EnergyComponents
}

extension HamiltonianModel {
    /// Energy of the predicted density for prepared inputs.
    public func energy(_ m: MolecularInputs) throws -> Double {
        try m.evaluate(correction: correction(m), gradient: false).energy
    }

    /// Energy, HOMO and LUMO of the predicted density for prepared inputs, without SCF.
    public func predict(_ m: MolecularInputs) throws -> HamiltonianPrediction {
        let ev = try m.evaluate(correction: correction(m), gradient: false)
        let (homo, lumo) = try m.energy.frontierOrbitalEnergies(fock: ev.fock)
        return HamiltonianPrediction(energy: ev.energy, homo: homo, lumo: lumo, components: ev.components)
    }

    /// Energy, HOMO and LUMO for a geometry (Å), without SCF: sets up basis, integrals and grid
    /// for the model's method, predicts W, evaluates E_KS and diagonalises F[D] once.
    public func predict(_ structure: Structure) throws -> HamiltonianPrediction {
        try predict(MolecularInputs(structure: structure, configuration: configuration))
    }
}
