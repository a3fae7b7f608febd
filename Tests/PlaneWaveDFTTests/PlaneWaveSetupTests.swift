import ChemistryCore
import Foundation
import Testing
@testable import PlaneWaveDFT

/// The DFTK/ABINIT silicon cell (bohr): lattice columns [0,b,b], [b,0,b], [b,b,0].
enum Silicon {
    static let b = 5.131570667152971
    static let lattice = Mat3(columns: [SIMD3(0, b, b), SIMD3(b, 0, b), SIMD3(b, b, 0)])
    static let positions = [SIMD3(0.125, 0.125, 0.125), SIMD3(-0.125, -0.125, -0.125)]

    static func model(_ family: GTHLibrary.Family = .lda) throws -> Model {
        let psp = try GTHLibrary.pseudopotential(atomicNumber: 14, family: family)
        return try Model(latticeColumns: lattice, fractionalPositions: positions, atomicNumbers: [14, 14],
                         pseudopotentials: [psp], xc: family == .lda ? "lda" : "pbe")
    }

    /// Si-q4 as in ABINIT's /usr/share/abinit/psp/14si.4.hgh (HGH 1998, 6 decimals; h12 from
    /// h22 by the HGH relation h12 = −½√(3/5) h22).
    static var abinitHGH: GTHPseudopotential {
        let h22 = 3.258196
        let h12 = -0.5 * (3.0 / 5).squareRoot() * h22
        return GTHPseudopotential(element: "Si", atomicNumber: 14, name: "14si.4.hgh", zion: 4, rloc: 0.44,
                                  c: [-7.336103],
                                  channels: [.init(l: 0, radius: 0.422738, h: [[5.906928, h12], [h12, h22]]),
                                             .init(l: 1, radius: 0.484278, h: [[2.727013]])])
    }

    static func structure() throws -> Structure { try POSCARReader.read(path: ReferenceData.url("si.poscar").path) }
}

@Suite("PlaneWaveSetup")
struct PlaneWaveSetupTests {
    @Test func siliconPOSCARGivesTheDFTKCell() throws {
        let model = try Model(structure: try Silicon.structure(), xc: "lda")
        for j in 0..<3 { for i in 0..<3 { #expect(abs(model.lattice[i, j] - Silicon.lattice[i, j]) < 1e-9) } }
        #expect(abs(model.positions[0].x - 0.125) < 1e-12 && abs(model.positions[1].z + 0.125) < 1e-12)
        #expect(model.electronCount == 8)
        #expect(abs(model.volume - 2 * pow(Silicon.b, 3)) < 1e-9)
        // a_i · b_j = 2π δ_ij
        for i in 0..<3 { for j in 0..<3 {
            let d = vdot(model.lattice.columns[i], model.reciprocalLattice.columns[j])
            #expect(abs(d - (i == j ? 2 * Double.pi : 0)) < 1e-12)
        } }
    }

    @Test func siliconEwaldEnergy() throws {
        let e = try Silicon.model().ewaldEnergy
        #expect(abs(e - -8.39789357839024) < 1e-8, "Ewald \(e)")
    }

    @Test func ewaldIsIndependentOfTheCellChoice() {
        // Rock-salt-like charges: the same crystal in a primitive and a doubled cell.
        let a = 6.0
        let prim = Mat3(columns: [SIMD3(0, a / 2, a / 2), SIMD3(a / 2, 0, a / 2), SIMD3(a / 2, a / 2, 0)])
        let e1 = ewaldIonEnergy(lattice: prim, fractionalPositions: [.zero, SIMD3(0.5, 0.5, 0.5)], charges: [1, -1])
        let doubled = Mat3(columns: [2 * prim.columns[0], prim.columns[1], prim.columns[2]])
        let e2 = ewaldIonEnergy(lattice: doubled, fractionalPositions: [.zero, SIMD3(0.25, 0.5, 0.5),
                                                                         SIMD3(0.5, 0, 0), SIMD3(0.75, 0.5, 0.5)],
                                charges: [1, -1, 1, -1])
        #expect(abs(2 * e1 - e2) < 1e-10)
        // Madelung constant of rock salt: E per ion pair = −1.747564594633 / (a/2).
        #expect(abs(e1 + 1.747564594633 / (a / 2)) < 1e-9, "\(e1)")
    }

    @Test func siliconPspCorrection() throws {
        let e = try Silicon.model().pspCorrectionEnergy
        #expect(abs(e - -0.294622067023269) < 1e-8, "PspCorrection \(e)")
    }

    @Test func gthTablesParseAndMatchSiliconReference() throws {
        let si = try GTHLibrary.pseudopotential(atomicNumber: 14, family: .lda)
        #expect(si.zion == 4 && si.rloc == 0.44 && si.c == [-7.33610297])
        #expect(si.channels.count == 2)
        #expect(si.channels[0].h == [[5.90692831, -1.26189397], [-1.26189397, 3.25819622]])
        #expect(si.channels[1].h == [[2.72701346]] && si.channels[1].radius == 0.48427842)
        let pbe = try GTHLibrary.pseudopotential(atomicNumber: 14, family: .pbe)
        #expect(pbe.c == [-6.26928833] && pbe.channels[0].h[0][1] == -2.70627082)
        for z in [1, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 19, 20] {
            for f in [GTHLibrary.Family.lda, .pbe] {
                #expect((try? GTHLibrary.pseudopotential(atomicNumber: z, family: f)) != nil, "Z=\(z) \(f)")
            }
        }
        #expect(throws: PseudopotentialError.self) { try GTHLibrary.pseudopotential(atomicNumber: 26, family: .lda) }
    }

    /// The analytic reciprocal-space forms against numerical radial transforms.
    @Test func gthFourierTransformsMatchQuadrature() throws {
        func j(_ l: Int, _ x: Double) -> Double {
            if x < 1e-6 { return l == 0 ? 1 - x * x / 6 : (l == 1 ? x / 3 : x * x / 15) }
            switch l {
            case 0: return sin(x) / x
            case 1: return sin(x) / (x * x) - cos(x) / x
            case 2: return (3 / (x * x) - 1) * sin(x) / x - 3 * cos(x) / (x * x)
            default: return (15 / (x * x * x) - 6 / x) * sin(x) / x - (15 / (x * x) - 1) * cos(x) / x
            }
        }
        func radial(_ f: (Double) -> Double, l: Int, q: Double) -> Double {
            let h = 0.0005, n = 30000
            var s = 0.0
            for i in 1...n { let r = Double(i) * h; s += r * r * j(l, q * r) * f(r) * (i == n ? 0.5 : 1) }
            return 4 * Double.pi * s * h
        }
        for (l, i) in [(0, 1), (0, 2), (0, 3), (1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (2, 3), (3, 1)] {
            for q in [0.3, 1.7, 4.0] {
                let rl = 0.45
                let num = radial({ GTHPseudopotential.projectorRadial(l: l, i: i, radius: rl, r: $0) }, l: l, q: q)
                let ana = GTHPseudopotential.projector(l: l, i: i, radius: rl, q: q)
                #expect(abs(num - ana) < 1e-6 * max(1, abs(ana)), "l=\(l) i=\(i) q=\(q): \(num) vs \(ana)")
            }
        }
        // Local part: short-range piece (V + Zion erf/r… handled analytically) via V_loc + Zion/r · erf → compare
        // V̂_loc(q) + 4πZ/q² e^{−q²r²/2} (the Gaussian-smeared Coulomb is analytic) with quadrature of the C-terms.
        let psp = GTHPseudopotential(element: "X", atomicNumber: 0, name: "test", zion: 3, rloc: 0.5,
                                     c: [-4.1, 0.7, -0.2, 0.05], channels: [])
        for q in [0.2, 1.0, 3.0] {
            let gaussianPart = radial({ r in psp.localRadial(r: r) + Double(psp.zion) / r * erf(r / (2.0.squareRoot() * psp.rloc)) },
                                      l: 0, q: q)
            let coulombPart = -4 * Double.pi * Double(psp.zion) / (q * q) * exp(-0.5 * q * q * psp.rloc * psp.rloc)
            #expect(abs(gaussianPart + coulombPart - psp.local(q: q)) < 1e-7, "q=\(q)")
        }
        // q → 0 limit used by PspCorrection.
        #expect(abs(psp.localShortRange(q: 1e-6) - psp.localLimitNonCoulomb) < 1e-8)
        #expect(abs(psp.localShortRange(q: 2e-3) - (psp.local(q: 2e-3) + 4 * Double.pi * 3 / 4e-6)) < 1e-6)
    }

    @Test func fftSizesAreSmoothAndLargeEnough() throws {
        #expect(nextFFTSize(35) == 36 && nextFFTSize(7) == 8 && nextFFTSize(31) == 32 && nextFFTSize(49) == 50)
        let size = fftSize(lattice: Silicon.lattice, ecut: 25)
        #expect(size == SIMD3(36, 36, 36))
    }

    @Test func siliconKPointReduction() throws {
        let model = try Silicon.model()
        let ops = symmetryOperations(model: model)
        #expect(ops.count == 48)
        let k = monkhorstPackGrid(size: SIMD3(3, 3, 3), symmetries: ops)
        #expect(k.coordinates.count == 4)
        let expected: [(SIMD3<Double>, Double)] = [(SIMD3(0, 0, 0), 1.0 / 27), (SIMD3(1.0 / 3, 0, 0), 8.0 / 27),
                                                   (SIMD3(1.0 / 3, 1.0 / 3, 0), 6.0 / 27), (SIMD3(-1.0 / 3, 1.0 / 3, 0), 12.0 / 27)]
        for (i, (kc, w)) in expected.enumerated() {
            #expect(vnorm(k.coordinates[i] - kc) < 1e-12, "k\(i) = \(k.coordinates[i])")
            #expect(abs(k.weights[i] - w) < 1e-12)
        }
        // Without symmetry only time reversal: (27 + 1)/2 = 14 points.
        let tr = monkhorstPackGrid(size: SIMD3(3, 3, 3))
        #expect(tr.coordinates.count == 14 && abs(tr.weights.reduce(0, +) - 1) < 1e-12)
        // Shifted 2x2x2 grid: weights still sum to one.
        let shifted = monkhorstPackGrid(size: SIMD3(2, 2, 2), shift: SIMD3(1, 1, 1), symmetries: ops)
        #expect(abs(shifted.weights.reduce(0, +) - 1) < 1e-12)
    }

    @Test func basisSizesAndNormalisation() throws {
        let model = try Silicon.model()
        let kset = monkhorstPackGrid(size: SIMD3(3, 3, 3), symmetries: symmetryOperations(model: model))
        let basis = try PlaneWaveBasis(model: model, ecut: 25, kpoints: kset)
        // Plane waves ≈ Ω (2 Ecut)^{3/2} / 6π².
        let estimate = model.volume * pow(50, 1.5) / (6 * Double.pi * Double.pi)
        for kp in basis.kpoints {
            #expect(abs(Double(kp.count) - estimate) / estimate < 0.03)
            #expect(kp.kinetic.allSatisfy { $0 <= 25 })
        }
        // A single normalised plane wave has density 1/Ω everywhere.
        var x = ComplexMatrix(rows: basis.kpoints[1].count, columns: 1)
        x[5, 0] = (0.6, 0.8)
        let basisNoSym = try PlaneWaveBasis(model: model, ecut: 25, kpoints: monkhorstPackGrid(size: SIMD3(3, 3, 3)))
        let kp = basisNoSym.kpoints[1]
        var y = ComplexMatrix(rows: kp.count, columns: 1)
        y[5, 0] = (0.6, 0.8)
        var single = basisNoSym.kpoints.map { ComplexMatrix(rows: $0.count, columns: 1) }
        single[1] = y
        let occ = basisNoSym.kpoints.indices.map { $0 == 1 ? [1.0 / kp.weight] : [0.0] }
        let rho = computeDensity(basis: basisNoSym, orbitals: single, occupations: occ)
        #expect(rho.allSatisfy { abs($0 - 1 / model.volume) < 1e-12 })
        _ = x
    }
}
