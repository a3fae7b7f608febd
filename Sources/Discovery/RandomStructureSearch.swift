import ChemistryCore
import Foundation

/// Random structure search in the spirit of AIRSS (Pickard & Needs, J. Phys.: Condens. Matter 23,
/// 053201 (2011)): random cells and random positions for a fixed composition, kept when no two
/// atoms (periodic images included) are closer than a minimum separation.
///
/// Cell: lengths a, b, c uniform in [1, `maxAspectRatio`] and angles uniform in `angleRange`
/// (degrees), rejected if the metric is not positive definite or any angle sum rule fails, then
/// scaled isotropically to V = u · V_est with u uniform in `volumeFactors` and V_est the sum of
/// atomic volumes (LatticeEstimate). Atoms are placed one at a time at uniform fractional
/// positions; an atom is accepted when its distance to every atom already placed, and to its own
/// periodic images, is at least d_min(i, j) = `separationFactor` · (r_i + r_j) (Slater radii).
/// Each candidate uses its own SplitMix64 stream seeded from (seed, index), so candidate i is the
/// same whatever the number requested.
public struct RandomStructureSearch: Sendable {
    public var volumeFactors: ClosedRange<Double> = 0.4...1.2
    public var angleRange: ClosedRange<Double> = 60...120
    public var maxAspectRatio: Double = 2.0
    public var separationFactor: Double = 0.7
    /// Tries per atom before the cell is discarded.
    public var attemptsPerAtom = 200
    /// Cells tried per candidate before giving up.
    public var maxCells = 200

    public init() {}

    /// `count` random crystals with the given composition (Z → number of atoms in the cell).
    public func generate(composition: [Int: Int], count: Int, seed: UInt64) throws -> [Candidate] {
        guard count >= 0 else { throw DiscoveryError.invalidArgument("count must be non-negative") }
        guard !composition.isEmpty, composition.values.allSatisfy({ $0 > 0 }) else {
            throw DiscoveryError.invalidArgument("composition needs positive atom counts")
        }
        guard volumeFactors.lowerBound > 0, separationFactor >= 0, maxAspectRatio >= 1,
              angleRange.lowerBound > 0, angleRange.upperBound < 180 else {
            throw DiscoveryError.invalidArgument("invalid random-search settings")
        }
        let numbers = composition.keys.sorted().flatMap { Array(repeating: $0, count: composition[$0]!) }
        let radii = try numbers.map { z -> Double in
            guard let r = Radii.atomicRadius(z) else { throw DiscoveryError.invalidArgument("no radius for Z = \(z)") }
            return r
        }
        let estimate = try LatticeEstimate.estimatedVolume(atomicNumbers: numbers)
        return try (0..<count).map { index in
            var stream = SplitMix64(seed: seed ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15))
            var rng = SplitMix64(seed: stream.next())
            for _ in 0..<maxCells {
                guard let lattice = randomCell(volume: estimate * uniform(&rng, volumeFactors), rng: &rng) else { continue }
                if let frac = place(radii: radii, lattice: lattice, rng: &rng) {
                    let positions = frac.map { $0.x * lattice[0] + $0.y * lattice[1] + $0.z * lattice[2] }
                    let s = Structure(name: Composition(counts: composition).formula + "-rss-\(index)", atomicNumbers: numbers,
                                      positions: positions, lattice: lattice, pbc: [true, true, true])
                    return Candidate(structure: s, method: .randomSearch(seed: seed, index: index), parent: nil)
                }
            }
            throw DiscoveryError.searchFailed("no cell of \(Composition(counts: composition).formula) passed the minimum-distance check after \(maxCells) cells; lower separationFactor or raise volumeFactors")
        }
    }

    private func uniform(_ rng: inout SplitMix64, _ r: ClosedRange<Double>) -> Double {
        r.lowerBound + (r.upperBound - r.lowerBound) * rng.uniform()
    }

    /// Random cell (rows, Å) of the given volume, or nil when the drawn angles give no valid cell.
    private func randomCell(volume: Double, rng: inout SplitMix64) -> [SIMD3<Double>]? {
        let lengths = (0..<3).map { _ in uniform(&rng, 1...maxAspectRatio) }
        let deg = Double.pi / 180
        let al = uniform(&rng, angleRange) * deg, be = uniform(&rng, angleRange) * deg, ga = uniform(&rng, angleRange) * deg
        // Standard setting: a along x, b in the xy plane.
        let a = SIMD3(lengths[0], 0, 0)
        let b = SIMD3(lengths[1] * cos(ga), lengths[1] * sin(ga), 0)
        let cx = cos(be), cy = (cos(al) - cos(be) * cos(ga)) / sin(ga)
        let cz2 = 1 - cx * cx - cy * cy
        guard cz2 > 0.05 else { return nil }  // also rejects nearly flat cells
        let c = lengths[2] * SIMD3(cx, cy, cz2.squareRoot())
        let v0 = cellVolume([a, b, c])
        let s = Foundation.cbrt(volume / v0)
        return [a * s, b * s, c * s]
    }

    /// Sequential placement with the periodic minimum-distance check; nil when an atom cannot be placed.
    private func place(radii: [Double], lattice: [SIMD3<Double>], rng: inout SplitMix64) -> [SIMD3<Double>]? {
        guard let inv = inverse3x3(lattice) else { return nil }
        // Number of images per axis so every image within d of the home cell is visited:
        // n_k = ⌈d · |b_k|⌉ with b_k = column k of L⁻¹ (spacing of lattice planes 1/|b_k|).
        let bNorm = (0..<3).map { k in SIMD3(inv[0][k], inv[1][k], inv[2][k]) }.map { ($0 * $0).sum().squareRoot() }
        let dMax = 2 * separationFactor * (radii.max() ?? 0)
        let n = bNorm.map { Int(($0 * dMax).rounded(.up)) }
        var placed: [SIMD3<Double>] = []
        for ri in radii {
            var ok = false
            for _ in 0..<attemptsPerAtom {
                let f = SIMD3(rng.uniform(), rng.uniform(), rng.uniform())
                // Own images: every lattice vector (n ≠ 0) must be at least d_min(i, i).
                if !clear(f, f, dMin: 2 * separationFactor * ri, lattice: lattice, images: n, skipZero: true) { continue }
                ok = placed.indices.allSatisfy { j in
                    clear(f, placed[j], dMin: separationFactor * (ri + radii[j]), lattice: lattice, images: n, skipZero: false)
                }
                if ok { placed.append(f); break }
            }
            if !ok { return nil }
        }
        return placed
    }

    private func clear(_ f: SIMD3<Double>, _ g: SIMD3<Double>, dMin: Double, lattice: [SIMD3<Double>], images n: [Int],
                       skipZero: Bool) -> Bool {
        var d = g - f
        d -= d.rounded(.toNearestOrAwayFromZero)
        for i in -n[0]...n[0] { for j in -n[1]...n[1] { for k in -n[2]...n[2] {
            if skipZero && i == 0 && j == 0 && k == 0 { continue }
            let e = d + SIMD3(Double(i), Double(j), Double(k))
            let r = e.x * lattice[0] + e.y * lattice[1] + e.z * lattice[2]
            if (r * r).sum() < dMin * dMin { return false }
        } } }
        return true
    }
}

/// The shortest distance (Å) between any two atoms of a crystal, periodic images included
/// (an atom and its own images count). Brute force over enough images; for checks and tests.
public func shortestPeriodicDistance(_ structure: Structure) throws -> Double {
    guard let lattice = structure.lattice, structure.isPeriodic, let inv = inverse3x3(lattice),
          let frac = fractionalCoordinates(structure) else {
        throw DiscoveryError.invalidStructure(structure.name, "needs a 3D periodic crystal")
    }
    // An upper bound on the answer: the shortest lattice vector among a, b, c.
    let bound = lattice.map { ($0 * $0).sum().squareRoot() }.min()!
    let n = (0..<3).map { k in Int((bound * SIMD3(inv[0][k], inv[1][k], inv[2][k]).length).rounded(.up)) }
    var best = bound
    for a in frac.indices { for b in a..<frac.count {
        var d = frac[b] - frac[a]
        d -= d.rounded(.toNearestOrAwayFromZero)
        for i in -n[0]...n[0] { for j in -n[1]...n[1] { for k in -n[2]...n[2] {
            if a == b && i == 0 && j == 0 && k == 0 { continue }
            let e = d + SIMD3(Double(i), Double(j), Double(k))
            let r = e.x * lattice[0] + e.y * lattice[1] + e.z * lattice[2]
            best = min(best, (r * r).sum().squareRoot())
        } } }
    } }
    return best
}

extension SIMD3 where Scalar == Double {
    var length: Double { (self * self).sum().squareRoot() }
}
