import ChemistryCore
import Foundation

/// A Goedecker-Teter-Hutter separable dual-space pseudopotential (atomic units).
///
/// Local part: V_loc(r) = −Zion/r · erf(r/(√2 r_loc)) + exp(−r²/2r_loc²) Σ_i C_i (r/r_loc)^{2i−2}.
/// Nonlocal part: Σ_l Σ_m Σ_ij |p_i^l Y_lm⟩ h^l_ij ⟨p_j^l Y_lm| with Gaussian-type projectors
/// p_i^l(r) = √2 r^{l+2(i−1)} e^{−r²/2r_l²} / (r_l^{l+(4i−1)/2} √Γ(l+(4i−1)/2)).
public struct GTHPseudopotential: Sendable, Equatable {
    public struct Channel: Sendable, Equatable {
        public var l: Int
        public var radius: Double
        /// Symmetric n×n matrix h_ij (row-major, n ≤ 3).
        public var h: [[Double]]
        public var count: Int { h.count }
    }

    public var element: String
    public var atomicNumber: Int
    public var name: String
    public var zion: Int
    public var rloc: Double
    /// C1…C4 (missing ones are zero).
    public var c: [Double]
    public var channels: [Channel]

    public var lmax: Int { channels.filter { $0.count > 0 }.map(\.l).max() ?? -1 }

    // MARK: Reciprocal-space forms (Fourier transforms ∫ e^{−iq·r} f(r) d³r)

    /// Fourier transform of the local part without the Coulomb tail, i.e.
    /// V̂_loc(q) + 4π Zion/q² (finite at q = 0).
    public func localShortRange(q: Double) -> Double {
        let t = q * rloc, t2 = t * t
        let e = exp(-0.5 * t2)
        let c1 = c.count > 0 ? c[0] : 0, c2 = c.count > 1 ? c[1] : 0
        let c3 = c.count > 2 ? c[2] : 0, c4 = c.count > 3 ? c[3] : 0
        let poly = c1 + c2 * (3 - t2) + c3 * (15 - 10 * t2 + t2 * t2)
            + c4 * (105 - 105 * t2 + 21 * t2 * t2 - t2 * t2 * t2)
        let coulombShift = 4 * Double.pi * Double(zion) * (1 - e) / (q * q)
        // (1 − e^{−t²/2})/q² → r_loc²/2 as q → 0.
        let shift = q * rloc < 1e-4 ? 4 * Double.pi * Double(zion) * (0.5 * rloc * rloc - 0.125 * t2 * rloc * rloc)
                                     : coulombShift
        return shift + pow(2 * Double.pi, 1.5) * rloc * rloc * rloc * e * poly
    }

    /// Fourier transform of the local part for q > 0: −4π Zion e^{−q²r²/2}/q² + Gaussian terms.
    public func local(q: Double) -> Double {
        precondition(q > 0)
        return localShortRange(q: q) - 4 * Double.pi * Double(zion) / (q * q)
    }

    /// The q → 0 limit of V̂_loc(q) + 4π Zion/q²: 2π Zion r_loc² + (2π)^{3/2} r_loc³ (C1 + 3C2 + 15C3 + 105C4).
    public var localLimitNonCoulomb: Double {
        let c1 = c.count > 0 ? c[0] : 0, c2 = c.count > 1 ? c[1] : 0
        let c3 = c.count > 2 ? c[2] : 0, c4 = c.count > 3 ? c[3] : 0
        return 2 * Double.pi * Double(zion) * rloc * rloc
            + pow(2 * Double.pi, 1.5) * rloc * rloc * rloc * (c1 + 3 * c2 + 15 * c3 + 105 * c4)
    }

    /// Radial Fourier transform 4π ∫ r² j_l(qr) p_i^l(r) dr of projector i (1-based) of channel l.
    public static func projector(l: Int, i: Int, radius r: Double, q: Double) -> Double {
        let t = q * r, t2 = t * t
        let e = exp(-0.5 * t2)
        let pre = pow(Double.pi, 1.25) * r.squareRoot() * r
        switch (l, i) {
        case (0, 1): return 4 * 2.0.squareRoot() * pre * e
        case (0, 2): return 8 * (2.0 / 15).squareRoot() * pre * (3 - t2) * e
        case (0, 3): return 16.0 / 3 * (2.0 / 105).squareRoot() * pre * (15 - 10 * t2 + t2 * t2) * e
        case (1, 1): return 8 / 3.0.squareRoot() * pre * t * e
        case (1, 2): return 16 / 105.0.squareRoot() * pre * t * (5 - t2) * e
        case (1, 3): return 32.0 / 3 / 1155.0.squareRoot() * pre * t * (35 - 14 * t2 + t2 * t2) * e
        case (2, 1): return 8 * (2.0 / 15).squareRoot() * pre * t2 * e
        case (2, 2): return 16.0 / 3 * (2.0 / 105).squareRoot() * pre * t2 * (7 - t2) * e
        case (2, 3): return 32.0 / 3 * (2.0 / 15015).squareRoot() * pre * t2 * (63 - 18 * t2 + t2 * t2) * e
        case (3, 1): return 16 / 105.0.squareRoot() * pre * t2 * t * e
        default: preconditionFailure("GTH projector l=\(l) i=\(i) not implemented")
        }
    }

    /// Real-space radial projector p_i^l(r) (for tests and checks).
    public static func projectorRadial(l: Int, i: Int, radius rl: Double, r: Double) -> Double {
        let a = Double(l) + Double(4 * i - 1) / 2
        return 2.0.squareRoot() * pow(r, Double(l + 2 * (i - 1))) * exp(-0.5 * r * r / (rl * rl))
            / (pow(rl, a) * tgamma(a).squareRoot())
    }

    /// Real-space local potential (for tests).
    public func localRadial(r: Double) -> Double {
        let x = r / rloc, x2 = x * x
        var poly = 0.0
        for (k, ck) in c.enumerated() { poly += ck * pow(x2, Double(k)) }
        let coulomb = r < 1e-12 ? -Double(zion) * (2 / Double.pi).squareRoot() / rloc
                                : -Double(zion) / r * erf(r / (2.0.squareRoot() * rloc))
        return coulomb + exp(-0.5 * x2) * poly
    }
}

public enum PseudopotentialError: Error, CustomStringConvertible, Equatable {
    case missingElement(String, family: String)
    case malformed(String)
    case unsupportedFunctional(String)

    public var description: String {
        switch self {
        case .missingElement(let e, let family):
            return "no \(family) GTH pseudopotential for element \(e) in the bundled tables"
        case .malformed(let m): return "malformed pseudopotential table: \(m)"
        case .unsupportedFunctional(let f):
            return "no GTH pseudopotential family for functional '\(f)' (bundled: LDA/Padé and PBE)"
        }
    }
}

/// The bundled GTH tables (Resources/gth-lda.txt and gth-pbe.txt).
public enum GTHLibrary {
    public enum Family: String, Sendable { case lda, pbe }

    /// Parses the CP2K-style text layout (see the header of Resources/gth-lda.txt).
    public static func parse(_ text: String) throws -> [GTHPseudopotential] {
        var records: [[String]] = []
        var current: [String] = []
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = String(raw)
            if let h = line.firstIndex(of: "#") { line = String(line[..<h]) }
            line = line.trimmingCharacters(in: .whitespaces)
            if line.isEmpty {
                if !current.isEmpty { records.append(current); current = [] }
                continue
            }
            current.append(line)
        }
        if !current.isEmpty { records.append(current) }

        func numbers(_ s: String) throws -> [Double] {
            try s.split(separator: " ").map {
                guard let v = Double($0) else { throw PseudopotentialError.malformed("'\($0)' is not a number") }
                return v
            }
        }
        var out: [GTHPseudopotential] = []
        for rec in records {
            guard rec.count >= 4 else { throw PseudopotentialError.malformed("record '\(rec.first ?? "")' too short") }
            let head = rec[0].split(separator: " ").map(String.init)
            let element = head[0]
            guard let z = Elements.atomicNumber(element) else {
                throw PseudopotentialError.malformed("unknown element \(element)")
            }
            let name = head.count > 1 ? head[1] : element
            let occupations = try numbers(rec[1])
            let zion = Int(occupations.reduce(0, +))
            let local = try numbers(rec[2])
            guard local.count >= 2, Int(local[1]) == local.count - 2 else {
                throw PseudopotentialError.malformed("\(name): local line")
            }
            let nChannels = try numbers(rec[3])
            guard nChannels.count == 1 else { throw PseudopotentialError.malformed("\(name): channel count") }
            var tokens = try rec[4...].flatMap { try numbers($0) }
            var channels: [GTHPseudopotential.Channel] = []
            for l in 0..<Int(nChannels[0]) {
                guard tokens.count >= 2 else { throw PseudopotentialError.malformed("\(name): channel \(l)") }
                let r = tokens[0], n = Int(tokens[1])
                tokens.removeFirst(2)
                let needed = n * (n + 1) / 2
                guard tokens.count >= needed else { throw PseudopotentialError.malformed("\(name): h matrix of l=\(l)") }
                var h = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
                var k = 0
                for i in 0..<n { for j in i..<n { h[i][j] = tokens[k]; h[j][i] = tokens[k]; k += 1 } }
                tokens.removeFirst(needed)
                channels.append(.init(l: l, radius: r, h: h))
            }
            guard tokens.isEmpty else { throw PseudopotentialError.malformed("\(name): trailing numbers") }
            out.append(GTHPseudopotential(element: element, atomicNumber: z, name: name, zion: zion,
                                          rloc: local[0], c: Array(local[2...]), channels: channels))
        }
        return out
    }

    private static let cache: [Family: [GTHPseudopotential]] = {
        var d: [Family: [GTHPseudopotential]] = [:]
        for f in [Family.lda, .pbe] {
            guard let url = Bundle.module.url(forResource: "gth-\(f.rawValue)", withExtension: "txt", subdirectory: "Resources"),
                  let text = try? String(contentsOf: url, encoding: .utf8),
                  let list = try? parse(text) else { d[f] = []; continue }
            d[f] = list
        }
        return d
    }()

    /// All bundled pseudopotentials of a family.
    public static func all(_ family: Family) -> [GTHPseudopotential] { cache[family] ?? [] }

    /// The family matching an XC specification ("lda", "pbe", libxc names…).
    public static func family(forXC xc: String) throws -> Family {
        let s = xc.lowercased()
        if s.contains("pbe") { return .pbe }
        if s == "lda" || s.hasPrefix("lda") || s.contains("svwn") || s.contains("pade") || s.contains("teter")
            || s.contains("lda_x") { return .lda }
        throw PseudopotentialError.unsupportedFunctional(xc)
    }

    /// The pseudopotential for an element: a given valence charge, or else the smallest
    /// available one (the "large core" choice, cheapest for datasets).
    public static func pseudopotential(atomicNumber z: Int, family: Family, zion: Int? = nil) throws -> GTHPseudopotential {
        let matches = all(family).filter { $0.atomicNumber == z && (zion == nil || $0.zion == zion!) }
        guard let best = matches.min(by: { $0.zion < $1.zion }) else {
            throw PseudopotentialError.missingElement(Elements.symbol(z) + (zion.map { "-q\($0)" } ?? ""),
                                                      family: family.rawValue.uppercased())
        }
        return best
    }
}
