import Foundation
import GaussianDFT
import Testing

/// Bundled basis sets (BasisSetLibrary). Reference numbers come from PySCF 2.14.0 in /work/venv:
/// AO counts and shell order from `gto.M(atom=<element>, basis={el: gto.basis.parse(<bundled .nw
/// file>, el)}, spin=Z%2)`, i.e. PySCF reading the same Basis Set Exchange data. For H–Ar these
/// also equal PySCF's own built-in basis data (`basis='def2-svp'` etc.): same `mol.nao`, same
/// angular-momentum sequence.
struct BasisSetTests {
    // MARK: - Names

    @Test func availableNames() {
        #expect(BasisSetLibrary.available == ["sto-3g", "6-31g", "6-31g*", "6-31g**", "def2-svp", "def2-tzvp", "cc-pvdz"])
    }

    @Test func canonicalisation() throws {
        let cases: [(String, String)] = [
            ("sto-3g", "sto-3g"), ("STO-3G", "sto-3g"), ("sto3g", "sto-3g"), (" STO 3G ", "sto-3g"),
            ("6-31G", "6-31g"), ("631g", "6-31g"),
            ("6-31G*", "6-31g*"), ("6-31G(d)", "6-31g*"), ("6-31g(D)", "6-31g*"), ("631g*", "6-31g*"),
            ("6-31G**", "6-31g**"), ("6-31G(d,p)", "6-31g**"), ("6-31G(d, p)", "6-31g**"), ("6-31gss", "6-31g**"),
            ("def2-SVP", "def2-svp"), ("def2svp", "def2-svp"), ("Def2_SVP", "def2-svp"),
            ("def2-TZVP", "def2-tzvp"), ("def2tzvp", "def2-tzvp"),
            ("cc-pVDZ", "cc-pvdz"), ("ccpvdz", "cc-pvdz"),
        ]
        for (input, expected) in cases {
            #expect(try BasisSetLibrary.canonicalName(input) == expected, "\(input)")
        }
        for name in BasisSetLibrary.available {
            #expect(try BasisSetLibrary.canonicalName(name) == name)
        }
    }

    @Test func unknownBasisThrows() {
        for name in ["6-311g", "sto-6g", "def2-svpd", "", "6-31g(d,p,f)"] {
            do {
                _ = try BasisSetLibrary.canonicalName(name)
                Issue.record("'\(name)' should be unknown")
            } catch let BasisSetError.unknownBasis(got, available) {
                #expect(got == name)
                #expect(available == BasisSetLibrary.available)
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
        do {
            _ = try BasisSetLibrary.shells(basis: "cc-pvtz", atomicNumber: 1)
            Issue.record("cc-pvtz should be unknown")
        } catch let error as BasisSetError {
            guard case .unknownBasis("cc-pvtz", _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(error.description.contains("def2-svp"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func missingElementThrows() {
        // cc-pVDZ has no potassium in the Basis Set Exchange; nothing is bundled beyond Kr.
        let cases: [(basis: String, z: Int, canonical: String, element: String)] = [
            ("cc-pVDZ", 19, "cc-pvdz", "K"), ("sto-3g", 37, "sto-3g", "Rb"),
            ("def2-svp", 0, "def2-svp", "Z=0"), ("6-31g*", 200, "6-31g*", "Z=200"),
        ]
        for c in cases {
            do {
                _ = try BasisSetLibrary.shells(basis: c.basis, atomicNumber: c.z)
                Issue.record("\(c.basis) Z=\(c.z) should be missing")
            } catch let error as BasisSetError {
                guard case let .elementMissing(basis, element) = error else { Issue.record("wrong error \(error)"); continue }
                #expect(basis == c.canonical)
                #expect(element == c.element)
                #expect(error.description.contains(c.element))
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
    }

    // MARK: - Coverage and AO counts

    /// PySCF `mol.nao` (spherical) for Z = 1…36; 0 where the basis has no such element.
    static let pyscfNAO: [String: [Int]] = [
        "sto-3g": [1, 1, 5, 5, 5, 5, 5, 5, 5, 5, 9, 9, 9, 9, 9, 9, 9, 9, 13, 13, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18, 18],
        "6-31g": [2, 2, 9, 9, 9, 9, 9, 9, 9, 9, 13, 13, 13, 13, 13, 13, 13, 13, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27],
        "6-31g*": [2, 2, 14, 14, 14, 14, 14, 14, 14, 14, 18, 18, 18, 18, 18, 18, 18, 18, 32, 32, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 32, 32, 32, 32, 32, 32],
        "6-31g**": [5, 5, 14, 14, 14, 14, 14, 14, 14, 14, 18, 18, 18, 18, 18, 18, 18, 18, 32, 32, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 32, 32, 32, 32, 32, 32],
        "def2-svp": [5, 5, 9, 9, 14, 14, 14, 14, 14, 14, 15, 18, 18, 18, 18, 18, 18, 18, 24, 24, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 32, 32, 32, 32, 32, 32],
        "def2-tzvp": [6, 6, 14, 19, 31, 31, 31, 31, 31, 31, 32, 32, 37, 37, 37, 37, 37, 37, 33, 36, 45, 45, 45, 45, 45, 45, 45, 45, 45, 48, 48, 48, 48, 48, 48, 48],
        "cc-pvdz": [5, 5, 14, 14, 14, 14, 14, 14, 14, 14, 18, 18, 18, 18, 18, 18, 18, 18, 0, 27, 43, 43, 43, 43, 43, 43, 43, 43, 43, 43, 27, 27, 27, 27, 27, 27],
    ]

    /// Angular momentum of each contraction in PySCF's `mol._bas` order (a shell with nctr
    /// contractions counted nctr times), Z = 1…36.
    static let pyscfShellL: [String: [String]] = [
        "sto-3g": [
            "0", "0", "001", "001", "001", "001",
            "001", "001", "001", "001", "00011", "00011",
            "00011", "00011", "00011", "00011", "00011", "00011",
            "0000111", "0000111", "00001112", "00001112", "00001112", "00001112",
            "00001112", "00001112", "00001112", "00001112", "00001112", "00001112",
            "00001112", "00001112", "00001112", "00001112", "00001112", "00001112",
        ],
        "6-31g": [
            "00", "00", "00011", "00011", "00011", "00011",
            "00011", "00011", "00011", "00011", "0000111", "0000111",
            "0000111", "0000111", "0000111", "0000111", "0000111", "0000111",
            "00000111122", "00000111122", "00000111122", "00000111122", "00000111122", "00000111122",
            "00000111122", "00000111122", "00000111122", "00000111122", "00000111122", "00000111122",
            "00000111122", "00000111122", "00000111122", "00000111122", "00000111122", "00000111122",
        ],
        "6-31g*": [
            "00", "00", "000112", "000112", "000112", "000112",
            "000112", "000112", "000112", "000112", "00001112", "00001112",
            "00001112", "00001112", "00001112", "00001112", "00001112", "00001112",
            "000001111222", "000001111222", "000001111223", "000001111223", "000001111223", "000001111223",
            "000001111223", "000001111223", "000001111223", "000001111223", "000001111223", "000001111223",
            "000001111222", "000001111222", "000001111222", "000001111222", "000001111222", "000001111222",
        ],
        "6-31g**": [
            "001", "001", "000112", "000112", "000112", "000112",
            "000112", "000112", "000112", "000112", "00001112", "00001112",
            "00001112", "00001112", "00001112", "00001112", "00001112", "00001112",
            "000001111222", "000001111222", "000001111223", "000001111223", "000001111223", "000001111223",
            "000001111223", "000001111223", "000001111223", "000001111223", "000001111223", "000001111223",
            "000001111222", "000001111222", "000001111222", "000001111222", "000001111222", "000001111222",
        ],
        "def2-svp": [
            "001", "001", "00011", "00011", "000112", "000112",
            "000112", "000112", "000112", "000112", "0000112", "00001112",
            "00001112", "00001112", "00001112", "00001112", "00001112", "00001112",
            "0000011122", "0000011122", "00000111223", "00000111223", "00000111223", "00000111223",
            "00000111223", "00000111223", "00000111223", "00000111223", "00000111223", "00000111223",
            "000001111222", "000001111222", "000001111222", "000001111222", "000001111222", "000001111222",
        ],
        "def2-tzvp": [
            "0001", "0001", "00000111", "000001112", "00000111223", "00000111223",
            "00000111223", "00000111223", "00000111223", "00000111223", "000001111222", "000001111222",
            "0000011111223", "0000011111223", "0000011111223", "0000011111223", "0000011111223", "0000011111223",
            "0000001111222", "00000011111222", "000000111122223", "000000111122223", "000000111122223", "000000111122223",
            "000000111122223", "000000111122223", "000000111122223", "000000111122223", "000000111122223", "0000001111122223",
            "0000001111122223", "0000001111122223", "0000001111122223", "0000001111122223", "0000001111122223", "0000001111122223",
        ],
        "cc-pvdz": [
            "001", "001", "000112", "000112", "000112", "000112",
            "000112", "000112", "000112", "000112", "00001112", "00001112",
            "00001112", "00001112", "00001112", "00001112", "00001112", "00001112",
            "", "00000111122", "000000111112223", "000000111112223", "000000111112223", "000000111112223",
            "000000111112223", "000000111112223", "000000111112223", "000000111112223", "000000111112223", "000000111112223",
            "00000111122", "00000111122", "00000111122", "00000111122", "00000111122", "00000111122",
        ],
    ]

    @Test func everyBasisCoversHydrogenToArgon() throws {
        for name in BasisSetLibrary.available {
            for z in 1...18 {
                let shells = try BasisSetLibrary.shells(basis: name, atomicNumber: z)
                #expect(!shells.isEmpty)
                for s in shells {
                    #expect(!s.exponents.isEmpty && s.exponents.count == s.coefficients.count)
                    #expect(s.exponents.allSatisfy { $0 > 0 } && s.coefficients.allSatisfy { $0 != 0 })
                }
            }
            let expected = (1...36).filter { Self.pyscfNAO[name]![$0 - 1] > 0 }
            #expect(try BasisSetLibrary.atomicNumbers(basis: name) == expected, "\(name)")
        }
    }

    @Test func aoCountsAndShellOrderMatchPySCF() throws {
        for name in BasisSetLibrary.available {
            for z in 1...36 where Self.pyscfNAO[name]![z - 1] > 0 {
                let shells = try BasisSetLibrary.shells(basis: name, atomicNumber: z)
                let nao = shells.reduce(0) { $0 + 2 * $1.angularMomentum + 1 }
                #expect(nao == Self.pyscfNAO[name]![z - 1], "\(name) Z=\(z)")
                let ls = shells.map { String($0.angularMomentum) }.joined()
                #expect(ls == Self.pyscfShellL[name]![z - 1], "\(name) Z=\(z)")
            }
        }
    }

    // MARK: - Values

    /// Raw (unnormalised) shells from PySCF's `mol._basis`; general contractions split into one
    /// shell per coefficient column with that column's zero entries removed (our convention).
    static let pyscfShells: [(basis: String, z: Int, shells: [(l: Int, exponents: [Double], coefficients: [Double])])] = [
        // sto-3g O: mol._basis of gto.M(atom='O', basis={'O': gto.basis.parse(<bundled file>, 'O')})
        ("sto-3g", 8, [
            (0, [130.7093214, 23.80886605, 6.443608313], [0.1543289673, 0.5353281423, 0.4446345422]),
            (0, [5.033151319, 1.169596125, 0.38038896], [-0.09996722919, 0.3995128261, 0.7001154689]),
            (1, [5.033151319, 1.169596125, 0.38038896], [0.155916275, 0.6076837186, 0.3919573931]),
        ]),
        // 6-31g* C: mol._basis of gto.M(atom='C', basis={'C': gto.basis.parse(<bundled file>, 'C')})
        ("6-31g*", 6, [
            (0, [3047.52488, 457.369518, 103.948685, 29.2101553, 9.28666296, 3.16392696], [0.001834737132, 0.01403732281, 0.06884262226, 0.2321844432, 0.4679413484, 0.3623119853]),
            (0, [7.86827235, 1.88128854, 0.544249258], [-0.1193324198, -0.1608541517, 1.143456438]),
            (0, [0.1687144782], [1.0]),
            (1, [7.86827235, 1.88128854, 0.544249258], [0.06899906659, 0.316423961, 0.7443082909]),
            (1, [0.1687144782], [1.0]),
            (2, [0.8], [1.0]),
        ]),
        // 6-31g** H: mol._basis of gto.M(atom='H', basis={'H': gto.basis.parse(<bundled file>, 'H')})
        ("6-31g**", 1, [
            (0, [18.73113696, 2.825394365, 0.6401216923], [0.03349460434, 0.2347269535, 0.8137573261]),
            (0, [0.1612777588], [1.0]),
            (1, [1.1], [1.0]),
        ]),
        // def2-svp O: mol._basis of gto.M(atom='O', basis='def2-svp')
        ("def2-svp", 8, [
            (0, [2266.1767785, 340.87010191, 77.363135167, 21.47964494, 6.6589433124], [-0.0053431809926, -0.03989003923, -0.17853911985, -0.46427684959, -0.44309745172]),
            (0, [0.80975975668], [1.0]),
            (0, [0.25530772234], [1.0]),
            (1, [17.721504317, 3.863550544, 1.0480920883], [0.043394573193, 0.23094120765, 0.51375311064]),
            (1, [0.27641544411], [1.0]),
            (2, [1.2], [1.0]),
        ]),
        // def2-svp Cl: mol._basis of gto.M(atom='Cl', basis='def2-svp')
        ("def2-svp", 17, [
            (0, [10449.827566, 1571.7365221, 357.12065523, 100.25185935, 30.812727554], [0.0019708362484, 0.014754727977, 0.066679112875, 0.17228924084, 0.158837861]),
            (0, [51.923789434, 5.7045760975, 2.3508376809], [-0.10009298909, 0.60841752753, 0.54352153355]),
            (0, [0.44605124672], [1.0]),
            (0, [0.1684885619], [1.0]),
            (1, [307.66790569, 72.102015515, 22.532680262, 7.8991765444, 2.8767268321], [-0.0087801484118, -0.063563355471, -0.24016428276, -0.47798866557, -0.38515850005]),
            (1, [0.77459363955], [1.0]),
            (1, [0.21037699698], [1.0]),
            (2, [0.65], [1.0]),
        ]),
        // cc-pvdz N: mol._basis of gto.M(atom='N', basis={'N': gto.basis.parse(<bundled file>, 'N')})
        ("cc-pvdz", 7, [
            (0, [9046.0, 1357.0, 309.3, 87.73, 28.56, 10.21, 3.838, 0.7466, 0.2248], [0.0007, 0.005389, 0.027406, 0.103207, 0.278723, 0.44854, 0.278238, 0.01544, -0.002864]),
            (0, [9046.0, 1357.0, 309.3, 87.73, 28.56, 10.21, 3.838, 0.7466, 0.2248], [-0.000153, -0.001208, -0.005992, -0.024544, -0.067459, -0.158078, -0.121831, 0.549003, 0.578815]),
            (0, [0.2248], [1.0]),
            (1, [13.55, 2.917, 0.7973, 0.2185], [0.039919, 0.217169, 0.510319, 0.462214]),
            (1, [0.2185], [1.0]),
            (2, [0.817], [1.0]),
        ]),
        // def2-tzvp S: mol._basis of gto.M(atom='S', basis={'S': gto.basis.parse(<bundled file>, 'S')})
        ("def2-tzvp", 16, [
            (0, [60700.928104, 9102.6106854, 2071.4166009, 586.02476821, 190.55395021, 67.63038426, 25.127306905], [0.00054695944225, 0.0042297224557, 0.021747824159, 0.085100053589, 0.24799128459, 0.46703640406, 0.3643458755]),
            (0, [112.5746301, 34.795554217, 6.5115556215], [0.02167004024, 0.09360230176, -0.26068001422]),
            (0, [3.2399032261, 1.5477160881], [1.2842089435, 0.66036416584]),
            (0, [0.40541030112], [1.0]),
            (0, [0.14550651059], [1.0]),
            (1, [564.36716027, 133.42624379, 42.468271189, 15.61652758, 6.1093988469], [0.0024796796317, 0.01967793025, 0.089980008258, 0.25705880575, 0.43515167292]),
            (1, [2.4404160198], [0.34883240595]),
            (1, [0.83882201296], [1.0]),
            (1, [0.312887469], [1.0]),
            (1, [0.10770109004], [1.0]),
            (2, [3.756, 0.812], [0.2, 1.0]),
            (2, [0.273], [1.0]),
            (3, [0.557], [1.0]),
        ]),
    ]

    @Test func exponentsAndCoefficientsMatchPySCF() throws {
        func close(_ a: [Double], _ b: [Double]) -> Bool {
            a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-10 * abs($1) }
        }
        for ref in Self.pyscfShells {
            let shells = try BasisSetLibrary.shells(basis: ref.basis, atomicNumber: ref.z)
            #expect(shells.count == ref.shells.count, "\(ref.basis) Z=\(ref.z)")
            for (i, (s, r)) in zip(shells, ref.shells).enumerated() {
                #expect(s.angularMomentum == r.l, "\(ref.basis) Z=\(ref.z) shell \(i)")
                #expect(close(s.exponents, r.exponents), "\(ref.basis) Z=\(ref.z) shell \(i) exponents")
                #expect(close(s.coefficients, r.coefficients), "\(ref.basis) Z=\(ref.z) shell \(i) coefficients")
            }
        }
    }

    @Test func aliasesShareData() throws {
        #expect(try BasisSetLibrary.shells(basis: "6-31G(d,p)", atomicNumber: 6)
            == BasisSetLibrary.shells(basis: "6-31g**", atomicNumber: 6))
        // 6-31G* only adds d shells to 6-31G for C; 6-31G** adds p on H.
        let plain = try BasisSetLibrary.shells(basis: "6-31g", atomicNumber: 6)
        let star = try BasisSetLibrary.shells(basis: "6-31g*", atomicNumber: 6)
        #expect(Array(star.prefix(plain.count)) == plain)
        #expect(star.dropFirst(plain.count).allSatisfy { $0.angularMomentum == 2 })
    }

    @Test func concurrentLookupsAgree() async throws {
        let expected = try BasisSetLibrary.shells(basis: "def2-tzvp", atomicNumber: 17)
        let results = try await withThrowingTaskGroup(of: [ShellDefinition].self) { group in
            for _ in 0..<8 {
                group.addTask { try BasisSetLibrary.shells(basis: "def2-tzvp", atomicNumber: 17) }
            }
            var all: [[ShellDefinition]] = []
            for try await r in group { all.append(r) }
            return all
        }
        #expect(results.allSatisfy { $0 == expected })
    }
}
