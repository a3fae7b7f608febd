import Foundation
@testable import GaussianDFT
import Testing

/// Group quartets (ShellGroups.swift, ERIGroupQuartets.swift) against the shell-by-shell
/// engine, which the PySCF-referenced integral tests cover. Both evaluate the same integrals
/// in a different order (one VRR per primitive quartet and coefficient-weighted contraction
/// versus one VRR per component), so they agree to rounding: every packed element within
/// 1e-13 absolute (elements are ≤ ~5 Ha; 1e-13 is a few hundred ulps of the largest).
struct ShellGroupTests {
    /// Glycine-like geometry (bohr): C, N, O with sp groups; H with single s shells.
    static let atoms: [(atomicNumber: Int, position: SIMD3<Double>)] = [
        (7, SIMD3(-2.10, 0.42, 0.05)), (6, SIMD3(0.55, 0.10, -0.12)), (6, SIMD3(1.60, -2.45, 0.20)),
        (8, SIMD3(0.30, -4.25, 0.55)), (8, SIMD3(3.95, -2.70, 0.05)), (1, SIMD3(-2.70, 2.20, -0.30)),
        (1, SIMD3(-2.95, -0.55, 1.50)), (1, SIMD3(1.20, 1.20, 1.55)), (1, SIMD3(1.25, 1.05, -1.80)),
        (1, SIMD3(4.60, -4.40, 0.35)),
    ]

    static func basis(_ name: String, spherical: Bool) throws -> MolecularBasis {
        var definitions: [Int: [ShellDefinition]] = [:]
        for z in Set(atoms.map(\.atomicNumber)) { definitions[z] = try BasisSetLibrary.shells(basis: name, atomicNumber: z) }
        return MolecularBasis(atoms: atoms, definitions: { definitions[$0]! }, spherical: spherical)
    }

    /// An s, p and d shell sharing exponents on each heavy atom (an "spd" group): its group
    /// quartets have no generated kernel for the whole range, so the engine runs them
    /// component by component — the fallback path.
    static func spdBasis(spherical: Bool) -> MolecularBasis {
        let exponents = [5.2, 1.1, 0.31]
        let heavy = [ShellDefinition(angularMomentum: 0, exponents: [40.0, 7.5], coefficients: [0.4, 0.7])]
            + (0...2).map { ShellDefinition(angularMomentum: $0, exponents: exponents, coefficients: [0.2, 0.5, 0.6 - 0.1 * Double($0)]) }
        let hydrogen = [ShellDefinition(angularMomentum: 0, exponents: [3.4, 0.62, 0.17], coefficients: [0.15, 0.54, 0.44])]
        return MolecularBasis(atoms: Array(atoms.prefix(6)), definitions: { $0 == 1 ? hydrogen : heavy }, spherical: spherical)
    }

    func expectSameTensor(_ basis: MolecularBasis, _ label: String) {
        let grouped = ElectronRepulsionTensor(basis: basis)
        let single = ElectronRepulsionTensor(basis: basis, groupShells: false)
        #expect(grouped.storage.count == single.storage.count)
        var worst = 0.0, largest = 0.0
        for k in 0..<single.storage.count {
            worst = max(worst, abs(grouped.storage[k] - single.storage[k]))
            largest = max(largest, abs(single.storage[k]))
        }
        #expect(worst < 1e-13, "\(label): max |Δ| = \(worst) (largest element \(largest))")
        #expect(largest > 0.1, "\(label): tensor is not empty")
    }

    @Test func popleSpShellsAreGrouped() throws {
        let basis = try Self.basis("sto-3g", spherical: true)
        let groups = ShellGroups(basis: basis)
        // Heavy atoms: 1s | 2s 2p; hydrogens: 1s.
        #expect(groups.count == 5 * 2 + 5)
        #expect(groups.members.filter { $0.count == 2 }.count == 5)
        for members in groups.members where members.count == 2 {
            #expect(basis.shells[members[0]].angularMomentum == 0 && basis.shells[members[1]].angularMomentum == 1)
        }
        #expect(ShellGroups(basis: basis, grouping: false).count == basis.shells.count)
        // 6-31G*: 1s | 2sp | 3sp | d per heavy atom (the d shares no exponents); H: two s.
        #expect(ShellGroups(basis: try Self.basis("6-31g*", spherical: true)).count == 5 * 4 + 5 * 2)
    }

    @Test func groupedMatchesShellByShell() throws {
        for spherical in [true, false] {
            expectSameTensor(try Self.basis("sto-3g", spherical: spherical), "sto-3g spherical=\(spherical)")
            expectSameTensor(try Self.basis("6-31g*", spherical: spherical), "6-31g* spherical=\(spherical)")
            expectSameTensor(Self.spdBasis(spherical: spherical), "spd groups spherical=\(spherical)")
        }
    }
}
