import ChemistryCore

/// Size, seed and data-derived constants of the GNoME crystal energy model (Merchant et al.,
/// Nature 624, 80 (2023), Methods "Graph networks"). Defaults are the paper's: width 256,
/// 3 message-passing steps, 30 Gaussians centred 0.05–4 Å, cutoff 4 Å.
public struct GNoMEHyperparameters: Codable, Sendable, Equatable {
    /// Width of every node, edge and global feature vector and of every MLP hidden layer.
    public var width: Int = 256
    /// Message-passing steps (each updates edges, then nodes, then — except the last — the global).
    public var steps: Int = 3
    /// Gaussian radial features, centres linspace(0.05 Å, cutoff, n).
    public var radialFunctions: Int = 30
    /// Neighbour cutoff, Å (periodic images included).
    public var cutoff: Double = 4.0
    public var seed: UInt64 = 0
    /// δ: the summed messages are divided by this fixed constant, the mean number of directed
    /// edges per atom of the training set (`GNoME.averageDegree`). Saved with the model.
    public var averageDegree: Double = 1.0
    /// Largest atomic number of the one-hot input (rows Z = 1…maxZ).
    public var maxAtomicNumber: Int = 100
    /// Multiply every message by the cosine cutoff fc(d) so that E(R) is continuous (and C¹)
    /// when a neighbour crosses the cutoff. GNoME's published model has a hard cutoff (false).
    public var smoothCutoff: Bool = true

    /// First Gaussian centre, Å.
    public static let radialStart = 0.05
    /// GNoME's radial features are exp(−(d − μ_k)² / 0.5²), i.e. σ = 0.5/√2 Å in the
    /// exp(−(d − μ)²/(2σ²)) convention of `GaussianBasis`.
    public static let gaussianWidth = 0.5 / 2.0.squareRoot()

    public init(width: Int = 256, steps: Int = 3, radialFunctions: Int = 30, cutoff: Double = 4.0,
                seed: UInt64 = 0, averageDegree: Double = 1.0, maxAtomicNumber: Int = 100, smoothCutoff: Bool = true) {
        self.width = width
        self.steps = steps
        self.radialFunctions = radialFunctions
        self.cutoff = cutoff
        self.seed = seed
        self.averageDegree = averageDegree
        self.maxAtomicNumber = maxAtomicNumber
        self.smoothCutoff = smoothCutoff
    }

    public func validate() throws {
        guard width >= 2 else { throw GraphNetworkError.invalidHyperparameter("width \(width) < 2") }
        guard steps >= 1 else { throw GraphNetworkError.invalidHyperparameter("message-passing steps \(steps) < 1") }
        guard radialFunctions >= 2 else { throw GraphNetworkError.invalidHyperparameter("radial functions \(radialFunctions) < 2") }
        guard cutoff.isFinite, cutoff > Self.radialStart else {
            throw GraphNetworkError.invalidHyperparameter("cutoff \(cutoff) Å (must exceed \(Self.radialStart) Å)")
        }
        guard averageDegree.isFinite, averageDegree > 0 else {
            throw GraphNetworkError.invalidHyperparameter("average degree \(averageDegree) (must be positive)")
        }
        guard maxAtomicNumber >= 1 else { throw GraphNetworkError.invalidHyperparameter("max Z \(maxAtomicNumber)") }
    }

    /// The radial basis these hyperparameters describe.
    public var basis: GaussianBasis {
        GaussianBasis(start: Self.radialStart, stop: cutoff, count: radialFunctions, width: Self.gaussianWidth)
    }
}
