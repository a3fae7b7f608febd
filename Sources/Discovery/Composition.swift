import ChemistryCore
import Foundation

/// A chemical composition: amount of each element (atomic number Z → number of atoms, which
/// may be fractional for averaged compositions).
public struct Composition: Hashable, Sendable, CustomStringConvertible {
    /// Z → amount; only positive amounts are stored.
    public private(set) var amounts: [Int: Double]

    public init(_ amounts: [Int: Double]) {
        self.amounts = amounts.filter { $0.value != 0 }
    }

    public init(counts: [Int: Int]) {
        self.init(counts.mapValues(Double.init))
    }

    /// The composition of a structure's atoms.
    public init(structure: Structure) {
        var c: [Int: Double] = [:]
        for z in structure.atomicNumbers { c[z, default: 0] += 1 }
        self.init(c)
    }

    /// Parses a formula such as "Li2O", "Fe2O3", "Na0.5Cl0.5" or "Fe3(PO4)2" (round brackets nest).
    public init(formula: String) throws {
        let chars = Array(formula.filter { !$0.isWhitespace })
        guard !chars.isEmpty else { throw DiscoveryError.invalidFormula(formula, "empty") }
        var i = 0
        func number() throws -> Double {
            var text = ""
            while i < chars.count, chars[i].isNumber || chars[i] == "." { text.append(chars[i]); i += 1 }
            if text.isEmpty { return 1 }
            guard let v = Double(text), v > 0, v.isFinite else { throw DiscoveryError.invalidFormula(formula, "bad amount '\(text)'") }
            return v
        }
        func group(depth: Int) throws -> [Int: Double] {
            var result: [Int: Double] = [:]
            while i < chars.count {
                if chars[i] == "(" {
                    i += 1
                    let inner = try group(depth: depth + 1)
                    guard i < chars.count, chars[i] == ")" else { throw DiscoveryError.invalidFormula(formula, "unbalanced '('") }
                    i += 1
                    let k = try number()
                    for (z, n) in inner { result[z, default: 0] += n * k }
                } else if chars[i] == ")" {
                    guard depth > 0 else { throw DiscoveryError.invalidFormula(formula, "unbalanced ')'") }
                    return result
                } else if chars[i].isUppercase {
                    var symbol = String(chars[i]); i += 1
                    while i < chars.count, chars[i].isLowercase { symbol.append(chars[i]); i += 1 }
                    guard let z = Elements.atomicNumber(symbol), z > 0 else {
                        throw DiscoveryError.invalidFormula(formula, "unknown element '\(symbol)'")
                    }
                    result[z, default: 0] += try number()
                } else {
                    throw DiscoveryError.invalidFormula(formula, "unexpected '\(chars[i])'")
                }
            }
            return result
        }
        let parsed = try group(depth: 0)
        guard !parsed.isEmpty else { throw DiscoveryError.invalidFormula(formula, "no elements") }
        self.init(parsed)
    }

    /// Elements present, ascending Z.
    public var elements: [Int] { amounts.keys.sorted() }
    /// Total number of atoms.
    public var atomCount: Double { amounts.values.reduce(0, +) }
    public subscript(_ z: Int) -> Double { amounts[z] ?? 0 }
    /// Atomic fraction x_Z = n_Z / Σ n.
    public func fraction(_ z: Int) -> Double { amounts[z].map { $0 / atomCount } ?? 0 }
    public var isElemental: Bool { amounts.count == 1 }

    /// Divided by the greatest common divisor when all amounts are integers (Fe4O6 → Fe2O3);
    /// otherwise normalised to one atom.
    public var reduced: Composition {
        let ints = amounts.values.map { $0.rounded() }
        if zip(ints, amounts.values).allSatisfy({ abs($0 - $1) < 1e-8 }), ints.allSatisfy({ $0 >= 1 }) {
            let g = ints.map { Int($0) }.reduce(0) { gcd($0, $1) }
            if g > 0 { return Composition(amounts.mapValues { ($0 / Double(g)).rounded() }) }
        }
        let n = atomCount
        return Composition(amounts.mapValues { $0 / n })
    }

    /// A key identifying the reduced composition: element fractions rounded to 1e-9.
    public var reducedKey: [Int: Int64] {
        let n = atomCount
        return amounts.mapValues { Int64(($0 / n * 1e9).rounded()) }
    }

    /// True when both compositions have the same atomic fractions (within 1e-9).
    public func hasSameReducedComposition(as other: Composition) -> Bool { reducedKey == other.reducedKey }

    /// Formula in the order of ascending electronegativity is not needed here: alphabetical by symbol.
    public var formula: String {
        amounts.keys.sorted { Elements.symbol($0) < Elements.symbol($1) }.map { z in
            let n = amounts[z]!
            if abs(n - 1) < 1e-12 { return Elements.symbol(z) }
            if abs(n - n.rounded()) < 1e-9 { return Elements.symbol(z) + "\(Int(n.rounded()))" }
            return Elements.symbol(z) + "\(n)"
        }.joined()
    }

    public var description: String { formula }
}

func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? abs(a) : gcd(b, a % b) }

/// Errors users of the Discovery module can cause.
public enum DiscoveryError: Error, Equatable, CustomStringConvertible {
    case invalidFormula(String, String)
    case noEntries
    case invalidEntry(String, String)
    case missingElementalReference(String)
    case elementOutsideSystem(String)
    case invalidPrototype(String, String)
    case invalidStructure(String, String)
    case invalidArgument(String)
    case symmetryAnalysisFailed(String)
    case searchFailed(String)

    public var description: String {
        switch self {
        case .invalidFormula(let f, let why): return "invalid formula '\(f)': \(why)"
        case .noEntries: return "the phase diagram needs at least one entry"
        case .invalidEntry(let name, let why): return "invalid entry '\(name)': \(why)"
        case .missingElementalReference(let el):
            return "no elemental reference for \(el): add at least one entry of pure \(el) to compute formation energies"
        case .elementOutsideSystem(let el): return "element \(el) is not part of this phase diagram's chemical system"
        case .invalidPrototype(let name, let why): return "prototype '\(name)': \(why)"
        case .invalidStructure(let name, let why): return "structure '\(name)': \(why)"
        case .invalidArgument(let why): return why
        case .symmetryAnalysisFailed(let why): return "symmetry analysis failed: \(why)"
        case .searchFailed(let why): return "random structure search failed: \(why)"
        }
    }
}
