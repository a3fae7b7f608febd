import ChemistryCore
@testable import Discovery
import Foundation
import Testing

/// The shipped prototypes (datasets/crystals/prototypes) checked with libsymspg.
@Suite struct PrototypeTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../datasets/crystals/prototypes").standardized.path

    @Test func libraryLoads() throws {
        let library = try PrototypeLibrary(directory: Self.directory)
        #expect(library.prototypes.count >= 20)
        for name in ["rocksalt", "zincblende", "wurtzite", "CsCl", "fluorite", "antifluorite", "perovskite", "spinel",
                     "rutile", "NiAs", "full-Heusler", "half-Heusler", "fcc", "bcc", "hcp", "diamond", "anatase",
                     "corundum", "pyrite", "Cu3Au", "AlB2"] {
            #expect(library[name] != nil, "\(name) missing")
        }
        let spinel = try #require(library["spinel"])
        #expect(spinel.roleCounts == ["A": 2, "B": 4, "X": 8])
        #expect(spinel.orbits.map(\.wyckoff) == ["8a", "16d", "32e"])
    }

    /// With a distinct element on every Wyckoff orbit, spglib must find the documented space group,
    /// and its orbits (equivalent_atoms) must be exactly the file's orbits.
    @Test func spaceGroupsAndOrbitsMatchSpglib() throws {
        let library = try PrototypeLibrary(directory: Self.directory)
        let markers = [11, 17, 19, 35, 3, 9]
        for p in library.prototypes {
            let orbits = p.orbits
            var numbers = [Int](repeating: 0, count: p.sites.count)
            for (k, o) in orbits.enumerated() { for i in o.sites { numbers[i] = markers[k] } }
            let positions = p.sites.map { $0.fractional.x * p.lattice[0] + $0.fractional.y * p.lattice[1] + $0.fractional.z * p.lattice[2] }
            let s = Structure(name: p.name, atomicNumbers: numbers, positions: positions, lattice: p.lattice, pbc: [true, true, true])
            let analysis = try SpaceGroupAnalysis(structure: s, symprec: 1e-4)
            #expect(analysis.number == p.spaceGroup, "\(p.name): spglib \(analysis.number), documented \(p.spaceGroup)")
            #expect(Set(analysis.orbits.map { Set($0) }) == Set(orbits.map { Set($0.sites) }), "\(p.name) orbits")
        }
    }

    @Test func malformedPrototypeIsAClearError() {
        #expect(throws: DiscoveryError.self) { try Prototype.parse("name x\nspacegroup 999\n", source: "bad") }
        #expect(throws: DiscoveryError.self) {
            try Prototype.parse("name x\nspacegroup 1\nlattice\n1 0 0\n0 1 0\n0 0 1\nsites\nA 1a 0 0\n", source: "bad")
        }
        #expect(throws: DiscoveryError.self) { try PrototypeLibrary(directory: "/nonexistent/folder") }
    }

    /// V_est = Σ (4/3)π r³ / 0.74 exactly after scaling, shape kept; and against experiment a loose
    /// sanity band (the estimate is a starting point): Cu fcc 11.81 Å³/atom, NaCl 44.86 Å³/f.u.,
    /// MgO 18.67 Å³/f.u. within ±30 %.
    @Test func latticeEstimate() throws {
        let library = try PrototypeLibrary(directory: Self.directory)
        let rocksalt = try #require(library["rocksalt"])
        let nacl = try rocksalt.structure(assigning: ["A": 11, "B": 17])
        let scaled = try LatticeEstimate.scaledToEstimate(nacl)
        let expected = 4.0 / 3.0 * Double.pi * (pow(1.8, 3) + pow(1.0, 3)) / 0.74
        #expect(abs(cellVolume(scaled.lattice!) - expected) < 1e-10 * expected)
        let f0 = try #require(fractionalCoordinates(nacl)), f1 = try #require(fractionalCoordinates(scaled))
        for (a, b) in zip(f0, f1) { #expect(((a - b) * (a - b)).sum() < 1e-24) }
        #expect(abs(expected / 44.86 - 1) < 0.3)
        let cu = try LatticeEstimate.estimatedVolume(atomicNumbers: [29])
        #expect(abs(cu / 11.81 - 1) < 0.3)
        let mgo = try LatticeEstimate.estimatedVolume(atomicNumbers: [12, 8])
        #expect(abs(mgo / 18.67 - 1) < 0.3)
        #expect(throws: DiscoveryError.self) { try LatticeEstimate.estimatedVolume(atomicNumbers: [118]) }
    }
}
