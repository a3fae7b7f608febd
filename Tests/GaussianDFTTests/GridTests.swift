import Foundation
import Testing
@testable import GaussianDFT

// Reference numbers below come from PySCF 2.14.0 (/work/venv), computed once with:
//
//   from pyscf import gto, dft
//   from pyscf.dft import gen_grid, radi
//   mol = gto.M(atom=XYZ, unit='Angstrom', basis='sto-3g')   # XYZ below; positions printed
//   R = mol.atom_coords()                                    # in bohr and pasted here
//   g = dft.gen_grid.Grids(mol); g.level = L; g.alignment = 0; g.build()
//   n = g.weights.size; sw = g.weights.sum()
//   swr2 = g.weights @ (g.coords**2).sum(1)
//   gauss_A = g.weights @ exp(-((g.coords - R[A])**2).sum(1))          for A = 0, 1
//   sizes: len(gen_grid.gen_atomic_grids(mol, level=L)[symbol][1]) for single atoms
//   radial: radi.treutler(n, Z); pruning: gen_grid.nwchem_prune(Z, r, n_ang)
//   adjustment: radi.treutler_atomic_radii_adjust(mol, radi.BRAGG_RADII)(i, j, 0)
//
// `alignment = 0` switches off PySCF's padding (zero-weight points appended up to a
// multiple of 8), which MolecularGrid does not do: e.g. water at level 3 has 33,698 points
// here and 33,704 in PySCF's default `grids.size`.
//
// Molecules (Å): water O 0.00729480 0.39774806 0 / H -0.76698755 -0.18487376 0 /
// H 0.75969276 -0.21287430 0; methane C 3e-8 -4e-8 -1e-8 / H -0.71342114 -0.28478275
// -0.77642036 / H 0.11622229 1.08597541 0.00702028 / H -0.36838338 -0.33301669 0.97277594
// / H 0.96558220 -0.46817593 -0.20337584; HF F 0 0 0.0917 / H 0 0 -0.8254; H2S
// S 0 0 0.1030 / H 0 0.9616 -0.8242 / H 0 -0.9616 -0.8238; HBr Br 0 0 0 / H 0.02 0.01 1.414.

struct GridReference: Sendable, CustomTestStringConvertible {
    let name: String
    let level: Int
    let count: Int
    let sumW: Double
    let sumWR2: Double
    let gauss: [Double]
    var testDescription: String { "\(name) level \(level)" }
}

enum GridMolecules {
    static let water: ([Int], [SIMD3<Double>]) = ([8, 1, 1], [
        SIMD3(0.013785174133477213, 0.7516348999770717, 0.0),
        SIMD3(-1.4493964104511514, -0.34936077401857135, 0.0),
        SIMD3(1.4356112552149356, -0.4022741259585003, 0.0),
    ])
    static let methane: ([Int], [SIMD3<Double>]) = ([6, 1, 1, 1, 1], [
        SIMD3(5.669178373695185e-08, -7.558904498260248e-08, -1.889726124565062e-08),
        SIMD3(-1.3481705660749885, -0.5381614025004808, -1.4672218379362103),
        SIMD3(0.21962829766977676, 2.052196102912254, 0.013266406517761613),
        SIMD3(-0.6961436970415785, -0.6293103390091845, 1.838280107166335),
        SIMD3(1.8246859087550062, -0.8847242858135437, -0.3843246379533641),
    ])
    static let hf: ([Int], [SIMD3<Double>]) = ([9, 1], [
        SIMD3(0.0, 0.0, 0.17328788562261618), SIMD3(0.0, 0.0, -1.559779943216002),
    ])
    static let h2s: ([Int], [SIMD3<Double>]) = ([16, 1, 1], [
        SIMD3(0.0, 0.0, 0.19464179083020136),
        SIMD3(0.0, 1.8171606413817636, -1.557512271866524),
        SIMD3(0.0, -1.8171606413817636, -1.5567563814166978),
    ])
    static let hbr: ([Int], [SIMD3<Double>]) = ([35, 1], [
        SIMD3(0.0, 0.0, 0.0), SIMD3(0.03779452249130124, 0.01889726124565062, 2.6720727401349973),
    ])

    static func named(_ name: String) -> ([Int], [SIMD3<Double>]) {
        switch name {
        case "water": return water
        case "methane": return methane
        case "hf": return hf
        case "h2s": return h2s
        default: return hbr
        }
    }

    static let references: [GridReference] = [
        GridReference(name: "water", level: 0, count: 2326, sumW: 4447.608214050291, sumWR2: 267600.00312099623,
                      gauss: [5.571955095072184, 5.568110876496606]),
        GridReference(name: "water", level: 3, count: 33698, sumW: 16871.834869911494, sumWR2: 2561048.8143616416,
                      gauss: [5.568328103013473, 5.568327697800615]),
        GridReference(name: "water", level: 5, count: 90058, sumW: 21042.83449676734, sumWR2: 3712563.3538589072,
                      gauss: [5.56832799682546, 5.568327996783221]),
        GridReference(name: "methane", level: 0, count: 3566, sumW: 4222.145810800527, sumWR2: 235844.74050315193,
                      gauss: [5.574229274133456, 5.567812971901271]),
        GridReference(name: "methane", level: 3, count: 53350, sumW: 15678.241008586585, sumWR2: 2195761.1676453818,
                      gauss: [5.568327034492759, 5.568327602950751]),
        GridReference(name: "hf", level: 0, count: 1706, sumW: 4858.328528927486, sumWR2: 304417.03940464667,
                      gauss: [5.569734650558095, 5.567314268508729]),
        GridReference(name: "hf", level: 3, count: 24070, sumW: 18517.88138327452, sumWR2: 2962146.3288136353,
                      gauss: [5.568328000436505, 5.568328005668883]),
        GridReference(name: "hf", level: 9, count: 326900, sumW: 36732.4878610868, sumWR2: 9202423.308806103,
                      gauss: [5.56832799683124, 5.568327996830579]),
        GridReference(name: "h2s", level: 0, count: 2864, sumW: 7130.073108549448, sumWR2: 628937.2425476636,
                      gauss: [5.566542603664251, 5.5722483249069645]),
        GridReference(name: "h2s", level: 3, count: 38496, sumW: 22603.7254528489, sumWR2: 4295320.244595068,
                      gauss: [5.568328005361087, 5.568328370481327]),
        GridReference(name: "h2s", level: 5, count: 90128, sumW: 27830.71044121023, sumWR2: 6089624.972184984,
                      gauss: [5.568327996823818, 5.568327997234963]),
        GridReference(name: "hbr", level: 0, count: 3068, sumW: 8982.811199952088, sumWR2: 897963.3478342084,
                      gauss: [5.567799732329521, 5.571785688064013]),
        GridReference(name: "hbr", level: 3, count: 30232, sumW: 22003.208307312387, sumWR2: 3922743.0142600723,
                      gauss: [5.568327994510952, 5.568327999618656]),
    ]
}

@Suite struct GridTests {
    static func relErr(_ a: Double, _ b: Double) -> Double { abs(a - b) / abs(b) }

    /// Points in an element's pruned atomic grid, from the pruning alone (cheap).
    static func atomicGridSize(_ z: Int, level: Int) throws -> Int {
        let radial = try RadialGrid.treutlerAhlrichs(count: GridTables.radialCount(atomicNumber: z, level: level), atomicNumber: z)
        return try GridTables.nwchemPrune(atomicNumber: z, radii: radial.r,
                                          maxAngular: GridTables.angularCount(atomicNumber: z, level: level)).reduce(0, +)
    }

    // MARK: - Molecular grids against PySCF

    /// Point count exact; Σw, Σw|r|², Σw·exp(−|r−R_A|²) to 1e-12 relative. (Point by point
    /// the grids agree with PySCF's, in PySCF's order, to ≤ 1 ulp: checked once outside
    /// the test suite against dumped PySCF grids, including water at level 9.)
    @Test(arguments: GridMolecules.references)
    func molecularGridMatchesPySCF(_ ref: GridReference) throws {
        let (z, r) = GridMolecules.named(ref.name)
        let g = try MolecularGrid(atomicNumbers: z, positions: r, level: ref.level)
        #expect(g.count == ref.count)
        #expect(g.weights.count == ref.count)
        var sw = 0.0, swr2 = 0.0
        var ga = [Double](repeating: 0, count: ref.gauss.count)
        for (p, w) in zip(g.points, g.weights) {
            sw += w
            swr2 += w * (p * p).sum()
            for a in ga.indices {
                let d = p - r[a]
                ga[a] += w * exp(-(d * d).sum())
            }
        }
        #expect(Self.relErr(sw, ref.sumW) < 1e-12)
        #expect(Self.relErr(swr2, ref.sumWR2) < 1e-12)
        for a in ga.indices { #expect(Self.relErr(ga[a], ref.gauss[a]) < 1e-12) }
        // Every point is attributed to an atom, with as many points as its atomic grid.
        let owners = try #require(g.atomOfPoint)
        for a in z.indices {
            let n = owners.reduce(0) { $0 + ($1 == Int32(a) ? 1 : 0) }
            #expect(n == (try Self.atomicGridSize(z[a], level: ref.level)))
        }
    }

    /// A normalised Gaussian g_A = (α_A/π)^{3/2} exp(−α_A|r−R_A|²) on every atom, with
    /// α = 1.5 on H and α = 1 (valence-like) or 30 (core-like) on heavier atoms: at level 3
    /// each g_A integrates to 1 and their sum to the number of atoms within 1e-6.
    /// (These are quadrature errors of PySCF's level-3 grid itself, which this grid equals:
    /// broader Gaussians, e.g. α = 0.5 on every atom of methane, are integrated by PySCF's
    /// grid only to 2e-6.)
    @Test func gaussianChargesIntegrateToTheirTotal() throws {
        for (z, r) in [GridMolecules.water, GridMolecules.methane, GridMolecules.hf, GridMolecules.h2s, GridMolecules.hbr] {
            let g = try MolecularGrid(atomicNumbers: z, positions: r, level: 3)
            for heavyAlpha in [1.0, 30.0] {
                let alphas = z.map { $0 == 1 ? 1.5 : heavyAlpha }
                var perAtom = [Double](repeating: 0, count: z.count)
                for (p, w) in zip(g.points, g.weights) {
                    for a in r.indices {
                        let d = p - r[a]
                        perAtom[a] += w * pow(alphas[a] / Double.pi, 1.5) * exp(-alphas[a] * (d * d).sum())
                    }
                }
                let total = perAtom.reduce(0, +)
                #expect(abs(total - Double(z.count)) < 1e-6, "Z=\(z) α=\(alphas): \(total)")
                for a in r.indices {
                    #expect(abs(perAtom[a] - 1) < 1e-6, "Z=\(z) atom \(a) α=\(alphas[a]): \(perAtom[a])")
                }
            }
        }
    }

    // MARK: - Pieces

    /// Sizes of single-atom grids at every level 0-9 equal PySCF's (exact), for elements
    /// from every row H-Kr.
    @Test func atomicGridSizesMatchPySCFAtAllLevels() throws {
        let sizes: [Int: [Int]] = [
            1: [620, 2472, 5372, 9808, 15708, 23540, 35176, 50172, 68960, 167248],
            2: [644, 2292, 4484, 7936, 12480, 18272, 27184, 38040, 52208, 124876],
            3: [1074, 5084, 10848, 13722, 27492, 41574, 60108, 83286, 92184, 148996],
            6: [1086, 5180, 11208, 14118, 28608, 42978, 62544, 86490, 96540, 156232],
            8: [1086, 5180, 11208, 14082, 28260, 42978, 62028, 86718, 95616, 155332],
            9: [1086, 5300, 11604, 14262, 28836, 43878, 63744, 88998, 99048, 159652],
            11: [1624, 6112, 11314, 18100, 27382, 40600, 58318, 80992, 89230, 139456],
            14: [1624, 6412, 11926, 19180, 28918, 43552, 62362, 86932, 96058, 150328],
            16: [1624, 6316, 11746, 18880, 28690, 43048, 61846, 85348, 94474, 146944],
            17: [1624, 6316, 11746, 18880, 28690, 43048, 61846, 85348, 94474, 146944],
            26: [2424, 7452, 13254, 20904, 30726, 45276, 64302, 88224, 97614, 142876],
            35: [2448, 7332, 13074, 20424, 30186, 44736, 63102, 86640, 94878, 139456],
            36: [2352, 6804, 11814, 18312, 26682, 39264, 55086, 74580, 82554, 119584],
        ]
        for (z, row) in sizes {
            for level in 0...9 {
                #expect(try Self.atomicGridSize(z, level: level) == row[level], "Z=\(z) level \(level)")
            }
            // Building the grid itself (levels 0-2 to keep the debug build fast).
            for level in 0...2 {
                let g = try AtomicGrid(atomicNumber: z, level: level)
                #expect(g.count == row[level], "Z=\(z) level \(level)")
                #expect(g.angularCounts.reduce(0, +) == g.count)
                #expect(g.weights.count == g.count)
            }
        }
        #expect(GridTables.radialCount(atomicNumber: 1, level: 3) == 50)
        #expect(GridTables.angularCount(atomicNumber: 1, level: 3) == 302)
        #expect(GridTables.radialCount(atomicNumber: 8, level: 3) == 75)
        #expect(GridTables.radialCount(atomicNumber: 16, level: 3) == 80)
        #expect(GridTables.angularCount(atomicNumber: 16, level: 3) == 434)
        #expect(GridTables.radialCount(atomicNumber: 35, level: 3) == 90)
        #expect(GridTables.angularCount(atomicNumber: 36, level: 9) == 1454)
    }

    /// NWChem pruning of the level-3 O, H and S grids equals PySCF's shell by shell.
    @Test func nwchemPruningMatchesPySCF() throws {
        func runs(_ a: [Int]) -> [[Int]] {
            var out: [[Int]] = []
            for x in a {
                if let last = out.last, last[0] == x { out[out.count - 1][1] += 1 } else { out.append([x, 1]) }
            }
            return out
        }
        let o = try AtomicGrid(atomicNumber: 8, level: 3).angularCounts
        #expect(runs(o) == [[50, 23], [86, 9], [266, 7], [302, 20], [266, 16]])
        let h = try AtomicGrid(atomicNumber: 1, level: 3).angularCounts
        #expect(runs(h) == [[50, 15], [86, 4], [266, 5], [302, 13], [266, 13]])
        let s = try AtomicGrid(atomicNumber: 16, level: 3).angularCounts
        #expect(runs(s) == [[50, 24], [86, 13], [350, 9], [434, 18], [350, 16]])
    }

    /// Treutler-Ahlrichs radii and dr equal PySCF's `radi.treutler` to 1e-14 relative.
    @Test func radialGridMatchesPySCF() throws {
        let cases: [(z: Int, n: Int, samples: [(Int, Double, Double)])] = [
            (1, 50, [(0, 2.5481667399267265e-05, 8.15397263487423e-05), (25, 0.8514559305602956, 0.10518162871629073),
                     (49, 12.170112060262891, 3.509508266972067)]),
            (8, 75, [(0, 7.998507839389023e-06, 2.5594997437834325e-05), (37, 0.9000000000000002, 0.07599452842872322),
                     (74, 15.265053662770548, 3.9423473028323923)]),
            (16, 80, [(0, 7.248007594445879e-06, 2.319344268255321e-05), (40, 1.040168086637342, 0.08145294924455809),
                      (79, 17.240247711822825, 4.379679876053487)]),
            (35, 200, [(0, 3.5595113695007604e-07, 1.1390421891056293e-06), (100, 0.9144479535513156, 0.02905795815086458),
                       (199, 19.09615647321728, 3.937265369486433)]),
        ]
        for c in cases {
            let g = try RadialGrid.treutlerAhlrichs(count: c.n, atomicNumber: c.z)
            #expect(g.count == c.n)
            for (i, r, dr) in c.samples {
                #expect(Self.relErr(g.r[i], r) < 1e-14, "Z=\(c.z) r[\(i)]")
                #expect(Self.relErr(g.dr[i], dr) < 1e-14, "Z=\(c.z) dr[\(i)]")
            }
            #expect(zip(g.r, g.r.dropFirst()).allSatisfy { $0 < $1 })
        }
        // Radial quadrature of a 1s-like density: ∫ 4π r² e^{-2r} dr = π.
        let g = try RadialGrid.treutlerAhlrichs(count: 75, atomicNumber: 8)
        let q = zip(g.r, g.volumeWeights).reduce(0.0) { $0 + $1.1 * exp(-2 * $1.0) }
        #expect(abs(q - Double.pi) < 1e-10)
    }

    /// Bragg radii (bohr) and Treutler's adjustment a_ij for O, H, S, Br equal PySCF's to
    /// 1e-15 relative; a is antisymmetric.
    @Test func beckeAdjustmentMatchesPySCF() {
        #expect(Self.relErr(GridTables.braggRadius(1), 0.6614041435977716) < 1e-15)
        #expect(Self.relErr(GridTables.braggRadius(8), 1.133835674739037) < 1e-15)
        #expect(Self.relErr(GridTables.braggRadius(16), 1.8897261245650618) < 1e-15)
        #expect(Self.relErr(GridTables.braggRadius(35), 2.1731850432498208) < 1e-15)
        #expect(GridTables.braggRadiiAngstrom.count > GridTables.maxAtomicNumber)
        #expect(GridTables.treutlerXiTable.count == GridTables.maxAtomicNumber + 1)
        let a = BeckePartition.treutlerAdjustment(atomicNumbers: [8, 1, 16, 35])
        let ref: [[Double]] = [
            [0.0, -0.13638618139749528, 0.12909944487358055, 0.16553054799293268],
            [0.13638618139749528, 0.0, 0.27467513278676803, 0.31524416249564036],
            [-0.12909944487358055, -0.27467513278676803, 0.0, 0.03496893030901177],
            [-0.16553054799293268, -0.31524416249564036, -0.03496893030901177, 0.0],
        ]
        for i in 0..<4 {
            for j in 0..<4 {
                #expect(abs(a[i * 4 + j] - ref[i][j]) <= 1e-15 * abs(ref[i][j]))
                #expect(a[i * 4 + j] == -a[j * 4 + i])
            }
        }
    }

    /// Becke cell functions: at nucleus A, P_A = 1 and every other P_B = 0 (to 1e-15: the
    /// μ = −1 there is exact only up to rounding), and the normalised weights P_A/ΣP are a
    /// partition of unity elsewhere (1e-15).
    @Test func beckeCellFunctionsAtNucleiAndPartitionOfUnity() throws {
        let (z, r) = GridMolecules.methane
        let adj = BeckePartition.treutlerAdjustment(atomicNumbers: z)
        let extra: [SIMD3<Double>] = [SIMD3(0.3, -0.2, 0.9), SIMD3(1.0, 1.0, 1.0), SIMD3(-2, 0.5, 0.1)]
        let pts = r + extra
        let p = try BeckePartition.cellFunctions(points: pts, atomPositions: r, adjustment: adj)
        let np = pts.count
        for a in r.indices {
            for b in r.indices { #expect(abs(p[b * np + a] - (a == b ? 1 : 0)) < 1e-15) }
        }
        for k in r.count..<np {
            let s = r.indices.reduce(0.0) { $0 + p[$1 * np + k] }
            let w = r.indices.map { p[$0 * np + k] / s }
            #expect(abs(w.reduce(0, +) - 1) < 1e-15)
            #expect(w.allSatisfy { $0 >= 0 && $0 <= 1 })
        }
        // Same partition from partitionedWeights with unit quadrature weights.
        let owners = [Int32](repeating: 0, count: np)
        let w0 = try BeckePartition.partitionedWeights(points: pts, owners: owners,
                                                       quadratureWeights: [Double](repeating: 1, count: np),
                                                       atomPositions: r, adjustment: adj, threads: 2)
        for k in 0..<np {
            let s = r.indices.reduce(0.0) { $0 + p[$1 * np + k] }
            #expect(abs(w0[k] - p[k] / s) <= 1e-15)
        }
    }

    /// Multithreaded partitioning gives the same grid bit for bit.
    @Test func threadCountDoesNotChangeTheGrid() throws {
        let (z, r) = GridMolecules.methane
        let a = try MolecularGrid(atomicNumbers: z, positions: r, level: 1)
        let b = try MolecularGrid(atomicNumbers: z, positions: r, level: 1, threads: 2)
        #expect(a.weights == b.weights)
        #expect(a.points == b.points)
    }

    @Test func invalidInputsThrow() throws {
        let r = [SIMD3<Double>(0, 0, 0), SIMD3(0, 0, 1.4)]
        #expect(throws: GridError.unsupportedLevel(10)) { try MolecularGrid(atomicNumbers: [1, 1], positions: r, level: 10) }
        #expect(throws: GridError.unsupportedLevel(-1)) { try MolecularGrid(atomicNumbers: [1, 1], positions: r, level: -1) }
        #expect(throws: GridError.unsupportedElement(0)) { try MolecularGrid(atomicNumbers: [0, 1], positions: r) }
        #expect(throws: GridError.unsupportedElement(104)) { try MolecularGrid(atomicNumbers: [104, 1], positions: r) }
        #expect(throws: GridError.mismatchedInput(atoms: 1, positions: 2)) { try MolecularGrid(atomicNumbers: [1], positions: r) }
        #expect(throws: GridError.coincidentAtoms(0, 1)) {
            try MolecularGrid(atomicNumbers: [1, 1], positions: [r[0], r[0]], level: 0)
        }
        #expect(throws: GridError.unsupportedAngularGrid(100)) { try LebedevGrids.grid(points: 100) }
        // A single atom: no partitioning, weights are the atomic quadrature weights.
        let one = try MolecularGrid(atomicNumbers: [8], positions: [SIMD3(0.1, 0.2, 0.3)], level: 0)
        let atom = try AtomicGrid(atomicNumber: 8, level: 0)
        #expect(one.count == atom.count)
        let sumOne: Double = one.weights.reduce(0, +)
        let sumAtom: Double = atom.weights.reduce(0, +)
        #expect(abs(sumOne - sumAtom) < 1e-12 * sumAtom)
    }

    // MARK: - Lebedev

    /// ∫ x^i y^j z^k dΩ / 4π for even i, j, k: (i−1)!!(j−1)!!(k−1)!! / (i+j+k+1)!!; 0 otherwise.
    static func sphereMonomial(_ i: Int, _ j: Int, _ k: Int) -> Double {
        if i % 2 == 1 || j % 2 == 1 || k % 2 == 1 { return 0 }
        var num: [Double] = []
        for e in [i, j, k] { var t = e - 1; while t > 0 { num.append(Double(t)); t -= 2 } }
        var v = 1.0
        var d = 1
        var n = 0
        // Interleave the factors of the numerator and of (i+j+k+1)!! to stay in range.
        while d <= i + j + k + 1 {
            v /= Double(d)
            if n < num.count { v *= num[n]; n += 1 }
            d += 2
        }
        while n < num.count { v *= num[n]; n += 1 }
        return v
    }

    /// Legendre polynomials P_0...P_lmax at t.
    static func legendre(_ t: Double, upTo lmax: Int) -> [Double] {
        var p = [1.0, t]
        if lmax >= 2 {
            for l in 1..<lmax { p.append((Double(2 * l + 1) * t * p[l] - Double(l) * p[l - 1]) / Double(l + 1)) }
        }
        return Array(p.prefix(lmax + 1))
    }

    /// Every Lebedev grid integrates all monomials x^i y^j z^k of degree ≤ its degree L,
    /// hence all spherical harmonics of degree ≤ L, to 1e-14 (weights normalised to 1; all
    /// exponents up to degree 9, beyond that the all-even ones, as the others vanish by the
    /// grids' octahedral symmetry). Legendre polynomials P_l(u·r̂) along two generic
    /// directions u (zonal harmonics, i.e. sums over m of Y_lm(u)* Y_lm) integrate to 0 to
    /// 1e-14 for 1 ≤ l ≤ L, and not for l = L+1 (error > 1e-4), so the degree is not
    /// understated. Points are unit vectors to 1e-15.
    @Test func lebedevGridsAreExactToTheirDegree() throws {
        #expect(LebedevGrids.pointCounts.count == LebedevGrids.degrees.count)
        let dirs = [SIMD3<Double>(0.3, 0.5, 0.7), SIMD3<Double>(-0.9, 0.2, 0.4)].map { $0 / ($0 * $0).sum().squareRoot() }
        for (n, L) in zip(LebedevGrids.pointCounts, LebedevGrids.degrees) {
            let g = try LebedevGrids.grid(points: n)
            #expect(g.count == n && g.degree == L)
            #expect(abs(g.weights.reduce(0, +) - 1) < 1e-14)
            #expect(g.points.allSatisfy { abs(($0 * $0).sum() - 1) < 1e-15 })

            var px = [Double](repeating: 1, count: (L + 1) * n)
            var py = px, pz = px
            for p in 0..<n {
                for e in 1...L {
                    px[e * n + p] = px[(e - 1) * n + p] * g.points[p].x
                    py[e * n + p] = py[(e - 1) * n + p] * g.points[p].y
                    pz[e * n + p] = pz[(e - 1) * n + p] * g.points[p].z
                }
            }
            var maxErr = 0.0
            px.withUnsafeBufferPointer { X in
                py.withUnsafeBufferPointer { Y in
                    pz.withUnsafeBufferPointer { Z in
                        g.weights.withUnsafeBufferPointer { W in
                            for i in 0...L {
                                for j in 0...(L - i) {
                                    for k in 0...(L - i - j) {
                                        let allEven = i % 2 == 0 && j % 2 == 0 && k % 2 == 0
                                        if i + j + k > 9 && !allEven { continue }
                                        var s = 0.0
                                        let xi = X.baseAddress! + i * n, yj = Y.baseAddress! + j * n, zk = Z.baseAddress! + k * n
                                        for p in 0..<n { s += W[p] * xi[p] * yj[p] * zk[p] }
                                        maxErr = max(maxErr, abs(s - Self.sphereMonomial(i, j, k)))
                                    }
                                }
                            }
                        }
                    }
                }
            }
            #expect(maxErr < 1e-14, "\(n)-point grid: monomial error \(maxErr) up to degree \(L)")

            for u in dirs {
                var integral = [Double](repeating: 0, count: L + 2)
                for (p, w) in zip(g.points, g.weights) {
                    let pl = Self.legendre((p * u).sum(), upTo: L + 1)
                    for l in 0...(L + 1) { integral[l] += w * pl[l] }
                }
                #expect(abs(integral[0] - 1) < 1e-14)
                let worst = (1...L).map { abs(integral[$0]) }.max()!
                #expect(worst < 1e-14, "\(n)-point grid: Legendre error \(worst) up to degree \(L)")
                #expect(abs(integral[L + 1]) > 1e-4, "\(n)-point grid: exact at degree \(L + 1)?")
            }
        }
    }

    /// The 302-point grid equals PySCF's `MakeAngularGrid(302)` at a few points (exact).
    @Test func lebedevPointsInPySCFOrder() throws {
        let g = try LebedevGrids.grid(points: 302)
        // PySCF: MakeAngularGrid(302)[[0, 7, 100, 301]]
        let ref: [(Int, SIMD3<Double>, Double)] = [
            (0, SIMD3(1.0, 0.0, 0.0), 0.0008545911725128148),
            (7, SIMD3(-0.5773502691896257, 0.5773502691896257, 0.5773502691896257), 0.003599119285025571),
            (100, SIMD3(0.09618308522614784, -0.9907056213794081, -0.09618308522614784), 0.002352101413689164),
            (301, SIMD3(-0.9024425295330004, -0.4127724083168531, -0.1233548532583327), 0.00339231220500617),
        ]
        for (i, p, w) in ref {
            #expect(g.points[i] == p, "point \(i)")
            #expect(g.weights[i] == w, "weight \(i)")
        }
    }
}
