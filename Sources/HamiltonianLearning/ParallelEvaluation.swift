import Foundation
import LinearAlgebra

/// `body(i)` for i in 0..<count on up to `threads` threads, results in index order.
///
/// Used for the per-conformer DFT work of training (setup, reference SCF, E[D] and dE/dW), which
/// is independent between conformers and dominates a step. Worker t takes items t, t + threads,
/// t + 2·threads, …; every item is computed exactly as in a serial loop (same inputs, single-threaded
/// BLAS), so the results do not depend on `threads`. With more than one thread BLAS runs
/// single-threaded for the duration (restored after): BLAS threads on top of the workers would
/// oversubscribe the cores. `body` must only read shared state. If items throw, the error of
/// the lowest index is rethrown after all workers finish.
func parallelMap<T>(count: Int, threads: Int, _ body: (Int) throws -> T) throws -> [T] {
    let workers = max(1, min(threads, count))
    if workers == 1 { return try (0..<count).map(body) }
    let slots = ResultSlots<T>(count: count)
    withoutActuallyEscaping(body) { body in
        let shared = UncheckedBox(body)
        withBLASThreads(1) {
            DispatchQueue.concurrentPerform(iterations: workers) { t in
                for i in stride(from: t, to: count, by: workers) {
                    slots.store(i, Result { try shared.value(i) })
                }
            }
        }
    }
    return try slots.results()
}

/// A value handed to worker threads that only read it (or touch disjoint parts).
private final class UncheckedBox<V>: @unchecked Sendable {
    let value: V
    init(_ value: V) { self.value = value }
}

/// One result per item in a raw buffer (no Swift exclusivity checks); each worker writes only its
/// own indices, and the caller reads after all workers have joined.
private final class ResultSlots<T>: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<Result<T, any Error>?>
    private let count: Int
    init(count: Int) {
        self.count = count
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil, count: count)
    }
    deinit { slots.deinitialize(count: count); slots.deallocate() }
    func store(_ i: Int, _ r: Result<T, any Error>) { slots[i] = r }
    func results() throws -> [T] { try (0..<count).map { try slots[$0]!.get() } }
}
