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
    /// Adam step size (the peak of `schedule`).
    public var learningRate = 1e-3
    /// Learning rate per step: warm-up, then constant or cosine decay. Default: 10 warm-up steps,
    /// then constant (uracil, 40 conformers, 15 epochs of batches of 2 at 1e-3: held-out gap
    /// 2.3 mHa constant, 2.6 mHa cosine to 1 %; the gap was still falling, so decay came too early).
    public var schedule = HamiltonianLearningRateSchedule(shape: .constant, warmupSteps: 10)
    /// Scale the learned coefficients per input block family (`BlockScales.swift`) from the
    /// training conformers, unless `model.blockScales` is already set.
    public var scaleInputs = true
    /// Conformers held out (never trained on) for the gap to the converged SCF energy: the last
    /// `heldOutCount` after a seeded shuffle.
    public var heldOutCount = 4
    /// Seed of the shuffles (the model has its own seed in `model.seed`).
    public var seed: UInt64 = 7
    /// Conformers evaluated at once (setup, reference SCF, and the E[D], dE/dW of a batch), each
    /// with single-threaded BLAS. The results do not depend on it: the backward passes run in
    /// batch order on the calling thread.
    public var threads = 2
    /// Memory per conformer for AO values on the grid, kept across epochs (bytes); blocks beyond
    /// it are re-evaluated at every step. Measured on uracil (B3LYP5/STO-3G, level 3, one thread):
    /// 32 MiB → 128 MiB saves ~20 % of an epoch but adds ~100 MB of resident memory per
    /// conformer, so the default is the SCF's 32 MiB.
    public var aoCacheBytes = SCFSettings().aoCacheBytes

    public init() {}

    func validate(conformers: Int) throws {
        guard epochs >= 0, batchSize > 0, learningRate > 0, learningRate.isFinite else {
            throw HamiltonianLearningError.invalidSetting("epochs ≥ 0, batch size > 0 and learning rate > 0 are required")
        }
        guard threads > 0, aoCacheBytes >= 0 else {
            throw HamiltonianLearningError.invalidSetting("threads must be positive and the AO cache non-negative")
        }
        try schedule.validate()
        try model.validate()
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
    /// variational principle, for an idempotent prediction; after unrolled damped steps the density
    /// is a mixture and KS-DFT gives no such bound); nil without held-out conformers.
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
/// applies Adam to the mean energy at the step's rate from `schedule`. Before the first step the
/// input block scales σ are computed from the training conformers (`scaleInputs`). The per-conformer
/// DFT work runs on `threads` threads; the result does not depend on the count. Held-out conformers
/// get one converged SCF each at the start; after every epoch `progress` receives the mean gap
/// E[D_pred] − E_SCF on them, and the returned model holds the parameters of the epoch with the
/// smallest gap.
///
/// With `model.unrolledSCFSteps` = k > 0 the loss is the energy after k damped Roothaan steps from
/// the predicted density (QPT's unrolled SCF), differentiated through the steps with the Fock
/// response (J, K and the libxc XC kernel); each step costs about two SCF iterations per conformer
/// (one forward, one backward). Held-out gaps and predictions use the same steps.
public func trainHamiltonianModel(conformers: [Structure], settings: HamiltonianTrainingSettings,
                                  progress: ((HamiltonianEpochReport) -> Void)? = nil) throws -> HamiltonianTrainingResult {
    guard !conformers.isEmpty else { throw HamiltonianLearningError.noConformers }
    try settings.validate(conformers: conformers.count)
    var rng = SplitMix64(seed: settings.seed)
    let order = conformers.indices.shuffled(using: &rng)
    let heldIndices = Array(order.suffix(settings.heldOutCount))
    let trainIndices = Array(order.prefix(conformers.count - settings.heldOutCount))
    let threads = settings.threads
    // Fixed per-conformer inputs (integrals, grid, cached AO values, M_k), built once for all epochs.
    let train = try parallelMap(count: trainIndices.count, threads: threads) {
        try MolecularInputs(structure: conformers[trainIndices[$0]], configuration: settings.model,
                            aoCacheBytes: settings.aoCacheBytes)
    }
    let held = try parallelMap(count: heldIndices.count, threads: threads) {
        try MolecularInputs(structure: conformers[heldIndices[$0]], configuration: settings.model,
                            aoCacheBytes: settings.aoCacheBytes, startGrids: true)
    }
    let references = try parallelMap(count: held.count, threads: threads) { i -> Double in
        let r = try held[i].energy.calculation.run()
        guard r.converged else {
            throw HamiltonianLearningError.invalidSetting("the reference SCF of held-out conformer '\(held[i].structure.name)' did not converge")
        }
        return r.energy
    }
    var configuration = settings.model
    if settings.scaleInputs && configuration.blockScales == nil {
        configuration.blockScales = configuration.blockScales(for: train)
    }
    let model = try HamiltonianModel(configuration: configuration)
    func energies(_ inputs: [MolecularInputs]) throws -> [Double] {
        let w = inputs.map { model.correction($0) }
        return try parallelMap(count: inputs.count, threads: threads) { try model.evaluate(inputs[$0], correction: w[$0], gradient: false).energy }
    }
    func heldOutGaps() throws -> [Double] {
        zip(try energies(held), references).map { $0 - $1 }
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
    try report(epoch: 0, trainingEnergy: try energies(train).reduce(0, +) / Double(train.count))
    var adam = AdamW()
    let stepsPerEpoch = (train.count + settings.batchSize - 1) / settings.batchSize
    var step = 0
    for epoch in stride(from: 1, through: settings.epochs, by: 1) {
        let shuffled = train.indices.shuffled(using: &rng)
        var sum = 0.0
        for start in stride(from: 0, to: shuffled.count, by: settings.batchSize) {
            let batch = shuffled[start..<min(start + settings.batchSize, shuffled.count)]
            model.parameters.zeroGradients()
            // Forward passes (cheap, read the parameters), then the DFT evaluations in parallel,
            // then the backward passes in batch order: the same arithmetic as a serial loop.
            let items = Array(batch)
            let forward = items.map { model.forward(train[$0]) }
            let evaluations = try parallelMap(count: items.count, threads: threads) {
                try model.evaluate(train[items[$0]], correction: forward[$0].w, gradient: true)
            }
            for (j, i) in items.enumerated() {
                sum += evaluations[j].energy
                model.backward(forward[j].pass, train[i], gradient: evaluations[j].gradient!, scale: 1 / Double(items.count))
            }
            adam.update(model.parameters, learningRate: settings.schedule.rate(step: step, totalSteps: stepsPerEpoch * settings.epochs,
                                                                               peak: settings.learningRate))
            step += 1
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
        try evaluate(m, correction: correction(m), gradient: false).energy
    }

    /// Energy, HOMO and LUMO of the predicted density for prepared inputs, without SCF (beyond
    /// the model's own unrolled steps, `configuration.unrolledSCFSteps`, which are part of it).
    /// `scfSteps` > 0 follows the prediction with that many further damped Roothaan steps (mixing
    /// `mixing`, `HamiltonianEnergy.dampedSteps`; about one SCF iteration each, not part of the
    /// model's training) and reports the energy and frontier orbitals of the resulting density.
    public func predict(_ m: MolecularInputs, scfSteps: Int = 0, mixing: Double = 0.5) throws -> HamiltonianPrediction {
        let ev = try evaluate(m, correction: correction(m), gradient: false)
        let (e, _, f) = try m.energy.dampedSteps(density: ev.density, fock: ev.fock, energy: ev.components,
                                                 steps: scfSteps, mixing: mixing)
        let (homo, lumo) = try m.energy.frontierOrbitalEnergies(fock: f)
        return HamiltonianPrediction(energy: e.total, homo: homo, lumo: lumo, components: e)
    }

    /// Energy, HOMO and LUMO for a geometry (Å), without SCF: sets up basis, integrals and grid
    /// for the model's method, predicts W, evaluates E_KS and diagonalises F[D] once (plus
    /// `scfSteps` damped Roothaan steps, see `predict(_:scfSteps:mixing:)`).
    public func predict(_ structure: Structure, scfSteps: Int = 0, mixing: Double = 0.5) throws -> HamiltonianPrediction {
        try predict(MolecularInputs(structure: structure, configuration: configuration), scfSteps: scfSteps, mixing: mixing)
    }
}
