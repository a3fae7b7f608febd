import ChemistryCore

/// Result of one pass over a batch: energies per structure (eV) and, when asked for, the
/// gradient of Σ_b seed_b · E_b with respect to every atom position (eV/Å).
public struct ModelEvaluation: Sendable {
    public var energies: [Double]
    public var positionGradients: [SIMD3<Double>]?
}

/// What the trainer, the ensemble and serialisation need from a graph network
/// (SchNet and the GNoME-style model both conform).
public protocol EnergyModel<Scalar>: AnyObject {
    associatedtype Scalar: NetworkScalar
    /// "schnet" or "gnome".
    var kind: String { get }
    var parameters: ParameterStore<Scalar> { get }
    var cutoff: Double { get }
    var maxAtomicNumber: Int { get }
    var standardization: Standardization { get set }
    /// Hyperparameters as name → value, for the model file.
    var hyperparameterRecord: [String: Double] { get }

    /// Forward pass; if either gradient flag is set, `seeds(energies)` supplies dL/dE_b and the
    /// backward pass accumulates dL/dθ into `parameters.gradients` (not zeroed here) and/or
    /// returns dL/dR.
    func evaluate(_ batch: GraphBatch, parameterGradients: Bool, positionGradients: Bool,
                  seeds: ([Double]) -> [Double]) -> ModelEvaluation

    /// A freshly initialised model of the same kind and size with another seed.
    func reinitialized(seed: UInt64) -> Self
}

extension EnergyModel {
    /// Energies in eV, forward only.
    public func energies(_ batch: GraphBatch) -> [Double] {
        evaluate(batch, parameterGradients: false, positionGradients: false, seeds: { $0 }).energies
    }

    /// Energies (eV) and forces F = −dE/dR (eV/Å) for every atom of the batch.
    public func energiesAndForces(_ batch: GraphBatch) -> (energies: [Double], forces: [SIMD3<Double>]) {
        let r = evaluate(batch, parameterGradients: false, positionGradients: true,
                         seeds: { Array(repeating: 1, count: $0.count) })
        return (r.energies, r.positionGradients!.map { -$0 })
    }

    /// Throws for elements outside the model's training set or embedding table.
    public func validate(_ structure: Structure) throws {
        guard structure.count > 0 else { throw GraphNetworkError.emptyStructure(structure.name) }
        for z in structure.atomicNumbers {
            guard z >= 1, z <= maxAtomicNumber, standardization.reference(z) != nil else {
                throw GraphNetworkError.unknownElement(z)
            }
        }
    }

    /// Energies and forces for structures, in batches.
    public func predict(_ structures: [Structure], batchSize: Int = 32) throws
        -> [(energy: Double, forces: [SIMD3<Double>])] {
        for s in structures { try validate(s) }
        var out: [(Double, [SIMD3<Double>])] = []
        var start = 0
        while start < structures.count {
            let chunk = Array(structures[start..<min(start + batchSize, structures.count)])
            let batch = try GraphBatch(structures: chunk, cutoff: cutoff)
            let (e, f) = energiesAndForces(batch)
            for b in 0..<chunk.count {
                out.append((e[b], Array(f[batch.firstAtom[b]..<batch.firstAtom[b + 1]])))
            }
            start += batchSize
        }
        return out
    }

    /// Named parameter tensors as Float32 arrays (what the model file stores).
    public func namedParameters() -> [(name: String, shape: [Int], values: [Float])] {
        parameters.named().map { ($0.name, $0.shape, $0.values.map { Float($0) }) }
    }

    /// Loads parameters by name (from a model file).
    public func loadParameters(_ named: [(name: String, shape: [Int], values: [Float])]) throws {
        var d: [String: (shape: [Int], values: [Scalar])] = [:]
        for p in named { d[p.name] = (p.shape, p.values.map { Scalar($0) }) }
        try parameters.load(d)
    }

    /// Number of trainable scalars.
    public var parameterCount: Int { parameters.count }
}
