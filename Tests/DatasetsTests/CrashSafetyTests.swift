import ChemistryCore
@testable import Datasets
import Foundation
import TestSupport
import Testing

/// `kill -9` a writer at random moments, then resume: the file must always be readable with only
/// complete records, and the finished file must equal an uninterrupted run.
///
/// The writer is this test binary re-run with `CHEMFLOW_DATASETS_CRASH_WRITER` set, which turns
/// `crashWriterChild` into the writer (it does nothing in a normal run).
@Suite struct CrashSafetyTests {
    /// Records to write; `CHEMFLOW_DATASETS_CRASH_TOTAL` and `CHEMFLOW_DATASETS_CRASH_ROUNDS`
    /// scale the test up for a manual stress run.
    static var total: Int { Int(ProcessInfo.processInfo.environment["CHEMFLOW_DATASETS_CRASH_TOTAL"] ?? "") ?? 1500 }
    static var rounds: Int { Int(ProcessInfo.processInfo.environment["CHEMFLOW_DATASETS_CRASH_ROUNDS"] ?? "") ?? 10 }
    static let writerEnv = "CHEMFLOW_DATASETS_CRASH_WRITER"
    static let signalEnv = "CHEMFLOW_DATASETS_CRASH_SIGNAL"

    /// The writer: resume (or create), then append the missing records one by one with small
    /// pauses (standing in for DFT) and frequent commits.
    @Test func crashWriterChild() throws {
        let env = ProcessInfo.processInfo.environment
        guard let path = env[Self.writerEnv] else { return }
        if let signal = env[Self.signalEnv] { _ = FileManager.default.createFile(atPath: signal, contents: nil) }
        let (writer, done) = try DatasetWriter.resume(
            path: path, method: testMethod,
            options: DatasetOptions(cells: true, forces: true, commitEvery: 3, commitInterval: 1e9))
        var rng = SplitMix64(seed: UInt64(getpid()))
        for i in 0..<Self.total where !done.contains(i) {
            try writer.append([syntheticRecord(i)])
            if rng.next() % 5 == 0 { try writer.flush() }
            usleep(300)
        }
        try writer.close()
    }

    /// Checks that `path` opens and holds only complete, correct, distinct records.
    static func checkReadable(_ path: String) throws -> Int {
        let reader = try DatasetReader(path: path)
        #expect(Set(reader.indices).count == reader.count, "duplicate indices")
        var it = try reader.batches(size: 256)
        while let batch = try it.next() {
            for r in batch where r != syntheticRecord(r.index) {
                Issue.record("record \(r.index) differs after a crash")
            }
        }
        return reader.count
    }

    @Test func killNineAtRandomMomentsThenResume() throws {
        if ProcessInfo.processInfo.environment[Self.writerEnv] != nil { return }
        let exe = CommandLine.arguments[0]
        guard FileManager.default.isExecutableFile(atPath: exe) else {
            Issue.record("cannot re-run the test binary at \(exe)")
            return
        }
        let dir = scratchDirectory("crash")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/crash.h5"

        func runWriter(round: Int, killAfterMicroseconds delay: UInt32?) throws -> Bool {
            let signal = dir + "/started-\(round)"
            var env = ProcessInfo.processInfo.environment
            env[Self.writerEnv] = path
            env[Self.signalEnv] = signal
            let p = try ChildProcess(executable: exe, arguments: ["--testing-library", "swift-testing", "--filter", "crashWriterChild"],
                                     environment: env)
            guard let delay else {
                #expect(p.wait() == .exited(0), "uninterrupted writer failed")
                return false
            }
            let deadline = Date().addingTimeInterval(20)
            while !FileManager.default.fileExists(atPath: signal) && p.isRunning && Date() < deadline { usleep(500) }
            usleep(delay)
            let wasRunning = p.isRunning
            p.kill()
            return wasRunning && p.wait() == .signalled(SIGKILL)
        }

        var rng = SplitMix64(seed: 20240607)
        // Delays from "during resume's repair" (< 5 ms) to "deep in appending".
        let delays: [UInt32] = [0, 500, 1500, 3000] + (0..<Self.rounds).map { _ in UInt32(4000 + rng.next() % 90_000) }
        var kills = 0, previous = 0
        var counts: [Int] = []
        for (round, delay) in delays.enumerated() {
            if try runWriter(round: round, killAfterMicroseconds: delay) { kills += 1 }
            guard FileManager.default.fileExists(atPath: path) else { counts.append(0); continue }
            let n = try Self.checkReadable(path)
            #expect(n >= previous, "committed records were lost: \(previous) -> \(n)")
            previous = n
            counts.append(n)
        }
        #expect(kills >= 10, "only \(kills) writers were killed while running")
        #expect(previous < Self.total, "the writers finished before being killed; the test proves nothing")
        print("crash test: \(kills) kills; committed records after each kill: \(counts)")

        _ = try runWriter(round: delays.count, killAfterMicroseconds: nil)
        let reader = try DatasetReader(path: path)
        #expect(!reader.openedWhileWriting)
        #expect(reader.indices == Array(0..<Self.total), "missing or duplicated structures")

        // Against an uninterrupted run.
        let reference = dir + "/reference.h5"
        let w = try DatasetWriter(creating: reference, method: testMethod,
                                  options: DatasetOptions(cells: true, forces: true, commitEvery: 100))
        try w.append((0..<Self.total).map { syntheticRecord($0) })
        try w.close()
        let ref = try DatasetReader(path: reference)
        #expect(try reader.records(in: 0..<Self.total) == ref.records(in: 0..<Self.total))
        for p in [path + ".resume-tmp", path + ".create-tmp"] {
            #expect(!FileManager.default.fileExists(atPath: p))
        }
    }
}
