import ChemistryCore
import Datasets
import Foundation
import TestSupport
import Testing

/// `count` frames cycling through four small molecules, each with a unique name.
func smallMoleculeSet(count: Int) throws -> String {
    let base: [(String, String)] = [
        ("water", "O 0 0 0\nH 0 -0.757 0.587\nH 0 0.757 0.587"),
        ("hf", "F 0 0 0\nH 0 0 0.917"),
        ("ammonia", "N 0 0 0.1\nH 0 0.94 -0.27\nH 0.81 -0.47 -0.27\nH -0.81 -0.47 -0.27"),
        ("methane", "C 0 0 0\nH 0.63 0.63 0.63\nH -0.63 -0.63 0.63\nH -0.63 0.63 -0.63\nH 0.63 -0.63 -0.63"),
    ]
    var text = ""
    for i in 0..<count {
        let (name, atoms) = base[i % base.count]
        // Small deterministic displacement so every frame is a distinct conformer.
        let lines = atoms.split(separator: "\n").map { line -> String in
            let f = line.split(separator: " ")
            let x = Double(f[1])! + 0.002 * Double(i % 5)
            return "\(f[0]) \(x) \(f[2]) \(f[3])"
        }
        text += "\(lines.count)\nname=\(name)_\(i)\n" + lines.joined(separator: "\n") + "\n"
    }
    return try temporaryFile(text)
}

func temporaryPath(_ suffix: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("chemflow-test-\(UUID().uuidString)\(suffix)").path
}

func allRecords(_ path: String) throws -> [LabelledStructure] {
    let r = try DatasetReader(path: path)
    return try r.records(in: 0..<r.count)
}

@Suite(.serialized) struct GenerateCLITests {
    @Test func writesEveryStructureAndRefusesToOverwrite() throws {
        let input = try smallMoleculeSet(count: 8)
        let out = temporaryPath(".h5")
        let r = try CLIRun.run(["generate", "--input", input, "--output", out, "--preset", "qm1b", "--threads", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        let records = try allRecords(out)
        #expect(records.map(\.index) == Array(0..<8))
        #expect(records.allSatisfy { $0.status == .ok && $0.converged })
        // Water at this geometry, B3LYP5/STO-3G level 0: within 0.1 eV of the level-3 value -75.3125... Ha
        // (QM1B's level-0 grid error is tens of mHa at most for small molecules).
        #expect(abs(records[0].energy / 27.211386245988 - -75.31) < 0.05)
        let again = try CLIRun.run(["generate", "--input", input, "--output", out, "--preset", "qm1b"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("--resume"))
    }

    @Test func failuresAreRecordedAndTheRunGoesOn() throws {
        let input = try temporaryFile("3\nname=ok\nO 0 0 0\nH 0 -0.757 0.587\nH 0 0.757 0.587\n2\nname=clash\nH 0 0 0\nH 0 0 0.01\n1\nname=radical\nH 0 0 0\n")
        let out = temporaryPath(".h5")
        let r = try CLIRun.run(["generate", "--input", input, "--output", out, "--preset", "qm1b"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("2 failed"))
        let records = try allRecords(out)
        #expect(records.map(\.status) == [.ok, .failed, .failed])
        #expect(records[1].error.contains("apart"))
        #expect(records[2].error.contains("spin"))
    }

    /// The reliability check: SIGKILL at random moments, then --resume, until done;
    /// every structure exactly once and the labels equal to an uninterrupted run.
    @Test func killedRunsResumeWithoutDuplicatesOrGaps() throws {
        let count = 96
        let input = try smallMoleculeSet(count: count)
        let reference = temporaryPath(".h5")
        let started = Date()
        let full = try CLIRun.run(["generate", "--input", input, "--output", reference, "--preset", "qm1b", "--threads", "2"])
        #expect(full.status == 0, "\(full.stderr)")
        // Kill delays scale with this machine's speed: between 5% and 80% of a whole run.
        let runMicroseconds = max(20_000, UInt32(Date().timeIntervalSince(started) * 1e6))
        let expected = try allRecords(reference)

        let out = temporaryPath(".h5")
        var kills = 0
        var first = true
        var generator = SystemRandomNumberGenerator()
        for attempt in 0..<12 {
            var args = ["generate", "--input", input, "--output", out, "--preset", "qm1b", "--threads", "2"]
            if !first { args.append("--resume") }
            let process = try CLIRun.start(args)
            let delay = UInt32.random(in: (runMicroseconds / 20)...(runMicroseconds * 4 / 5), using: &generator)
            usleep(delay)
            if process.isRunning {
                process.kill()
                kills += 1
            }
            let ending = process.wait()
            if FileManager.default.fileExists(atPath: out) {
                first = false
                // Readable after every kill, with only complete, distinct records.
                let records = try allRecords(out)
                #expect(Set(records.map(\.index)).count == records.count, "duplicates after kill \(attempt)")
            }
            if ending == .exited(0) { break }
        }
        let finish = try CLIRun.run(["generate", "--input", input, "--output", out, "--preset", "qm1b", "--threads", "2"] + (first ? [] : ["--resume"]))
        #expect(finish.status == 0, "\(finish.stderr)")
        let records = try allRecords(out)
        #expect(records.map(\.index) == Array(0..<count), "after \(kills) kills")
        for (a, b) in zip(records, expected) {
            #expect(a.structure.name == b.structure.name)
            #expect(abs(a.energy - b.energy) < 1e-8, "\(a.structure.name): \(a.energy) vs \(b.energy)")
        }
        #expect(kills >= 1)
    }

    /// Three shards run as separate processes and merged equal one unsharded run.
    @Test func threeShardsMergeToTheSingleRun() throws {
        let input = try smallMoleculeSet(count: 13)
        let single = temporaryPath(".h5")
        #expect(try CLIRun.run(["generate", "--input", input, "--output", single, "--preset", "qm1b"]).status == 0)
        let shards = (0..<3).map { _ in temporaryPath(".h5") }
        let processes = try (0..<3).map { i in
            try CLIRun.start(["generate", "--input", input, "--output", shards[i], "--preset", "qm1b",
                              "--threads", "1", "--shard", "\(i)/3"])
        }
        for p in processes { #expect(p.wait() == .exited(0)) }
        let merged = temporaryPath(".h5")
        let m = try CLIRun.run(["merge", merged] + shards)
        #expect(m.status == 0, "\(m.stderr)")
        let a = try allRecords(merged), b = try allRecords(single)
        #expect(a.map(\.index) == b.map(\.index))
        for (x, y) in zip(a, b) {
            #expect(x.structure == y.structure)
            #expect(abs(x.energy - y.energy) < 1e-8 && abs(x.homo - y.homo) < 1e-8)
        }
        // Merging a shard twice is refused.
        let dup = try CLIRun.run(["merge", temporaryPath(".h5"), shards[0], shards[0]])
        #expect(dup.status == 1)
    }
}
