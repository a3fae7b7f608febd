import Foundation
@testable import GaussianDFT
import LinearAlgebra
import Testing

// Reference values in IntegralsReferenceData.swift were computed once with PySCF 2.14.0
// (/work/venv) and mpmath (40 digits) and pasted as literals. Matrices are compared through a
// few elements plus a weighted checksum Σ_ij M_ij cos(0.37i + 1.13j + 0.01ij) (and
// Σ_ijkl (ij|kl) cos(0.37i + 1.13j + 0.71k + 0.29l) for ERIs), which any wrong element changes.

enum IntegralsFixtures {
    /// Slightly asymmetric water (bohr): O, H, H.
    static let water: [(atomicNumber: Int, position: SIMD3<Double>)] = [
        (8, SIMD3(0.0, 0.1, 0.2217)), (1, SIMD3(0.05, 1.4309, -0.8867)), (1, SIMD3(-0.1, -1.43, -0.95)),
    ]
    static let waterCharges: [Double] = [8, 1, 1]

    static func water631gs(spherical: Bool) -> MolecularBasis {
        MolecularBasis(atoms: water, definitions: { IntegralsReference.water631gs[$0]! }, spherical: spherical)
    }

    /// The hand-built basis with d and f shells: each atom gets its own definition list
    /// (fake atomic numbers 1000+i key them; charges are passed explicitly). H2's list is given
    /// f before s, so this also checks the stable sort by l.
    static func custom(spherical: Bool) -> MolecularBasis {
        let atoms = water.enumerated().map { (atomicNumber: 1000 + $0.offset, position: $0.element.position) }
        return MolecularBasis(atoms: atoms, definitions: { IntegralsReference.customShells[$0 - 1000] }, spherical: spherical)
    }

    /// `custom` with H2 moved far away, to (−0.1, −1.43, −7.5) bohr.
    static func customFar(spherical: Bool) -> MolecularBasis {
        var atoms = water.enumerated().map { (atomicNumber: 1000 + $0.offset, position: $0.element.position) }
        atoms[2].position = SIMD3(-0.1, -1.43, -7.5)
        return MolecularBasis(atoms: atoms, definitions: { IntegralsReference.customShells[$0 - 1000] }, spherical: spherical)
    }

    static func weight2(_ i: Int, _ j: Int) -> Double { cos(0.37 * Double(i) + 1.13 * Double(j) + 0.01 * Double(i * j)) }

    static func checksum(_ m: Matrix) -> Double {
        var s = 0.0
        for j in 0..<m.columns { for i in 0..<m.rows { s += m[i, j] * weight2(i, j) } }
        return s
    }

    /// The symmetric test density used for the J/K references.
    static func density(_ n: Int) -> Matrix {
        Matrix(size: n) { i, j in
            0.3 * cos(0.5 * Double(i + j)) + 0.2 * cos(0.9 * Double(abs(i - j))) + 0.05 * sin(0.07 * Double(i * j))
        }
    }

    static func eriChecksum(_ t: ElectronRepulsionTensor) -> Double {
        let n = t.aoCount
        var ci = [Double](repeating: 0, count: n), cj = ci, ck = ci, cl = ci
        var si = ci, sj = ci, sk = ci, sl = ci
        for a in 0..<n {
            ci[a] = cos(0.37 * Double(a)); si[a] = sin(0.37 * Double(a))
            cj[a] = cos(1.13 * Double(a)); sj[a] = sin(1.13 * Double(a))
            ck[a] = cos(0.71 * Double(a)); sk[a] = sin(0.71 * Double(a))
            cl[a] = cos(0.29 * Double(a)); sl[a] = sin(0.29 * Double(a))
        }
        // cos(A+B+C+D) via angle addition, accumulated directly.
        var s = 0.0
        for i in 0..<n {
            for j in 0..<n {
                let cij = ci[i] * cj[j] - si[i] * sj[j], sij = si[i] * cj[j] + ci[i] * sj[j]
                for k in 0..<n {
                    for l in 0..<n {
                        let ckl = ck[k] * cl[l] - sk[k] * sl[l], skl = sk[k] * cl[l] + ck[k] * sl[l]
                        s += t.value(i, j, k, l) * (cij * ckl - sij * skl)
                    }
                }
            }
        }
        return s
    }
}

// MARK: - Boys function

struct IntegralsBoysTests {
    /// Relative 2e-15 (absolute 1e-300 floor) against mpmath's γ(m+½, T)/(2T^{m+½}).
    @Test func boysAgainstMpmath() {
        for ref in IntegralsReference.boys {
            let v = BoysFunction.values(upTo: ref.m, ref.t)[ref.m]
            let rel = abs(v - ref.value) / max(abs(ref.value), 1e-300)
            #expect(rel < 2e-15, "F_\(ref.m)(\(ref.t)) = \(v), mpmath \(ref.value), rel \(rel)")
        }
    }

    /// All orders at once agree with single-order evaluation and with the recursion identity
    /// (2m+1) F_m = 2T F_{m+1} + e^{−T} (relative 1e-14), across the grid/asymptotic boundary.
    @Test func boysRecursionConsistency() {
        for t in stride(from: 0.0, through: 120.0, by: 0.173) {
            let f = BoysFunction.values(upTo: BoysFunction.maxOrder, t)
            for m in 0..<BoysFunction.maxOrder {
                let lhs = Double(2 * m + 1) * f[m]
                let rhs = 2 * t * f[m + 1] + exp(-t)
                #expect(abs(lhs - rhs) <= 1e-14 * lhs, "T=\(t) m=\(m)")
            }
        }
    }

    /// The four-lane evaluation against mpmath (2e-15 relative, as the scalar one) with the
    /// reference arguments spread over lanes next to arguments on the other side of the
    /// grid limit, and against the scalar evaluation for every order up to 8 and T across
    /// 0…120, with a scale: 2e-15 relative — the Taylor sums are the same, but above T = 50
    /// the lanes recur F_{k+1} = (2k+1) F_k / (2T) without e^{−T} (below 2e-16 relative for
    /// m ≤ 5), rounded in a different order over up to five steps (measured 1.4e-15).
    @Test func boysFourLanes() {
        let table = BoysFunction.table, inverseOdd = BoysFunction.inverseOdd
        var out = [SIMD4<Double>](repeating: .zero, count: BoysFunction.maxOrder + 1)
        for ref in IntegralsReference.boys {
            let t = SIMD4(ref.t, 73.5, 0.37, ref.t + 1e-3)
            out.withUnsafeMutableBufferPointer {
                BoysFunction.evaluate4(upTo: ref.m, t, scale: SIMD4(repeating: 1), into: $0.baseAddress!, table: table, inverseOdd: inverseOdd)
            }
            let rel = abs(out[ref.m][0] - ref.value) / max(abs(ref.value), 1e-300)
            #expect(rel < 2e-15, "F_\(ref.m)(\(ref.t)) lane 0 = \(out[ref.m][0]), mpmath \(ref.value), rel \(rel)")
        }
        var worst = 0.0
        for m in 0...8 {
            for t0 in stride(from: 0.0, through: 120.0, by: 0.371) {
                let t = SIMD4(t0, 120 - t0, 49.99 + 0.01 * t0, t0 * 0.5)
                let scale = SIMD4(1.0, 2.5, -0.75, 1e-3)
                out.withUnsafeMutableBufferPointer {
                    BoysFunction.evaluate4(upTo: m, t, scale: scale, into: $0.baseAddress!, table: table, inverseOdd: inverseOdd)
                }
                for l in 0..<4 {
                    let ref = BoysFunction.values(upTo: m, t[l])
                    for k in 0...m {
                        let expected = scale[l] * ref[k]
                        worst = max(worst, abs(out[k][l] - expected) / abs(expected))
                    }
                }
            }
        }
        #expect(worst < 2e-15, "largest relative difference to the scalar evaluation \(worst)")
    }
}

// MARK: - Conventions

struct IntegralsConventionTests {
    /// sphericalTransform(l) equals PySCF's gto.cart2sph(l) for l = 2, 3, 4 (1e-14), and is the
    /// identity for l ≤ 1.
    @Test func sphericalTransformMatchesPySCF() {
        for (l, ref) in [(2, IntegralsReference.cart2sph2), (3, IntegralsReference.cart2sph3), (4, IntegralsReference.cart2sph4)] {
            let t = sphericalTransform(l: l)
            #expect(t.rows == cartesianCount(l) && t.columns == 2 * l + 1)
            for i in 0..<t.rows {
                for j in 0..<t.columns {
                    #expect(abs(t[i, j] - ref[i * t.columns + j]) < 1e-14, "l=\(l) [\(i),\(j)]")
                }
            }
        }
        #expect(sphericalTransform(l: 0) == Matrix.identity(1))
        #expect(sphericalTransform(l: 1) == Matrix.identity(3))
    }

    @Test func cartesianOrder() {
        let d = cartesianExponents(l: 2).map { [$0.x, $0.y, $0.z] }
        #expect(d == [[2, 0, 0], [1, 1, 0], [1, 0, 1], [0, 2, 0], [0, 1, 1], [0, 0, 2]])
        #expect(cartesianExponents(l: 3).count == 10)
        #expect(cartesianExponents(l: 3)[4].x == 1 && cartesianExponents(l: 3)[4].y == 1 && cartesianExponents(l: 3)[4].z == 1)
        for l in 0...6 {
            for (k, c) in cartesianExponents(l: l).enumerated() { #expect(cartesianIndex(c.x, c.y, c.z) == k) }
        }
    }

    /// AO layout of water 6-31G*: PySCF's ao_labels (O 1s 2s 3s 2p 3p 3d, H 1s 2s, H 1s 2s).
    @Test func waterLayout() {
        let b = IntegralsFixtures.water631gs(spherical: true)
        #expect(b.aoCount == IntegralsReference.waterAOLabels.count)
        #expect(b.shells.map(\.angularMomentum) == [0, 0, 0, 1, 1, 2, 0, 0, 0, 0])
        #expect(b.aoOffsets == [0, 1, 2, 3, 6, 9, 14, 15, 16, 17])
        let atoms = IntegralsReference.waterAOLabels.map { Int($0.split(separator: " ")[0])! }
        #expect(b.aoAtom == atoms)
        #expect(b.atomShellRanges == [0..<6, 6..<8, 8..<10])
        let c = IntegralsFixtures.water631gs(spherical: false)
        #expect(c.aoCount == 19)
        // Stable sort by l: H2 of the custom basis lists f then s.
        let custom = IntegralsFixtures.custom(spherical: true)
        #expect(custom.shells.map(\.angularMomentum) == [0, 1, 2, 3, 0, 2, 0, 3])
    }

    /// Normalisation: s and p contracted functions have unit self-overlap; d/f cartesian
    /// diagonal components x^l have ⟨x^l|x^l⟩ = 4π (2l−1)!!/(2l+1)!! (PySCF cart convention);
    /// spherical functions are unit-normalised (1e-13).
    @Test func normalisation() {
        let cart = overlapMatrix(IntegralsFixtures.custom(spherical: false))
        let sph = overlapMatrix(IntegralsFixtures.custom(spherical: true))
        for i in 0..<sph.rows { #expect(abs(sph[i, i] - 1) < 1e-13, "sph \(i)") }
        let basis = IntegralsFixtures.custom(spherical: false)
        for (s, shell) in basis.shells.enumerated() {
            let l = shell.angularMomentum
            var df = 1.0, df2 = 1.0
            if l > 0 { for k in stride(from: 2 * l - 1, through: 1, by: -2) { df *= Double(k) } }
            for k in stride(from: 2 * l + 1, through: 1, by: -2) { df2 *= Double(k) }
            let expected = l <= 1 ? 1.0 : 4 * Double.pi * df / df2
            let o = basis.aoOffsets[s]
            #expect(abs(cart[o, o] - expected) < 1e-12, "shell \(s) l=\(l)")
        }
    }
}

// MARK: - One-electron integrals

struct IntegralsOneElectronTests {
    typealias Reference = (nao: Int, matrices: [String: (checksum: Double, elements: [(Int, Int, Double)])])

    func check(_ basis: MolecularBasis, _ ref: Reference, charges: [Double], label: String) {
        #expect(basis.aoCount == ref.nao)
        let positions = IntegralsFixtures.water.map(\.position)
        let dip = dipoleMatrices(basis, origin: SIMD3(0.3, -0.2, 0.1))
        let mats: [String: Matrix] = [
            "S": overlapMatrix(basis), "T": kineticMatrix(basis),
            "V": nuclearAttractionMatrix(basis, charges: charges, positions: positions),
            "X": dip[0], "Y": dip[1], "Z": dip[2],
        ]
        for (name, m) in mats {
            let r = ref.matrices[name]!
            let cs = IntegralsFixtures.checksum(m)
            // Tolerance: 1e-11 absolute on elements, 1e-10 on the checksum (sums ~n² terms).
            #expect(abs(cs - r.checksum) < 1e-10, "\(label) \(name) checksum \(cs) vs \(r.checksum)")
            for (i, j, v) in r.elements {
                #expect(abs(m[i, j] - v) < 1e-11, "\(label) \(name)[\(i),\(j)] = \(m[i, j]) vs \(v)")
            }
            for i in 0..<m.rows { for j in 0..<i { #expect(m[i, j] == m[j, i]) } }
        }
    }

    @Test func water631gsSpherical() {
        check(IntegralsFixtures.water631gs(spherical: true), IntegralsReference.waterSphOneElectron,
              charges: IntegralsFixtures.waterCharges, label: "water sph")
    }

    @Test func water631gsCartesian() {
        check(IntegralsFixtures.water631gs(spherical: false), IntegralsReference.waterCartOneElectron,
              charges: IntegralsFixtures.waterCharges, label: "water cart")
    }

    @Test func customDFSpherical() {
        check(IntegralsFixtures.custom(spherical: true), IntegralsReference.customSphOneElectron,
              charges: IntegralsFixtures.waterCharges, label: "custom sph")
    }

    @Test func customDFCartesian() {
        check(IntegralsFixtures.custom(spherical: false), IntegralsReference.customCartOneElectron,
              charges: IntegralsFixtures.waterCharges, label: "custom cart")
    }

    /// PySCF mol.energy_nuc() (1e-12).
    @Test func nuclearRepulsion() {
        let e = nuclearRepulsionEnergy(charges: IntegralsFixtures.waterCharges, positions: IntegralsFixtures.water.map(\.position))
        #expect(abs(e - IntegralsReference.waterNuclearRepulsion) < 1e-12)
    }
}

// MARK: - Two-electron integrals

struct IntegralsERITests {
    typealias Reference = (checksum: Double, elements: [(Int, Int, Int, Int, Double)])

    /// Full-tensor checksum (1e-9; ~n⁴ terms of size ≤ 5) and selected elements (1e-11).
    func check(_ basis: MolecularBasis, _ ref: Reference, label: String) {
        let t = ElectronRepulsionTensor(basis: basis)
        for (i, j, k, l, v) in ref.elements {
            #expect(abs(t[i, j, k, l] - v) < 1e-11, "\(label) (\(i)\(j)|\(k)\(l)) = \(t[i, j, k, l]) vs \(v)")
            // 8-fold symmetry of access.
            #expect(t[i, j, k, l] == t[l, k, j, i] && t[i, j, k, l] == t[k, l, j, i])
        }
        let cs = IntegralsFixtures.eriChecksum(t)
        #expect(abs(cs - ref.checksum) < 1e-9, "\(label) ERI checksum \(cs) vs \(ref.checksum)")
    }

    @Test func water631gsSpherical() { check(IntegralsFixtures.water631gs(spherical: true), IntegralsReference.waterSphERI, label: "water sph") }
    @Test func water631gsCartesian() { check(IntegralsFixtures.water631gs(spherical: false), IntegralsReference.waterCartERI, label: "water cart") }
    /// Includes (ff|ff), (fd|fd), (fs|dp) ... quartets with f on O and H.
    @Test func customDFSpherical() { check(IntegralsFixtures.custom(spherical: true), IntegralsReference.customSphERI, label: "custom sph") }
    @Test func customDFCartesian() { check(IntegralsFixtures.custom(spherical: false), IntegralsReference.customCartERI, label: "custom cart") }

    /// Distant atoms: small Schwarz factors times large partners (regression: Q_ab must not be
    /// computed with absolute primitive screening). Elements 1e-13 absolute (values ~3e-7).
    @Test func customFarSpherical() {
        let basis = IntegralsFixtures.customFar(spherical: true)
        let t = ElectronRepulsionTensor(basis: basis)
        for (i, j, k, l, v) in IntegralsReference.customFarERI.elements {
            #expect(abs(t[i, j, k, l] - v) < 1e-13, "(\(i)\(j)|\(k)\(l)) = \(t[i, j, k, l]) vs \(v)")
        }
        #expect(abs(IntegralsFixtures.eriChecksum(t) - IntegralsReference.customFarERI.checksum) < 1e-9)
    }

    @Test func packedSize() {
        #expect(ElectronRepulsionTensor.uniqueCount(aoCount: 7) == 406)
        let t = ElectronRepulsionTensor(basis: IntegralsFixtures.water631gs(spherical: true))
        #expect(t.uniqueCount == ElectronRepulsionTensor.uniqueCount(aoCount: 18))
    }
}

// MARK: - Coulomb and exchange

struct IntegralsJKTests {
    typealias Reference = (jChecksum: Double, kChecksum: Double, j: [(Int, Int, Double)], k: [(Int, Int, Double)])

    /// Tensor and direct J/K against PySCF scf.hf.get_jk (1e-10 absolute; checksums 1e-9),
    /// and against each other (1e-11).
    func check(spherical: Bool, _ ref: Reference) {
        let basis = IntegralsFixtures.water631gs(spherical: spherical)
        let d = IntegralsFixtures.density(basis.aoCount)
        let tensor = ElectronRepulsionTensor(basis: basis)
        let direct = DirectCoulombExchange(basis: basis)
        let directNoScreen = DirectCoulombExchange(basis: basis, densityScreening: false)
        let (jt, kt) = tensor.coulombExchange(densities: [d], exchange: true)
        let (jd, kd) = direct.coulombExchange(densities: [d], exchange: true)
        let (jn, kn) = directNoScreen.coulombExchange(densities: [d, 0.5 * d], exchange: true)
        for (name, j, k) in [("tensor", jt[0], kt[0]), ("direct", jd[0], kd[0])] {
            #expect(abs(IntegralsFixtures.checksum(j) - ref.jChecksum) < 1e-9, "\(name) J checksum")
            #expect(abs(IntegralsFixtures.checksum(k) - ref.kChecksum) < 1e-9, "\(name) K checksum")
            for (a, b, v) in ref.j { #expect(abs(j[a, b] - v) < 1e-10, "\(name) J[\(a),\(b)] = \(j[a, b]) vs \(v)") }
            for (a, b, v) in ref.k { #expect(abs(k[a, b] - v) < 1e-10, "\(name) K[\(a),\(b)] = \(k[a, b]) vs \(v)") }
        }
        #expect((jt[0] - jd[0]).maxAbs < 1e-11)
        #expect((kt[0] - kd[0]).maxAbs < 1e-11)
        #expect((jt[0] - jn[0]).maxAbs < 1e-11)
        #expect((0.5 * kt[0] - kn[1]).maxAbs < 1e-11)
        let (jOnly, kNone) = tensor.coulombExchange(densities: [d], exchange: false)
        #expect(kNone.isEmpty && (jOnly[0] - jt[0]).maxAbs < 1e-13)
    }

    @Test func water631gsSpherical() { check(spherical: true, IntegralsReference.waterSphJK) }
    @Test func water631gsCartesian() { check(spherical: false, IntegralsReference.waterCartJK) }

    @Test func operatorChoice() {
        let basis = IntegralsFixtures.water631gs(spherical: true)
        #expect(makeTwoElectronOperator(basis: basis) is ElectronRepulsionTensor)
        #expect(makeTwoElectronOperator(basis: basis, memoryBudgetBytes: 1000) is DirectCoulombExchange)
    }
}

// MARK: - Generated kernels vs interpreted recipes

struct IntegralsKernelTests {
    /// Every shell quartet of the d/f test basis (all classes with l ≤ 3, both orders) agrees
    /// between the generated straight-line kernels and the interpreted recipes (1e-13 relative
    /// to the block's largest element, plus 1e-15 absolute for blocks of cancelling terms).
    @Test func generatedMatchesInterpreted() {
        for spherical in [true, false] {
            let basis = IntegralsFixtures.custom(spherical: spherical)
            let pairs = ShellPairTable(basis: basis)
            let gen = ERIEngine(pairs: pairs, spherical: spherical, useGenerated: true)
            let interp = ERIEngine(pairs: pairs, spherical: spherical, useGenerated: false)
            for a in 0..<pairs.pairCount {
                for b in 0...a {
                    let x = gen.compute(bra: a, ket: b)
                    let y = interp.compute(bra: a, ket: b)
                    var scale = 1e-300, diff = 0.0
                    for k in 0..<x.count { scale = max(scale, abs(y.values[k])); diff = max(diff, abs(x.values[k] - y.values[k])) }
                    #expect(diff <= 1e-13 * scale + 1e-15, "pairs \(a) \(b)")
                }
            }
        }
    }
}
