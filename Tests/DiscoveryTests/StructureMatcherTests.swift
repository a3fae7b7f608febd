import ChemistryCore
@testable import Discovery
import Foundation
import Testing

@Suite struct StructureMatcherTests {
    static let library = try! PrototypeLibrary(directory: PrototypeTests.directory)

    func rotated(_ s: Structure, seed: UInt64) -> Structure {
        var rng = SplitMix64(seed: seed)
        // Random rotation from a random unit quaternion.
        var q = SIMD4((0..<4).map { _ in rng.normal() })
        q /= (q * q).sum().squareRoot()
        let (w, x, y, z) = (q[0], q[1], q[2], q[3])
        let r: [SIMD3<Double>] = [SIMD3(1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)),
                                  SIMD3(2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)),
                                  SIMD3(2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y))]
        func apply(_ v: SIMD3<Double>) -> SIMD3<Double> { SIMD3((r[0] * v).sum(), (r[1] * v).sum(), (r[2] * v).sum()) }
        var out = s
        out.lattice = s.lattice!.map(apply)
        out.positions = s.positions.map(apply)
        return out
    }

    @Test func invariances() throws {
        let spinel = try #require(Self.library["spinel"])
        let s = try spinel.structure(assigning: ["A": 12, "B": 13, "X": 8])
        let matcher = StructureMatcher()
        let f = try matcher.fingerprint(s)
        // Rotation.
        #expect(matcher.distance(f, try matcher.fingerprint(rotated(s, seed: 7))) < 1e-10)
        // Origin shift.
        var shifted = s
        shifted.positions = s.positions.map { $0 + SIMD3(0.37, -1.21, 2.05) }
        #expect(matcher.distance(f, try matcher.fingerprint(shifted)) < 1e-10)
        // Permutation of atoms.
        var rng = SplitMix64(seed: 3)
        let perm = Array(s.atomicNumbers.indices).shuffled(using: &rng)
        let permuted = Structure(name: "p", atomicNumbers: perm.map { s.atomicNumbers[$0] }, positions: perm.map { s.positions[$0] },
                                 lattice: s.lattice, pbc: s.pbc)
        #expect(matcher.distance(f, try matcher.fingerprint(permuted)) < 1e-10)
        // 2×1×1 supercell.
        let a = s.lattice![0]
        let supercell = Structure(name: "sc", atomicNumbers: s.atomicNumbers + s.atomicNumbers,
                                  positions: s.positions + s.positions.map { $0 + a },
                                  lattice: [2 * a, s.lattice![1], s.lattice![2]], pbc: s.pbc)
        #expect(matcher.distance(f, try matcher.fingerprint(supercell)) < 1e-10)
        // Isotropic expansion (volume-normalised fingerprints).
        let expanded = try LatticeEstimate.scaled(s, toVolume: 1.3 * cellVolume(s.lattice!))
        #expect(try matcher.matches(s, expanded))
        // Small noise (0.01 Å) still matches; all together too.
        var noisy = rotated(supercell, seed: 11)
        noisy.positions = noisy.positions.map { $0 + 0.01 * SIMD3(rng.normal(), rng.normal(), rng.normal()) / 1.7 }
        #expect(try matcher.matches(s, noisy))
    }

    @Test func differentStructuresDoNotMatch() throws {
        let matcher = StructureMatcher()
        let rocksalt = try #require(Self.library["rocksalt"]), zincblende = try #require(Self.library["zincblende"])
        let a = try rocksalt.structure(assigning: ["A": 11, "B": 17])
        let b = try zincblende.structure(assigning: ["A": 11, "B": 17])
        let d = matcher.distance(try matcher.fingerprint(a), try matcher.fingerprint(b))
        #expect(d > 10 * matcher.tolerance)
        // CsCl vs rocksalt NaCl; same composition, different coordination.
        let cscl = try #require(Self.library["CsCl"]).structure(assigning: ["A": 11, "B": 17])
        #expect(try !matcher.matches(a, cscl))
        // Different composition never matches.
        let kcl = try rocksalt.structure(assigning: ["A": 19, "B": 17])
        #expect(try !matcher.matches(a, kcl))
        // Rutile vs anatase TiO2.
        let rutile = try #require(Self.library["rutile"]).structure(assigning: ["A": 22, "X": 8])
        let anatase = try #require(Self.library["anatase"]).structure(assigning: ["A": 22, "X": 8])
        #expect(try !matcher.matches(rutile, anatase))
    }

    @Test func deduplicateGroups() throws {
        let rocksalt = try #require(Self.library["rocksalt"]).structure(assigning: ["A": 11, "B": 17])
        let zincblende = try #require(Self.library["zincblende"]).structure(assigning: ["A": 11, "B": 17])
        var shifted = rocksalt
        shifted.positions = shifted.positions.map { $0 + SIMD3(1, 1, 1) }
        let groups = try StructureMatcher().deduplicate([rocksalt, zincblende, shifted])
        #expect(groups == [[0, 2], [1]])
    }
}
