import ChemistryCore
import Foundation
import LinearAlgebra
import Testing
@testable import GaussianDFT

/// The mixed-precision Coulomb tensor against the all-Double `ElectronRepulsionTensor` (itself
/// checked against PySCF's integrals and J/K in IntegralsTests).
@Suite struct CoulombTensorTests {
    /// Four 6-31G* waters, 3.5–9 Å apart, so that many integrals fall below the Double bound.
    static func waterCluster() throws -> MolecularBasis {
        let water: [(Int, SIMD3<Double>)] = [(8, SIMD3(0, 0, 0.117)), (1, SIMD3(0, 0.757, -0.469)), (1, SIMD3(0, -0.757, -0.469))]
        let shifts: [SIMD3<Double>] = [.zero, SIMD3(3.5, 0, 0), SIMD3(0, 4.2, 1.0), SIMD3(-2.0, -3.0, 8.0)]
        var atoms: [(atomicNumber: Int, position: SIMD3<Double>)] = []
        for shift in shifts { for (z, r) in water { atoms.append((z, (r + shift) * Units.angstromInBohr)) } }
        return try MolecularBasis(atoms: atoms, definitions: { try BasisSetLibrary.shells(basis: "6-31g*", atomicNumber: $0) },
                                  spherical: true)
    }

    /// With every integral kept in Double (bound 0) the Coulomb matrix is the Double tensor's
    /// to rounding (1e-11: same integrals, summed in another order), for spherical and
    /// cartesian d, f functions and a far atom.
    @Test func allDoubleGivesTheSameCoulombMatrix() throws {
        let bases = [IntegralsFixtures.water631gs(spherical: true), IntegralsFixtures.water631gs(spherical: false),
                     IntegralsFixtures.custom(spherical: true), IntegralsFixtures.custom(spherical: false),
                     IntegralsFixtures.customFar(spherical: true), try Self.waterCluster()]
        for basis in bases {
            let d = IntegralsFixtures.density(basis.aoCount)
            let reference = ElectronRepulsionTensor(basis: basis).coulombExchange(densities: [d], exchange: false).coulomb[0]
            let tensor = CoulombTensor(basis: basis, doublePrecisionBound: 0)
            #expect(tensor.storedCounts.float == 0)
            let j = tensor.coulombExchange(densities: [d], exchange: false).coulomb[0]
            #expect((j - reference).maxAbs < 1e-11, "\(basis.aoCount) AOs: \((j - reference).maxAbs)")
        }
    }

    /// The PySCF J of the water reference (1e-10, as the Double tensor is held to).
    @Test func matchesPySCFCoulombMatrix() {
        let basis = IntegralsFixtures.water631gs(spherical: true)
        let j = CoulombTensor(basis: basis).coulombExchange(densities: [IntegralsFixtures.density(basis.aoCount)], exchange: false).coulomb[0]
        #expect(abs(IntegralsFixtures.checksum(j) - IntegralsReference.waterSphJK.jChecksum) < 1e-9)
        for (a, b, v) in IntegralsReference.waterSphJK.j { #expect(abs(j[a, b] - v) < 1e-10, "J[\(a),\(b)] = \(j[a, b]) vs \(v)") }
    }

    /// Integrals below the bound τ are rounded to Float, each by at most 2⁻²⁴ τ, so
    /// |ΔJ_μν| ≤ 2⁻²⁴ τ Σ_λσ |D_λσ|. The cluster has such integrals (the test would otherwise
    /// prove nothing) and stores fewer bytes than the Double tensor.
    @Test func singlePrecisionStaysWithinItsBound() throws {
        let basis = try Self.waterCluster()
        let n = basis.aoCount
        let d = IntegralsFixtures.density(n)
        let full = ElectronRepulsionTensor(basis: basis)
        let reference = full.coulombExchange(densities: [d], exchange: false).coulomb[0]
        let tau = CoulombTensor.defaultDoublePrecisionBound
        let tensor = CoulombTensor(basis: basis)
        let counts = tensor.storedCounts
        #expect(counts.float > counts.double, "\(counts)")
        #expect(8 * counts.double + 4 * counts.float < 8 * full.uniqueCount * 2 / 3)
        let j = tensor.coulombExchange(densities: [d], exchange: false).coulomb[0]
        let bound = pow(2, -24) * tau * d.elements.reduce(0) { $0 + abs($1) } + 1e-11
        let difference = (j - reference).maxAbs
        #expect(difference > 0 && difference <= bound, "max |ΔJ| \(difference), bound \(bound)")
        // The Coulomb energy ½ tr(D J) moves by far less than an SCF tolerance.
        #expect(abs(0.5 * d.dot(j) - 0.5 * d.dot(reference)) < 1e-9)
    }

    /// One J per density (α, β for unrestricted), linear in it.
    @Test func oneCoulombMatrixPerDensity() throws {
        let basis = try Self.waterCluster()
        let d = IntegralsFixtures.density(basis.aoCount)
        let js = CoulombTensor(basis: basis).coulombExchange(densities: [d, 0.5 * d], exchange: false)
        #expect(js.coulomb.count == 2 && js.exchange.isEmpty)
        #expect((0.5 * js.coulomb[0] - js.coulomb[1]).maxAbs < 1e-12)
    }

    /// The memory budget is checked against each tensor's own size: a budget between the two
    /// keeps J in core without exact exchange and goes direct with it.
    @Test func operatorChoice() throws {
        let basis = IntegralsFixtures.water631gs(spherical: true)
        #expect(makeTwoElectronOperator(basis: basis, exchange: false) is CoulombTensor)
        #expect(makeTwoElectronOperator(basis: basis, exchange: true) is ElectronRepulsionTensor)
        #expect(makeTwoElectronOperator(basis: basis, memoryBudgetBytes: 1000, exchange: false) is DirectCoulombExchange)
        let cluster = try Self.waterCluster()
        let counts = CoulombTensor(basis: cluster).storedCounts
        let coulombBytes = 8 * counts.double + 4 * counts.float
        let budget = (coulombBytes + ElectronRepulsionTensor.storageBytes(aoCount: cluster.aoCount)) / 2
        #expect(makeTwoElectronOperator(basis: cluster, memoryBudgetBytes: budget, exchange: false) is CoulombTensor)
        #expect(makeTwoElectronOperator(basis: cluster, memoryBudgetBytes: budget, exchange: true) is DirectCoulombExchange)
        #expect(makeTwoElectronOperator(basis: cluster, memoryBudgetBytes: coulombBytes - 8, exchange: false) is DirectCoulombExchange)
    }
}
