/// Architecture and DFT method of a `HamiltonianModel`. Codable, so a model file can store it
/// next to the parameters.
public struct HamiltonianModelConfiguration: Codable, Sendable, Equatable {
    /// The method whose energy is the loss; the model predicts W in this basis.
    public var functional = "b3lyp5"
    public var basis = "sto-3g"
    public var gridLevel = 3
    public var cartesian = false
    /// Atomic numbers the model accepts.
    public var elements: [Int] = [1, 6, 7, 8]
    /// Shells per atom the output covers (3 for C, N, O in STO-3G: 1s, 2s, 2p).
    public var shellSlots = 3
    /// Width of the element embedding and atom context.
    public var features = 16
    /// Width of the two hidden layers of the pair network.
    public var hidden = 32
    /// Gaussians of the radial basis, centred on 0…cutoff Å.
    public var radialCount = 16
    /// Range of the radial basis and of the atom context (Å).
    public var cutoff = 5.0
    /// Initial weights of the output layer are Xavier-uniform times this factor, so training
    /// starts close to the SAD Fock matrix.
    public var outputScale = 0.01
    public var seed: UInt64 = 1
    /// σ per input block family (`BlockScales.swift`): the learned part of each coefficient is
    /// multiplied by it. nil means 1 everywhere (models written before the scaling existed).
    /// Training fills it from the training conformers (`blockScales(for:)`).
    public var blockScales: [Double]? = nil
    /// Damped Roothaan steps unrolled after the predicted density, inside training and at every
    /// prediction: the model's output is the density after them (`HamiltonianEnergy.unrolledSteps`).
    /// nil means 0 (and models written before the option existed).
    public var unrolledSCFSteps: Int? = nil
    /// Mixing α of the unrolled steps, D ← (1 − α) D + α D_new; nil means ½ (QPT's (D + D_new)/2).
    public var unrolledSCFMixing: Double? = nil

    public init() {}

    /// Unrolled SCF steps (0 = the predicted density itself).
    public var scfSteps: Int { unrolledSCFSteps ?? 0 }
    /// Mixing of the unrolled SCF steps.
    public var scfMixing: Double { unrolledSCFMixing ?? 0.5 }

    /// Names of the equivariant input matrices M_k, in output order.
    public var matrixNames: [String] {
        var names = ["overlap", "kinetic", "nuclear_attraction", "coulomb_sad", "exchange_sad"]
        if functional.lowercased() != "hf" { names.append("xc_sad") }
        return names
    }

    /// Fixed part of each coefficient s_k: with the learned part zero, W = J[D_SAD] − (a_x/2) K[D_SAD]
    /// + V_xc[D_SAD], i.e. H is the Fock matrix of the SAD guess.
    public func baseCoefficients(exactExchange: Double) -> [Double] {
        matrixNames.map { name in
            switch name {
            case "coulomb_sad", "xc_sad": return 1
            case "exchange_sad": return -0.5 * exactExchange
            default: return 0
            }
        }
    }

    func validate() throws {
        guard features > 0, hidden > 0, radialCount >= 2, cutoff > 0, shellSlots > 0, outputScale.isFinite else {
            throw HamiltonianLearningError.invalidSetting("features, hidden, shellSlots must be positive, radialCount ≥ 2, cutoff > 0")
        }
        guard !elements.isEmpty, elements.allSatisfy({ (1...118).contains($0) }), Set(elements).count == elements.count else {
            throw HamiltonianLearningError.invalidSetting("elements must be distinct atomic numbers 1…118")
        }
        guard scfSteps >= 0, scfMixing > 0, scfMixing <= 1 else {
            throw HamiltonianLearningError.invalidSetting("unrolled SCF steps must be ≥ 0 and their mixing in (0, 1]")
        }
        if let scales = blockScales {
            guard scales.count == blockFamilyCount, scales.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw HamiltonianLearningError.invalidSetting("block scales: \(scales.count) values, expected \(blockFamilyCount) finite positive ones")
            }
        }
    }
}
