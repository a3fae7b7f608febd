import Foundation
import Testing
@testable import DatasetGeneration

@Suite struct OrderedParallelMapTests {
    @Test func commitsEveryItemOnceInOrder() throws {
        var seen: [Int] = []
        try orderedParallelMap(count: 500, threads: 4, batchSize: 16, work: { i in
            if i % 7 == 0 { usleep(200) } // uneven work so completions arrive out of order
            return i * i
        }, commit: { batch in
            #expect(!batch.isEmpty)
            seen += batch
        })
        #expect(seen == (0..<500).map { $0 * $0 })
    }

    @Test func commitErrorStopsTheRun() {
        struct Stop: Error {}
        var calls = 0, committed = 0
        #expect(throws: Stop.self) {
            try orderedParallelMap(count: 1000, threads: 2, batchSize: 10, work: { i in usleep(1000); return i }, commit: { batch in
                calls += 1
                committed += batch.count
                if calls == 2 { throw Stop() }
            })
        }
        #expect(calls == 2) // nothing is committed after the error
        #expect(committed < 1000)
    }

    @Test func flushesSlowTailsByTime() throws {
        var batchSizes: [Int] = []
        try orderedParallelMap(count: 6, threads: 2, batchSize: 100, flushInterval: 0.05, work: { i in
            usleep(UInt32(30_000 * (i + 1))); return i
        }, commit: { batchSizes.append($0.count) })
        #expect(batchSizes.reduce(0, +) == 6)
        #expect(batchSizes.count > 1) // did not wait for all six before committing
    }
}
