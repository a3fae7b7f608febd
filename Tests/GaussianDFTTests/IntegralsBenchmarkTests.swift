import Foundation
@testable import GaussianDFT
import LinearAlgebra
import Testing

/// Throwaway ERI timings; run only with INTEGRALS_BENCHMARK=1, in release:
///   INTEGRALS_BENCHMARK=1 swift test -c release --filter IntegralsBenchmark
/// PySCF/libcint reference (same geometries and basis data, OMP_NUM_THREADS=1, this machine):
/// `mol.intor('int2e', aosym='s8')`, thread CPU time (wall time on the shared machine was ~2× that).
struct IntegralsBenchmarkTests {
    static let enabled = ProcessInfo.processInfo.environment["INTEGRALS_BENCHMARK"] != nil

    static let water = "O 0.00729480 0.39774806 0.0\nH -0.76698755 -0.18487376 0.0\nH 0.75969276 -0.21287430 0.0"
    /// caffeine_core from public.xyz without two methyl hydrogens: 12 heavy atoms + 4 H.
    static let sixteen = """
        C      2.60829667     0.15379571     0.07508801
        N      1.32640640    -0.48835617     0.21347098
        C      1.10208659    -1.78479520     0.60405732
        N     -0.18611405    -2.07396571     0.63290195
        C     -0.78733277    -0.92357873     0.24868123
        C      0.10551953     0.07296536    -0.01763015
        C     -0.29919152     1.37103344    -0.43826150
        O      0.46267947     2.29756161    -0.68906679
        N     -1.67171672     1.48926836    -0.53939053
        C     -2.60469106     0.50451424    -0.27860721
        O     -3.80700818     0.72348687    -0.40287908
        N     -2.12605207    -0.71679761     0.12172766
        H      3.40049344    -0.55428748     0.33128412
        H      1.90391726    -2.46877685     0.85344822
        H     -2.03259897     2.38303758    -0.83283628
        H     -2.76276490    -1.47283697     0.32570227
        """
    static var benzene: String {
        var lines: [String] = []
        for k in 0..<6 { let a = Double.pi / 3 * Double(k); lines.append("C \(1.39 * cos(a)) \(1.39 * sin(a)) 0.0") }
        for k in 0..<6 { let a = Double.pi / 3 * Double(k); lines.append("H \(2.48 * cos(a)) \(2.48 * sin(a)) 0.0") }
        return lines.joined(separator: "\n")
    }

    static func atoms(_ text: String) -> [(atomicNumber: Int, position: SIMD3<Double>)] {
        let z = ["H": 1, "C": 6, "N": 7, "O": 8]
        return text.split(separator: "\n").map { line in
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            return (z[String(f[0])]!, SIMD3(Double(f[1])!, Double(f[2])!, Double(f[3])!) / 0.52917721092)
        }
    }

    /// CPU seconds of this thread (the machine is shared; wall time is noisy).
    static func cpuSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + 1e-9 * Double(ts.tv_nsec)
    }

    @Test(.enabled(if: enabled)) func timings() throws {
        let cases: [(String, String, String, Double)] = [
            ("water sto-3g", Self.water, "sto-3g", 0.001),
            ("16-atom sto-3g", Self.sixteen, "sto-3g", 0.78),
            ("benzene def2-svp", Self.benzene, "def2-svp", 0.83),
            ("water 6-31g*", Self.water, "6-31g*", 0.003),
        ]
        for (name, geometry, basisName, pyscf) in cases {
            let basis = try MolecularBasis(atoms: Self.atoms(geometry)) {
                try BasisSetLibrary.shells(basis: basisName, atomicNumber: $0)
            }
            let t0 = Self.cpuSeconds()
            let tensor = ElectronRepulsionTensor(basis: basis)
            let t1 = Self.cpuSeconds()
            let d = IntegralsFixtures.density(basis.aoCount)
            _ = tensor.coulombExchange(densities: [d], exchange: true)
            let t2 = Self.cpuSeconds()
            let direct = DirectCoulombExchange(basis: basis)
            let t3 = Self.cpuSeconds()
            _ = direct.coulombExchange(densities: [d], exchange: true)
            let t4 = Self.cpuSeconds()
            print(String(format: "BENCH %-18@ nao %4d unique %9d  tensor %.3f s (pyscf %.3f)  JK(tensor) %.3f s  direct setup %.3f s  direct JK %.3f s",
                         name as NSString, basis.aoCount, tensor.uniqueCount, t1 - t0, pyscf,
                         t2 - t1, t3 - t2, t4 - t3))
        }
    }
}
