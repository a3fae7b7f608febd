import ChemistryCore
import Foundation
import Testing
@testable import GraphNetworks

/// A small Float64 GNoME with non-zero biases and a non-trivial average degree.
func tinyGNoME(steps: Int = 2, width: Int = 5, smoothCutoff: Bool = true, seed: UInt64 = 7) throws -> GNoME<Double> {
    let hp = GNoMEHyperparameters(width: width, steps: steps, radialFunctions: 6, cutoff: 3.0, seed: seed,
                                  averageDegree: 2.7, maxAtomicNumber: 10, smoothCutoff: smoothCutoff)
    let m = try GNoME<Double>(hp, standardization: testStandardization)
    // Biases (and the global input) away from zero so their gradients are exercised.
    randomizeBiases(m.parameters, seed: 98)
    return m
}

/// The whole model in Float64 against central differences (h = 1e-5; tolerance 1e-7·max(1, |g|),
/// the bound `LayerGradientTests` justifies: truncation ~h², rounding ~1e-16/h). Systems: two
/// molecules in one batch, and the periodic 2-atom crystal with a skewed cell shorter than the
/// cutoff (self-image pairs). Positions never come within h of the cutoff.
@Suite struct GNoMEGradientTests {
    @Test func parameterCountAndDeterminism() throws {
        let m = try GNoMEModel(GNoMEHyperparameters())
        let w = 256
        let inputs = (100 * w + w) + (30 * w + w) + w
        let step = (4 * w * w + w) + (w * w + w) + (4 * w * w + w) + (w * w + w)
        let global = (2 * w * w + w) + (w * w + w)
        let readout = (w * w + w) + (w + 1)
        #expect(m.parameterCount == inputs + 3 * step + 2 * global + readout)
        #expect(m.kind == "gnome" && m.cutoff == 4 && m.basis.count == 30)
        let m2 = try GNoMEModel(GNoMEHyperparameters())
        #expect(m.parameters.flatValues == m2.parameters.flatValues)
        #expect(m.reinitialized(seed: 1).parameters.flatValues != m.parameters.flatValues)
        #expect(throws: GraphNetworkError.self) { try GNoMEModel(GNoMEHyperparameters(averageDegree: 0)) }
        #expect(throws: GraphNetworkError.self) { try GNoMEModel(GNoMEHyperparameters(steps: 0)) }
        #expect(throws: GraphNetworkError.self) { try GNoMEModel(GNoMEHyperparameters(cutoff: .nan)) }
    }

    /// dE/dθ for every parameter that the batch uses (unused one-hot rows have gradient 0 both
    /// ways). One step: edge and node MLPs; two steps: also the global MLP and the chaining.
    @Test(arguments: [1, 2]) func parameterGradients(steps: Int) throws {
        let m = try tinyGNoME(steps: steps)
        for structures in [smallMolecules(), [smallCrystal()]] {
            let batch = try GraphBatch(structures: structures, cutoff: m.cutoff)
            let weights = [1.3, -0.7].prefix(batch.structureCount)
            func loss() -> Double { zip(m.energies(batch), weights).reduce(0.0) { $0 + $1.0 * $1.1 } }
            m.parameters.zeroGradients()
            _ = m.evaluate(batch, parameterGradients: true, positionGradients: false, seeds: { _ in Array(weights) })
            let used = Set(batch.atomicNumbers)
            let emb = m.parameters.info(named: "embedding.node.weight")!
            let indices = (0..<m.parameters.count).filter { i in
                i < emb.offset || i >= emb.offset + emb.count || used.contains((i - emb.offset) / 5 + 1)
            }
            let worst = checkParameterGradients(m.parameters, indices: indices, loss)
            print("GNoME dE/dθ, \(steps) step(s), \(structures[0].lattice == nil ? "molecules" : "crystal"), \(indices.count) parameters: worst relative error \(worst)")
            #expect(worst < fdTolerance)
            // Every used parameter tensor receives a gradient.
            for info in m.parameters.infos where info.name != emb.name {
                #expect((0..<info.count).contains { m.parameters.gradients[info.offset + $0] != 0 }, "\(info.name)")
            }
        }
    }

    /// Forces −dE/dR against central differences of E, with the smooth cutoff and with GNoME's
    /// hard cutoff, on molecules and the skewed periodic crystal; forces sum to zero.
    @Test(arguments: [true, false]) func forcesMatchFiniteDifferences(smoothCutoff: Bool) throws {
        let m = try tinyGNoME(smoothCutoff: smoothCutoff)
        for structures in [smallMolecules(), [smallCrystal()]] {
            var batch = try GraphBatch(structures: structures, cutoff: m.cutoff)
            let (_, forces) = m.energiesAndForces(batch)
            var worst = 0.0
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
            print("GNoME forces (smooth cutoff \(smoothCutoff)), \(structures[0].lattice == nil ? "molecules" : "crystal"): worst relative error \(worst)")
            for b in 0..<batch.structureCount {
                let total = forces[batch.firstAtom[b]..<batch.firstAtom[b + 1]].reduce(SIMD3<Double>.zero, +)
                #expect((total * total).sum().squareRoot() < 1e-10)
            }
        }
    }

    /// With the smooth cutoff E(R) is continuous as a neighbour leaves the sphere; with GNoME's
    /// hard cutoff it jumps.
    @Test func smoothCutoffMakesTheEnergyContinuous() throws {
        func energy(_ m: GNoME<Double>, _ d: Double) throws -> Double {
            let s = Structure(name: "pair", atomicNumbers: [6, 8, 1],
                              positions: [.zero, SIMD3(1.2, 0, 0), SIMD3(0, 0, d)])
            return m.energies(try GraphBatch(structures: [s], cutoff: m.cutoff))[0]
        }
        let smooth = try tinyGNoME(smoothCutoff: true), hard = try tinyGNoME(smoothCutoff: false)
        // H at 3 ± 1e-9 Å from C (and > 3 Å from O on both sides).
        let jumpSmooth = abs(try energy(smooth, 3 - 1e-9) - energy(smooth, 3 + 1e-9))
        let jumpHard = abs(try energy(hard, 3 - 1e-9) - energy(hard, 3 + 1e-9))
        print("energy jump across the cutoff: smooth \(jumpSmooth) eV, hard \(jumpHard) eV")
        #expect(jumpSmooth < 1e-12)
        #expect(jumpHard > 1e-4)
    }

    /// Batched = one by one; rotation and translation invariance; Float32 = Float64 to single
    /// precision; the average degree counts directed edges per atom.
    @Test func batchingInvarianceAndPrecision() throws {
        let m = try tinyGNoME()
        try expectBatchingRotationAndPrecision(m, float: m.converted(to: Float.self), alone: smallMolecules() + [smallCrystal()],
                                               mixed: smallMolecules() + [smallCrystal()])
        // δ: 2 directed edges per pair; H₂ at 0.74 Å has δ = 1; the crystal counts its images.
        let h2 = Structure(name: "h2", atomicNumbers: [1, 1], positions: [.zero, SIMD3(0.74, 0, 0)])
        #expect(try GNoME<Double>.averageDegree([h2], cutoff: 3) == 1)
        let graph = try AtomGraph(smallCrystal(), cutoff: 3)
        #expect(try GNoME<Double>.averageDegree([smallCrystal()], cutoff: 3) == Double(graph.edgeCount) / 2)
        #expect(GNoME<Double>.averageDegree([graph]) == Double(graph.edgeCount) / 2)
    }
}
