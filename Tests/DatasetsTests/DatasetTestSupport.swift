import ChemistryCore
@testable import Datasets
import Foundation

/// A fresh scratch directory per call.
func scratchDirectory(_ tag: String) -> String {
    let dir = NSTemporaryDirectory() + "chemflow-datasets-\(tag)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

let testMethod = DatasetMethod(xc: "B3LYP5", libxc: "402:HYB_GGA_XC_B3LYP5", basis: "sto-3g", gridLevel: 1,
                               convergenceThreshold: 1e-9, extra: ["preset": "qm1b"])

/// A deterministic record for input index `i`: molecules and crystals, failures, NaNs,
/// ragged iteration energies, forces on some.
func syntheticRecord(_ i: Int, withCells: Bool = true, withForces: Bool = true) -> LabelledStructure {
    var rng = SplitMix64(seed: UInt64(i) &* 7919 &+ 17)
    let n = 1 + i % 7
    let z = (0..<n).map { [1, 6, 7, 8, 9][($0 + i) % 5] }
    let pos = (0..<n).map { _ in SIMD3<Double>(Double.random(in: -3...3, using: &rng), Double.random(in: -3...3, using: &rng),
                                               Double.random(in: -3...3, using: &rng)) }
    let crystal = withCells && i % 5 == 3
    let s = Structure(name: "mol-\(i)-é", atomicNumbers: z, positions: pos,
                      lattice: crystal ? [SIMD3(5, 0, 0), SIMD3(0, 5.5, 0), SIMD3(0.1, 0, 6)] : nil,
                      pbc: crystal ? [true, true, i % 2 == 0] : [false, false, false])
    let failed = i % 7 == 4
    let notConverged = i % 11 == 6
    var r = LabelledStructure(index: i, structure: s)
    if failed {
        r.status = .failed
        r.error = "SCF failed for structure \(i): atoms 0 and 1 closer than 0.1 Å"
        r.seconds = 0.25
        return r
    }
    r.status = notConverged ? .notConverged : .ok
    r.error = notConverged ? "not converged after 50 iterations" : ""
    r.energy = -1000 * Double(n) + Double.random(in: 0...1, using: &rng)
    r.homo = -Double.random(in: 5...8, using: &rng)
    r.lumo = i % 13 == 0 ? .nan : Double.random(in: -1...2, using: &rng)
    r.gap = r.lumo - r.homo
    r.dipole = SIMD3(Double.random(in: -1...1, using: &rng), 0.5, i % 3 == 0 ? .nan : 1.5)
    r.charges = (0..<n).map { _ in Double.random(in: -0.5...0.5, using: &rng) }
    r.converged = !notConverged
    r.iterations = 3 + i % 9
    r.seconds = Double(i) * 0.01
    r.iterationEnergies = (0..<(i % 6)).map { -1000 * Double(n) + 1 / Double($0 + 1) }
    if withForces && i % 4 != 1 {
        r.forces = (0..<n).map { k in SIMD3(Double(k), -Double(i), 0.125) }
    }
    return r
}
