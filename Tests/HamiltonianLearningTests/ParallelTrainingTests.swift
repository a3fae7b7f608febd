import ChemistryCore
@testable import HamiltonianLearning
import LinearAlgebra
import Testing

@Suite struct ParallelTrainingTests {
    /// Training with the batch's DFT evaluations on 2 threads gives the same learning curve and
    /// parameters as on 1 thread. Each conformer's E[D] and dE/dW is computed by the same code
    /// with single-threaded BLAS in both runs, and the backward passes accumulate in batch order on
    /// the calling thread, so the results are bit-identical (not merely within round-off); a race
    /// on shared state or a mis-ordered result would break the equality.
    @Test func twoThreadsTrainLikeOne() throws {
        setBLASThreads(1)
        let (conformers, base) = try waterTraining(every: 50, epochs: 2, batchSize: 3, heldOut: 3)
        var settings = base
        settings.threads = 1
        let serial = try trainHamiltonianModel(conformers: conformers, settings: settings)
        settings.threads = 2
        let parallel = try trainHamiltonianModel(conformers: conformers, settings: settings)
        #expect(serial.history == parallel.history)
        #expect(serial.heldOut == parallel.heldOut)
        #expect(serial.model.parameterValues == parallel.model.parameterValues)
        // The run did train: the parameters moved.
        let initial = try HamiltonianModel(configuration: settings.model).parameterValues
        #expect(serial.model.parameterValues != initial)
    }

    /// Results come back in index order for any thread count, and the error of the lowest
    /// failing index is the one rethrown.
    @Test func parallelMapKeepsOrderAndErrors() throws {
        struct Failure: Error, Equatable { let index: Int }
        for threads in [1, 2, 3, 8] {
            #expect(try parallelMap(count: 17, threads: threads) { $0 * $0 } == (0..<17).map { $0 * $0 })
            #expect(throws: Failure(index: 4)) {
                try parallelMap(count: 17, threads: threads) { i -> Int in
                    if i == 4 || i == 9 { throw Failure(index: i) }
                    return i
                }
            }
        }
        #expect(try parallelMap(count: 0, threads: 2) { $0 }.isEmpty)
    }
}
