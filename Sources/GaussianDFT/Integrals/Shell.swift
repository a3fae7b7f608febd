import Foundation
import LinearAlgebra

// MARK: - Conventions (stable; AO evaluation on grids relies on them)
//
// These follow PySCF / libcint exactly, so that every matrix built on a `MolecularBasis`
// compares element-for-element with `mol.intor(...)` for the same molecule and basis.
//
// * Shell order: per atom (in input order), the element's shells in the order the definition
//   lists them, then *stably sorted by angular momentum* — PySCF's `format_basis` does
//   `sorted(shells, key=lambda b: b[0])` (default `sort_basis=True`). So a 6-31G oxygen given as
//   s, s(sp), p(sp), s, p becomes s, s, s, p, p. A generally contracted shell (several
//   coefficient columns) must arrive as one `ShellDefinition` per column, in column order;
//   that reproduces libcint's AO order (all components of contraction 1, then of 2, ...).
// * Cartesian components of a shell with angular momentum l are x^i y^j z^k, i+j+k = l, in
//   libcint order: i from l down to 0, then j from l−i down to 0 (xx, xy, xz, yy, yz, zz, ...).
//   See `cartesianExponents(l:)`.
// * Spherical components: real solid harmonics ordered m = −l ... l, except p which is
//   x, y, z (libcint). Sign convention as libcint (e.g. d: xy, yz, 3z²−r², xz, x²−y²).
// * Normalisation (`Shell.coefficients`): the *cartesian* function of component (i, j, k) is
//       φ_ijk(r) = x^i y^j z^k · Σ_p c_p exp(−α_p r²),   (x, y, z) relative to the shell centre,
//   with c_p = `Shell.coefficients[p]`. The c_p contain the radial normalisation
//   (each primitive's r^l e^{−αr²} radially normalised, then the contraction renormalised so
//   ∫ R(r)² r² dr = 1, as PySCF's `gto_norm` / `_nomalize_contracted_ao`) and, for l = 0 and
//   l = 1 only, the angular factors 1/√(4π) and √(3/(4π)). Hence:
//     - with `spherical == false` the AOs are exactly these φ_ijk = PySCF's `mol.cart=True` AOs:
//       s and p are unit-normalised; for l ≥ 2 only the radial part is (‖x²‖² = 4π/5 etc.);
//     - with `spherical == true` the AO of component m is Σ_c T[c, m] φ_c with
//       T = `sphericalTransform(l:)` (ncart × nsph); T is the identity for l ≤ 1, and for
//       l ≥ 2 gives unit-normalised real spherical harmonics r^l Y_lm (PySCF's default AOs).
// * Units: bohr everywhere.

/// Number of cartesian components of angular momentum `l`: (l+1)(l+2)/2.
@inlinable
public func cartesianCount(_ l: Int) -> Int { (l + 1) * (l + 2) / 2 }

/// Number of spherical components of angular momentum `l`: 2l+1.
@inlinable
public func sphericalCount(_ l: Int) -> Int { 2 * l + 1 }

/// Cartesian exponents (i, j, k) of x^i y^j z^k for angular momentum `l`, in libcint order
/// (xx, xy, xz, yy, yz, zz for l = 2). Cached for l ≤ 8.
public func cartesianExponents(l: Int) -> [(x: Int, y: Int, z: Int)] {
    if l < CartesianTables.cached.count { return CartesianTables.cached[l] }
    return CartesianTables.make(l)
}

enum CartesianTables {
    static func make(_ l: Int) -> [(x: Int, y: Int, z: Int)] {
        var out: [(x: Int, y: Int, z: Int)] = []
        out.reserveCapacity(cartesianCount(l))
        for i in stride(from: l, through: 0, by: -1) {
            for j in stride(from: l - i, through: 0, by: -1) { out.append((i, j, l - i - j)) }
        }
        return out
    }
    static let cached: [[(x: Int, y: Int, z: Int)]] = (0...8).map { make($0) }
}

/// Cartesian → spherical coefficients for angular momentum `l`: an `ncart × (2l+1)` matrix T
/// with spherical AO m = Σ_c T[c, m] · (cartesian AO c), in the conventions above (cartesian
/// functions as defined by `Shell.coefficients`, spherical order m = −l…l, p as x, y, z).
/// T is the identity for l ≤ 1. Matches PySCF's `gto.cart2sph(l)` for l ≥ 2 (and, for l ≤ 1,
/// `gto.cart2sph(l)` divided by the s/p angular factor that we fold into the coefficients).
public func sphericalTransform(l: Int) -> Matrix {
    if l < SphericalTables.cached.count { return SphericalTables.cached[l] }
    return SphericalTables.make(l)
}

enum SphericalTables {
    static let cached: [Matrix] = (0...6).map { make($0) }

    /// Real solid harmonics r^l Y_lm (unit-normalised Y), expanded in x^i y^j z^k
    /// (Helgaker, Jørgensen & Olsen, eq. 6.4.47–6.4.50, times √((2l+1)/4π)).
    static func make(_ l: Int) -> Matrix {
        let ncart = cartesianCount(l)
        let nsph = sphericalCount(l)
        var t = Matrix(rows: ncart, columns: nsph)
        if l <= 1 {
            for i in 0..<ncart { t[i, i] = 1 }
            return t
        }
        let exps = CartesianTables.make(l)
        func index(_ i: Int, _ j: Int, _ k: Int) -> Int {
            exps.firstIndex { $0.x == i && $0.y == j && $0.z == k }!
        }
        let norm = ((2.0 * Double(l) + 1) / (4 * Double.pi)).squareRoot()
        for m in -l...l {
            let am = abs(m)
            let col = m + l
            var nlm = 2 * factorial(l + am) * factorial(l - am) / (m == 0 ? 2 : 1)
            nlm = nlm.squareRoot() / (pow(2.0, Double(am)) * factorial(l))
            let wmin = m < 0 ? 1 : 0
            for tt in 0...((l - am) / 2) {
                for u in 0...tt {
                    var w = wmin
                    while w <= am {
                        let sign: Double = ((tt + (w - wmin) / 2) % 2 == 0) ? 1 : -1
                        let c = sign * pow(0.25, Double(tt)) * binomial(l, tt) * binomial(l - tt, am + tt)
                            * binomial(tt, u) * binomial(am, w)
                        let ix = 2 * tt + am - 2 * u - w
                        let iy = 2 * u + w
                        let iz = l - 2 * tt - am
                        t[index(ix, iy, iz), col] += norm * nlm * c
                        w += 2
                    }
                }
            }
        }
        return t
    }

    static func factorial(_ n: Int) -> Double { n <= 1 ? 1 : (2...n).reduce(1.0) { $0 * Double($1) } }
    static func binomial(_ n: Int, _ k: Int) -> Double {
        if k < 0 || k > n { return 0 }
        return factorial(n) / (factorial(k) * factorial(n - k))
    }
}

// MARK: - Shells

/// One contracted shell of an element's basis definition, as published (unnormalised primitives).
public struct ShellDefinition: Sendable, Equatable {
    public var angularMomentum: Int
    public var exponents: [Double]
    /// Contraction coefficients of the primitives, as printed in the basis-set file
    /// (coefficients of *normalised* primitives, as in Gaussian/NWChem format).
    public var coefficients: [Double]

    public init(angularMomentum: Int, exponents: [Double], coefficients: [Double]) {
        precondition(exponents.count == coefficients.count, "ShellDefinition: \(exponents.count) exponents, \(coefficients.count) coefficients")
        precondition(angularMomentum >= 0)
        self.angularMomentum = angularMomentum
        self.exponents = exponents
        self.coefficients = coefficients
    }
}

/// A shell placed on an atom, with primitive normalisation folded into `coefficients`
/// (PySCF convention: contracted radial function normalised; for l ≤ 1 the angular factor too).
///
/// The cartesian function of component (i, j, k) is x^i y^j z^k Σ_p coefficients[p] e^{−exponents[p] r²},
/// with x, y, z measured from `center`; see the conventions at the top of this file.
public struct Shell: Sendable {
    public var angularMomentum: Int
    public var exponents: [Double]
    /// Normalised contraction coefficients (see type documentation).
    public var coefficients: [Double]
    /// Centre in bohr.
    public var center: SIMD3<Double>
    /// Index of the atom the shell sits on.
    public var atomIndex: Int

    /// Places `definition` on an atom, normalising as PySCF does.
    public init(definition: ShellDefinition, center: SIMD3<Double>, atomIndex: Int) {
        self.angularMomentum = definition.angularMomentum
        self.exponents = definition.exponents
        self.coefficients = Shell.normalisedCoefficients(
            l: definition.angularMomentum, exponents: definition.exponents, coefficients: definition.coefficients)
        self.center = center
        self.atomIndex = atomIndex
    }

    /// A shell with coefficients already normalised in this type's convention.
    public init(angularMomentum: Int, exponents: [Double], normalisedCoefficients: [Double],
                center: SIMD3<Double>, atomIndex: Int) {
        precondition(exponents.count == normalisedCoefficients.count)
        self.angularMomentum = angularMomentum
        self.exponents = exponents
        self.coefficients = normalisedCoefficients
        self.center = center
        self.atomIndex = atomIndex
    }

    public var primitiveCount: Int { exponents.count }
    public var cartesianFunctionCount: Int { cartesianCount(angularMomentum) }
    public var sphericalFunctionCount: Int { sphericalCount(angularMomentum) }

    /// ∫_0^∞ r^n e^{−a r²} dr = Γ((n+1)/2) / (2 a^{(n+1)/2}).
    static func gaussianIntegral(_ n: Int, _ a: Double) -> Double {
        let s = Double(n + 1) / 2
        return tgamma(s) / (2 * pow(a, s))
    }

    /// The angular factor folded into s and p coefficients (libcint's common factor):
    /// 1/√(4π) for l = 0, √(3/(4π)) for l = 1, 1 otherwise.
    public static func angularFactor(l: Int) -> Double {
        switch l {
        case 0: return 0.282094791773878143
        case 1: return 0.488602511902919921
        default: return 1
        }
    }

    /// PySCF normalisation: c_p · gto_norm(l, α_p), contraction renormalised radially, then the
    /// s/p angular factor.
    public static func normalisedCoefficients(l: Int, exponents: [Double], coefficients: [Double]) -> [Double] {
        var cs = zip(exponents, coefficients).map { e, c in c / gaussianIntegral(2 * l + 2, 2 * e).squareRoot() }
        var s = 0.0
        for p in 0..<cs.count {
            for q in 0..<cs.count {
                s += cs[p] * cs[q] * gaussianIntegral(2 * l + 2, exponents[p] + exponents[q])
            }
        }
        let f = angularFactor(l: l) / s.squareRoot()
        for p in 0..<cs.count { cs[p] *= f }
        return cs
    }
}

// MARK: - Molecular basis

/// The whole molecular basis: shells in order, AO offsets, spherical or cartesian.
public struct MolecularBasis: Sendable {
    /// Shells in AO order (per atom, stably sorted by l within each atom — see file header).
    public private(set) var shells: [Shell]
    /// First AO index of each shell.
    public private(set) var aoOffsets: [Int]
    /// Total number of AOs.
    public private(set) var aoCount: Int
    /// Atom index of each AO.
    public private(set) var aoAtom: [Int]
    /// Spherical (true, PySCF default) or cartesian AOs.
    public let spherical: Bool
    /// The atoms the basis was built on (bohr).
    public let atomicNumbers: [Int]
    public let positions: [SIMD3<Double>]
    /// Range of shell indices on each atom.
    public private(set) var atomShellRanges: [Range<Int>]

    /// Builds the basis for `atoms` (positions in bohr). `definitions(Z)` returns the element's
    /// shells in published order; they are stably sorted by angular momentum like PySCF.
    public init(atoms: [(atomicNumber: Int, position: SIMD3<Double>)],
                definitions: (Int) throws -> [ShellDefinition],
                spherical: Bool = true) rethrows {
        var cache: [Int: [ShellDefinition]] = [:]
        var shells: [Shell] = []
        var ranges: [Range<Int>] = []
        for (a, atom) in atoms.enumerated() {
            let defs: [ShellDefinition]
            if let d = cache[atom.atomicNumber] { defs = d } else {
                let raw = try definitions(atom.atomicNumber)
                // Stable sort by l (Swift's sort is not guaranteed stable: sort on (l, index)).
                defs = raw.enumerated().sorted { ($0.element.angularMomentum, $0.offset) < ($1.element.angularMomentum, $1.offset) }
                    .map(\.element)
                cache[atom.atomicNumber] = defs
            }
            let start = shells.count
            for d in defs { shells.append(Shell(definition: d, center: atom.position, atomIndex: a)) }
            ranges.append(start..<shells.count)
        }
        self.init(shells: shells, spherical: spherical,
                  atomicNumbers: atoms.map(\.atomicNumber), positions: atoms.map(\.position))
        self.atomShellRanges = ranges
    }

    /// A basis from explicit shells, used in the given order (no sorting).
    public init(shells: [Shell], spherical: Bool = true, atomicNumbers: [Int] = [], positions: [SIMD3<Double>] = []) {
        self.shells = shells
        self.spherical = spherical
        self.atomicNumbers = atomicNumbers
        self.positions = positions
        var offsets: [Int] = []
        var aoAtom: [Int] = []
        var n = 0
        for s in shells {
            offsets.append(n)
            let k = spherical ? sphericalCount(s.angularMomentum) : cartesianCount(s.angularMomentum)
            for _ in 0..<k { aoAtom.append(s.atomIndex) }
            n += k
        }
        self.aoOffsets = offsets
        self.aoCount = n
        self.aoAtom = aoAtom
        let natom = max(positions.count, (shells.map(\.atomIndex).max() ?? -1) + 1)
        var ranges = [Range<Int>](repeating: 0..<0, count: natom)
        for a in 0..<natom {
            let idx = shells.indices.filter { shells[$0].atomIndex == a }
            if let f = idx.first, let l = idx.last { ranges[a] = f..<(l + 1) }
        }
        self.atomShellRanges = ranges
    }

    /// Number of AOs of `shell` (2l+1 spherical, (l+1)(l+2)/2 cartesian).
    public func functionCount(of shell: Shell) -> Int {
        spherical ? sphericalCount(shell.angularMomentum) : cartesianCount(shell.angularMomentum)
    }

    /// Number of AOs of shell `index`.
    public func functionCount(ofShell index: Int) -> Int { functionCount(of: shells[index]) }

    /// Highest angular momentum present.
    public var maxAngularMomentum: Int { shells.map(\.angularMomentum).max() ?? 0 }
}
