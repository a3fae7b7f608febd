import Foundation
/// A calculation that cannot be set up as asked. Each message is one line for stderr.
public enum DFTError: Error, CustomStringConvertible, Equatable {
    case atomsTooClose(i: Int, j: Int, distance: Double, minimum: Double)
    case impossibleSpin(electrons: Int, spin: Int)
    case noElectrons
    case gridLevel(Int)
    case invalidSetting(String)
    case linearDependence(String)

    public var description: String {
        switch self {
        case let .atomsTooClose(i, j, d, m):
            return "atoms \(i + 1) and \(j + 1) are \(String(format: "%.4f", d)) Å apart (minimum \(m) Å)"
        case let .impossibleSpin(n, s):
            return "\(n) electrons cannot have spin 2S = \(s) (2S must have the parity of the electron count and be ≤ \(n))"
        case .noElectrons: return "the molecule has no electrons"
        case .gridLevel(let l): return "grid level \(l) is outside 0...9"
        case .invalidSetting(let s): return s
        case .linearDependence(let s): return s
        }
    }
}
