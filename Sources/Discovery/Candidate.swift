import ChemistryCore

/// A hypothetical crystal proposed by one of the generators, with a record of how it was made.
public struct Candidate: Sendable {
    public enum Method: Sendable, Equatable {
        /// A prototype decorated with elements (role → Z).
        case prototype(name: String, assignment: [String: Int])
        /// Every atom of each element A replaced by map[A]; `likelihood` is Π p(A → map[A]).
        case substitution(map: [Int: Int], likelihood: Double)
        /// `replaced` atoms (indices into the parent) of one Wyckoff orbit replaced by `element`.
        case partialSubstitution(orbit: [Int], wyckoff: String, replaced: [Int], element: Int)
        /// Random structure search: the candidate's own seed and index.
        case randomSearch(seed: UInt64, index: Int)
    }

    public var structure: Structure
    public var method: Method
    /// Name of the structure this one was derived from (nil for random search).
    public var parent: String?

    public init(structure: Structure, method: Method, parent: String?) {
        self.structure = structure
        self.method = method
        self.parent = parent
    }

    /// One line for logs and campaign files.
    public var provenance: String {
        switch method {
        case .prototype(let name, let assignment):
            let a = assignment.keys.sorted().map { "\($0)=\(Elements.symbol(assignment[$0]!))" }.joined(separator: ",")
            return "prototype \(name) [\(a)]"
        case .substitution(let map, let p):
            let m = map.keys.sorted().map { "\(Elements.symbol($0))->\(Elements.symbol(map[$0]!))" }.joined(separator: ",")
            return "substitution of \(parent ?? "?") [\(m)] likelihood \(p)"
        case .partialSubstitution(_, let w, let replaced, let z):
            return "partial substitution of \(parent ?? "?"): atoms \(replaced) of orbit \(w) -> \(Elements.symbol(z))"
        case .randomSearch(let seed, let index):
            return "random search #\(index) seed \(seed)"
        }
    }
}
