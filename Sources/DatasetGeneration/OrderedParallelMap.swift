import Foundation
import LinearAlgebra

/// Runs `work` over `count` items on `threads` worker threads and hands results to `commit`
/// on the calling thread, in item order, in batches.
///
/// A batch is committed as soon as the next items in order are done and either `batchSize`
/// of them are waiting or `flushInterval` seconds have passed since the last commit, so a
/// killed run loses at most the uncommitted tail. `commit` may throw to stop the run; the
/// workers then finish their current item and exit.
///
/// Each item is one calculation per core, so BLAS runs single-threaded during the map (the
/// previous thread count is restored after): BLAS threads on top of the workers oversubscribe the
/// cores and spin (a discovery campaign spent as much CPU time in the kernel as in its DFT).
public func orderedParallelMap<Result: Sendable>(
    count: Int, threads: Int, batchSize: Int = 64, flushInterval: TimeInterval = 2,
    work: @escaping @Sendable (Int) -> Result,
    commit: ([Result]) throws -> Void
) throws {
    if count == 0 { return }
    try withBLASThreads(1) { try runOrderedParallelMap(count: count, threads: threads, batchSize: batchSize,
                                                       flushInterval: flushInterval, work: work, commit: commit) }
}

private func runOrderedParallelMap<Result: Sendable>(
    count: Int, threads: Int, batchSize: Int, flushInterval: TimeInterval,
    work: @escaping @Sendable (Int) -> Result,
    commit: ([Result]) throws -> Void
) throws {
    let state = SharedState<Result>()
    let workers = max(1, min(threads, count))
    for _ in 0..<workers {
        let thread = Thread {
            while let i = state.claim(limit: count) {
                let r = work(i)
                state.finish(i, r)
            }
            state.workerExited()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
    var next = 0
    var lastCommit = Date()
    while next < count {
        let ready = state.waitForReady(from: next, minimum: batchSize, deadline: lastCommit.addingTimeInterval(flushInterval), total: count)
        if ready.isEmpty { continue }
        do {
            try commit(ready)
        } catch {
            state.stop()
            state.waitForWorkers(workers)
            throw error
        }
        next += ready.count
        lastCommit = Date()
    }
    state.waitForWorkers(workers)
}

/// Lock-protected bookkeeping shared by the workers and the committing thread.
private final class SharedState<Result>: @unchecked Sendable {
    private let condition = NSCondition()
    private var nextToClaim = 0
    private var done: [Int: Result] = [:]
    private var stopped = false
    private var exited = 0

    func claim(limit: Int) -> Int? {
        condition.lock(); defer { condition.unlock() }
        if stopped || nextToClaim >= limit { return nil }
        nextToClaim += 1
        return nextToClaim - 1
    }

    func finish(_ i: Int, _ r: Result) {
        condition.lock()
        done[i] = r
        condition.broadcast()
        condition.unlock()
    }

    func stop() {
        condition.lock(); stopped = true; condition.unlock()
    }

    func workerExited() {
        condition.lock(); exited += 1; condition.broadcast(); condition.unlock()
    }

    func waitForWorkers(_ n: Int) {
        condition.lock()
        while exited < n { condition.wait() }
        condition.unlock()
    }

    /// Waits until `minimum` consecutive results from `start` are ready (or the deadline passed
    /// with at least one ready, or all remaining are ready) and removes them.
    func waitForReady(from start: Int, minimum: Int, deadline: Date, total: Int) -> [Result] {
        condition.lock(); defer { condition.unlock() }
        while true {
            var n = 0
            while done[start + n] != nil { n += 1 }
            let remaining = total - start
            if n >= min(minimum, remaining) || (n > 0 && Date() >= deadline) {
                var out: [Result] = []
                out.reserveCapacity(n)
                for k in 0..<n { out.append(done.removeValue(forKey: start + k)!) }
                return out
            }
            if n > 0 { _ = condition.wait(until: deadline) } else { condition.wait() }
        }
    }
}
