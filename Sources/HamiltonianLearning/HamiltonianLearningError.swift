/// Inputs a user can get wrong when training or applying a Hamiltonian model.
public enum HamiltonianLearningError: Error, CustomStringConvertible, Equatable {
    case noConformers
    case unknownElement(Int)
    case tooManyShells(atomicNumber: Int, shells: Int, slots: Int)
    case invalidSetting(String)
    case parameters(String)

    public var description: String {
        switch self {
        case .noConformers: return "no conformers to train on"
        case .unknownElement(let z): return "element Z=\(z) is not among the elements the Hamiltonian model was built for"
        case let .tooManyShells(z, n, m):
            return "element Z=\(z) has \(n) shells in this basis but the model has \(m) shell slots per atom"
        case .invalidSetting(let s): return "invalid setting: \(s)"
        case .parameters(let s): return "model parameters: \(s)"
        }
    }
}
