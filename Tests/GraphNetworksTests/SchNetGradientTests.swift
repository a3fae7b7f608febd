import ChemistryCore
import Foundation
import Testing
@testable import GraphNetworks

func smallMolecules() -> [Structure] {
    var rng = SplitMix64(seed: 21)
    return [randomCluster(atoms: 5, radius: 1.6, minDistance: 0.9, rng: &rng, name: "a"),
            randomCluster(atoms: 3, radius: 1.2, minDistance: 0.9, rng: &rng, name: "b")]
}

/// A 2-atom crystal whose cell (2.6 Å) is shorter than the cutoff: self-image pairs matter.
func smallCrystal() -> Structure {
    Structure(name: "c", atomicNumbers: [3, 9], positions: [SIMD3(0.1, 0.2, 0), SIMD3(1.3, 1.2, 1.4)],
              lattice: [SIMD3(2.6, 0, 0), SIMD3(0.4, 2.7, 0), SIMD3(0.2, -0.3, 2.8)], pbc: [true, true, true])
}

func tinyModel(interactions: Int = 2, features: Int = 6, seed: UInt64 = 5) throws -> SchNet<Double> {
    let hp = SchNetHyperparameters(features: features, interactions: interactions, radialFunctions: 7,
                                   cutoff: 3.0, seed: seed, maxAtomicNumber: 10)
    let m = try SchNet<Double>(hp, standardization: testStandardization)
    randomizeBiases(m.parameters, seed: 99)
    return m
}

/// Checks shared by every `EnergyModel`: energies and forces of `alone`, batched together, equal
/// each structure's own (1e-10 eV; forces 1e-10 eV/Å); rotating and translating `alone[0]` leaves
/// its energy unchanged (1e-10 eV); the Float32 model agrees with the Float64 one on `mixed` to single
/// precision (1e-4 relative for energies, 1e-4 eV/Å for forces).
func expectBatchingRotationAndPrecision<D: EnergyModel, F: EnergyModel>(
    _ m: D, float mf: F, alone: [Structure], mixed: [Structure]
) throws where D.Scalar == Double, F.Scalar == Float {
    let together = m.energiesAndForces(try GraphBatch(structures: alone, cutoff: m.cutoff))
    var atom = 0
    for (b, s) in alone.enumerated() {
        let single = m.energiesAndForces(try GraphBatch(structures: [s], cutoff: m.cutoff))
        #expect(abs(single.energies[0] - together.energies[b]) < 1e-10)
        for a in 0..<s.count {
            let d = single.forces[a] - together.forces[atom + a]
            #expect((d * d).sum() < 1e-20)
        }
        atom += s.count
    }
    var rotated = alone[0]
    let c = cos(0.7), s = sin(0.7)
    rotated.positions = rotated.positions.map { SIMD3(c * $0.x - s * $0.y + 3, s * $0.x + c * $0.y - 1, $0.z + 0.5) }
    let e0 = m.energies(try GraphBatch(structures: [alone[0]], cutoff: m.cutoff))[0]
    let e1 = m.energies(try GraphBatch(structures: [rotated], cutoff: m.cutoff))[0]
    #expect(abs(e0 - e1) < 1e-10)
    let batch = try GraphBatch(structures: mixed, cutoff: m.cutoff)
    let ed = m.energiesAndForces(batch), ef = mf.energiesAndForces(batch)
    for b in 0..<batch.structureCount { #expect(abs(ed.energies[b] - ef.energies[b]) < 1e-4 * max(1, abs(ed.energies[b]))) }
    for a in 0..<batch.atomCount {
        let d = ed.forces[a] - ef.forces[a]
        #expect((d * d).sum().squareRoot() < 1e-4)
    }
}

/// Standardisation used by the gradient tests (arbitrary, non-trivial values).
let testStandardization = Standardization(elements: [1, 3, 6, 7, 8, 9], references: [-1.3, -2.0, -1.1, -1.4, -2.2, -2.7],
                                          mean: 0.3, scale: 1.7)

/// Sets every bias to a random value in ±0.3 so its gradient is exercised (zero-initialised
/// biases would hide errors in terms that multiply them).
func randomizeBiases(_ parameters: ParameterStore<Double>, seed: UInt64) {
    var rng = SplitMix64(seed: seed)
    for info in parameters.infos where info.name.hasSuffix(".bias") {
        for k in 0..<info.count { parameters.values[info.offset + k] = 0.3 * (2 * rng.uniform() - 1) }
    }
}

@Suite struct SchNetGradientTests {
    @Test func parameterCountMatchesSchNetPack() throws {
        let m = try SchNetModel(SchNetHyperparameters())
        // 101×128 embedding + 6 × (128² + 50·128+128 + 2·(128²+128) + 128²+128) + 128·64+64 + 65.
        let block = 128 * 128 + (50 * 128 + 128) + (128 * 128 + 128) + 2 * (128 * 128 + 128)
        #expect(m.parameterCount == 101 * 128 + 6 * block + (128 * 64 + 64) + 65)
        #expect(m.parameterCount == 455_937)
        // Deterministic from the seed.
        let m2 = try SchNetModel(SchNetHyperparameters())
        #expect(m.parameters.flatValues == m2.parameters.flatValues)
        let m3 = try SchNetModel(SchNetHyperparameters(seed: 1))
        #expect(m.parameters.flatValues != m3.parameters.flatValues)
    }

    /// dE/dθ of the whole model (one interaction block: the cfconv block alone; two blocks:
    /// the full stack) against central differences, for a molecule batch and a crystal.
    @Test(arguments: [1, 2]) func parameterGradients(interactions: Int) throws {
        let m = try tinyModel(interactions: interactions)
        for structures in [smallMolecules(), [smallCrystal()]] {
            let batch = try GraphBatch(structures: structures, cutoff: m.cutoff)
            let weights = [1.3, -0.7].prefix(batch.structureCount)
            func loss() -> Double { zip(m.energies(batch), weights).reduce(0.0) { $0 + $1.0 * $1.1 } }
            m.parameters.zeroGradients()
            _ = m.evaluate(batch, parameterGradients: true, positionGradients: false, seeds: { _ in Array(weights) })
            // Every parameter except unused embedding rows (their gradient is exactly 0 either way).
            let used = Set(batch.atomicNumbers)
            let emb = m.parameters.info(named: "embedding.weight")!
            let indices = (0..<m.parameters.count).filter { i in
                i >= emb.offset + emb.count || used.contains((i - emb.offset) / 6)
            }
            let worst = checkParameterGradients(m.parameters, indices: indices, loss)
            print("dE/dθ, \(interactions) interaction(s), \(indices.count) parameters: worst relative error \(worst)")
            #expect(worst < fdTolerance)
        }
    }

    /// Forces −dE/dR against central differences of the energy, molecule and periodic crystal
    /// (positions enter only through the pair distances, image offsets fixed).
    @Test func forcesMatchFiniteDifferences() throws {
        let m = try tinyModel()
        for structures in [smallMolecules(), [smallCrystal()]] {
            var batch = try GraphBatch(structures: structures, cutoff: m.cutoff)
            let (_, forces) = m.energiesAndForces(batch)
            var worst = 0.0
            defer { print("forces, \(structures[0].lattice == nil ? "molecules" : "crystal"): worst relative error \(worst)") }
            for a in 0..<batch.atomCount { for k in 0..<3 {
                let saved = batch.positions[a]
                batch.positions[a][k] = saved[k] + fdStep
                let ep = m.energies(batch)
                batch.positions[a][k] = saved[k] - fdStep
                let em = m.energies(batch)
                batch.positions[a] = saved
                let b = batch.structureOfAtom[a]
                let fd = -(ep[b] - em[b]) / (2 * fdStep)
                worst = max(worst, abs(fd - forces[a][k]) / max(1, abs(fd)))
                #expect(close(fd, forces[a][k]), "atom \(a) axis \(k): \(forces[a][k]) vs \(fd)")
            } }
            // Translation invariance: forces of each structure sum to zero.
            for b in 0..<batch.structureCount {
                let total = forces[batch.firstAtom[b]..<batch.firstAtom[b + 1]].reduce(SIMD3<Double>.zero, +)
                #expect((total * total).sum().squareRoot() < 1e-10)
            }
        }
    }

    @Test func batchingRotationAndPrecision() throws {
        let m = try tinyModel()
        try expectBatchingRotationAndPrecision(m, float: m.converted(to: Float.self), alone: smallMolecules(),
                                               mixed: smallMolecules() + [smallCrystal()])
    }
}
