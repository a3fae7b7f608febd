import ChemistryCore
@testable import Datasets
import Foundation
import Testing

@Suite struct HDF5WrapperTests {
    @Test func attributesAndDatasetsRoundTrip() throws {
        let dir = scratchDirectory("wrapper")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/w.h5"
        do {
            let f = try HDF5File.create(path: path)
            let root = try f.root()
            try root.setAttribute("s", "héllo")
            try root.setAttribute("d", 2.5)
            try root.setAttribute("i", 42)
            try root.setAttribute("ad", [1.0, 2.0, 3.5])
            try root.setAttribute("ai", [4, 5, 6])
            try root.setAttribute("i", 43)  // replace
            let g = try f.createGroup("a/b")
            let d2 = try g.createDataset("x", type: .float64, rowShape: [3], chunkRows: 2)
            try d2.append([1.0, 2, 3, 4, 5, 6])
            try d2.append([7.0, 8, 9])
            let vs = try root.createDataset("vs", type: .string, chunkRows: 2)
            try vs.appendStrings(["a", "", "ünïcode", "d"])
            let fs = try root.createDataset("fs", type: .fixedString(bytes: 4), chunkRows: 2)
            try fs.appendStrings(["abc", "abcdef", "é€"])
            for (name, type) in [("f32", HDF5ElementType.float32), ("i32", .int32), ("i64", .int64), ("u8", .uint8)] {
                let d = try root.createDataset(name, type: type)
                try d.append([Int64(1), 2, 255])
            }
            try f.flush()
            try f.close()
        }
        let f = try HDF5File.open(path: path)
        let root = try f.root()
        #expect(try root.stringAttribute("s") == "héllo")
        #expect(try root.doubleAttribute("d") == 2.5)
        #expect(try root.intAttribute("i") == 43)
        #expect(try root.doubleArrayAttribute("ad") == [1, 2, 3.5])
        #expect(try root.intArrayAttribute("ai") == [4, 5, 6])
        #expect(try root.stringAttribute("missing") == nil)
        #expect(Set(try root.attributeNames()) == ["s", "d", "i", "ad", "ai"])
        let x = try f.openDataset("a/b/x")
        #expect(try x.shape() == [3, 3])
        #expect(try x.read(Double.self) == [1, 2, 3, 4, 5, 6, 7, 8, 9])
        #expect(try x.read(Double.self, rows: 1..<3) == [4, 5, 6, 7, 8, 9])
        #expect(try x.read(Float.self, rows: 2..<3) == [7, 8, 9])
        #expect(try f.openDataset("vs").readStrings() == ["a", "", "ünïcode", "d"])
        #expect(try f.openDataset("vs").readStrings(rows: 2..<3) == ["ünïcode"])
        #expect(try f.openDataset("fs").readStrings() == ["abc", "abcd", "é"])  // cut at a character boundary
        #expect(try f.openDataset("f32").read(Float.self) == [1, 2, 255])
        #expect(try f.openDataset("u8").read(UInt8.self) == [1, 2, 255])
        #expect(try f.openDataset("i64").elementType() == .int64)
        #expect(try f.exists("a/b/x"))
        #expect(try !f.exists("a/c/x"))
        #expect(throws: HDF5Error.self) { try x.read(Double.self, rows: 2..<5) }
        #expect(throws: HDF5Error.self) { try f.openDataset("nope") }
        do {
            _ = try HDF5File.create(path: path)
            Issue.record("created over an existing file")
        } catch let e as HDF5Error {
            #expect(e.message.contains("exists"))
            #expect(!e.message.contains("\n"))
        }
        do {
            _ = try HDF5File.open(path: dir + "/none.h5")
            Issue.record("opened a missing file")
        } catch let e as HDF5Error {
            #expect(e.message.contains("no such file"))
        }
    }
}

@Suite struct DatasetFileTests {
    func writeAll(_ path: String, _ records: [LabelledStructure], options: DatasetOptions = DatasetOptions(cells: true, forces: true),
                  overwrite: Bool = false, commitEvery: Int = 5) throws {
        var opts = options
        opts.commitEvery = commitEvery
        let w = try DatasetWriter(creating: path, method: testMethod, overwrite: overwrite, options: opts)
        for chunk in stride(from: 0, to: records.count, by: 3) {
            try w.append(Array(records[chunk..<min(records.count, chunk + 3)]))
        }
        try w.close()
    }

    @Test func roundTripMoleculesCrystalsFailures() throws {
        let dir = scratchDirectory("roundtrip")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/d.h5"
        let records = (0..<60).map { syntheticRecord($0) }
        try writeAll(path, records)
        let r = try DatasetReader(path: path)
        #expect(r.count == 60)
        #expect(!r.openedWhileWriting)
        #expect(r.method == testMethod)
        #expect(r.hasCells && r.hasForces)
        #expect(r.indices == Array(0..<60))
        let back = try r.records(in: 0..<60)
        for (a, b) in zip(records, back) { #expect(a == b, "record \(a.index)") }
        #expect(try r.record(at: 17) == records[17])
        #expect(try r.records(in: 10..<13) == Array(records[10..<13]))
        #expect(try r.structures(in: 3..<4)[0].lattice != nil)
        #expect(try r.structures(in: 3..<4)[0].pbc == [true, true, false])
        #expect(try r.structures(in: 4..<6) == [records[4].structure, records[5].structure])
        let e = try r.energies()
        #expect(e.count == 60 && e[4].isNaN && e[0] == records[0].energy)
        #expect(try r.record(at: 4).status == .failed)
        #expect(try r.record(at: 4).error.contains("closer than"))
        #expect(try r.record(at: 6).status == .notConverged)
        #expect(throws: DatasetError.self) { try r.records(in: 55..<61) }
        // Batches: file order and shuffled cover every record once.
        var it = try r.batches(size: 7)
        var seen: [Int] = []
        while let b = try it.next() { #expect(b.count <= 7); seen += b.map(\.index) }
        #expect(seen == Array(0..<60))
        var sh = try r.batches(size: 8, shuffleSeed: 3, onlyConverged: true)
        var shuffled: [Int] = []
        while let b = try sh.next() {
            for rec in b { #expect(rec == records[rec.index]); #expect(rec.status == .ok) }
            shuffled += b.map(\.index)
        }
        #expect(Set(shuffled).count == shuffled.count)
        #expect(Set(shuffled) == Set(records.filter { $0.status == .ok }.map(\.index)))
        // Root attributes as documented.
        let f = try HDF5File.open(path: path)
        let root = try f.root()
        #expect(try root.stringAttribute("format") == "chemflow")
        #expect(try root.intAttribute("format_version") == 1)
        #expect(try root.stringAttribute("units_energy") == "eV")
        #expect(try root.stringAttribute("preset") == "qm1b")
        #expect(try f.openDataset("labels/energy").stringAttribute("units") == "eV")
        #expect(try f.openDataset("labels/forces").shape() == [records.map(\.structure.count).reduce(0, +), 3])
        #expect(try f.openDataset("structures/cell").shape() == [60, 3, 3])
    }

    @Test func moleculesOnlyFileHasNoCellsAndRefusesCrystals() throws {
        let dir = scratchDirectory("molonly")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/m.h5"
        let records = (0..<20).map { syntheticRecord($0, withCells: false, withForces: false) }
        try writeAll(path, records, options: DatasetOptions())
        do {
            let r = try DatasetReader(path: path)
            #expect(!r.hasCells && !r.hasForces)
            #expect(try r.records(in: 0..<20) == records)
        }
        let w = try DatasetWriter.resume(path: path, method: testMethod).0
        #expect(throws: DatasetError.self) { try w.append([syntheticRecord(23)]) }  // crystal
        #expect(throws: DatasetError.self) { try w.append([syntheticRecord(20)]) }  // has forces
        #expect(throws: DatasetError.self) { try w.append([records[0]]) }  // duplicate index
        try w.close()
    }

    @Test func refusesToOverwrite() throws {
        let dir = scratchDirectory("overwrite")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/o.h5"
        try writeAll(path, (0..<5).map { syntheticRecord($0) })
        #expect(throws: DatasetError.self) {
            _ = try DatasetWriter(creating: path, method: testMethod, overwrite: false)
        }
        #expect(try DatasetReader(path: path).count == 5)
        try writeAll(path, (0..<3).map { syntheticRecord($0) }, overwrite: true)
        #expect(try DatasetReader(path: path).count == 3)
    }

    @Test func resumeContinuesAndRefusesDifferentMethod() throws {
        let dir = scratchDirectory("resume")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/r.h5"
        let records = (0..<30).map { syntheticRecord($0) }
        try writeAll(path, Array(records[0..<12]))
        var other = testMethod
        other.basis = "6-31g"
        other.extra["preset"] = "accurate"
        do {
            _ = try DatasetWriter.resume(path: path, method: other)
            Issue.record("resumed with a different method")
        } catch let e as DatasetError {
            #expect(e.message.contains("basis sto-3g vs 6-31g"))
            #expect(e.message.contains("preset qm1b vs accurate"))
        }
        let (w, done) = try DatasetWriter.resume(path: path, method: testMethod)
        #expect(done == Set(0..<12))
        try w.append(records.filter { !done.contains($0.index) })
        try w.close()
        #expect(try DatasetReader(path: path).records(in: 0..<30) == records)
        // Resume of a missing file starts one.
        let (w2, done2) = try DatasetWriter.resume(path: dir + "/new.h5", method: testMethod)
        #expect(done2.isEmpty)
        try w2.close()
        #expect(try DatasetReader(path: dir + "/new.h5").count == 0)
    }

    @Test func readerSeesOnlyCommittedRecordsWhileWriting() throws {
        let dir = scratchDirectory("live")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/l.h5"
        let w = try DatasetWriter(creating: path, method: testMethod,
                                  options: DatasetOptions(cells: true, forces: true, commitEvery: 1000, commitInterval: 1e9))
        try w.append((0..<10).map { syntheticRecord($0) })
        #expect(try DatasetReader(path: path).count == 0)  // buffered
        try w.flush()
        do {
            // (In-process readers share the writer's open file; the crash test reads from another process.)
            let r = try DatasetReader(path: path)
            #expect(r.count == 10)
            #expect(try r.record(at: 9) == syntheticRecord(9))
        }
        try w.close()
        #expect(try !DatasetReader(path: path).openedWhileWriting)
    }

    @Test func mergeOrdersByIndexAndChecks() throws {
        let dir = scratchDirectory("merge")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let records = (0..<40).map { syntheticRecord($0) }
        let shards = (0..<3).map { dir + "/s\($0).h5" }
        for (k, s) in shards.enumerated() { try writeAll(s, records.filter { $0.index % 3 == k }) }
        try writeAll(dir + "/single.h5", records)
        let out = dir + "/merged.h5"
        #expect(try mergeDatasets(into: out, from: shards) == 40)
        let m = try DatasetReader(path: out)
        let single = try DatasetReader(path: dir + "/single.h5")
        #expect(m.indices == Array(0..<40))
        #expect(try m.records(in: 0..<40) == single.records(in: 0..<40))
        #expect(m.method == testMethod)
        // Existing output refused without overwrite.
        #expect(throws: DatasetError.self) { try mergeDatasets(into: out, from: shards) }
        #expect(try mergeDatasets(into: out, from: shards, overwrite: true) == 40)
        // Duplicates refused.
        do {
            try mergeDatasets(into: dir + "/dup.h5", from: [shards[0], dir + "/single.h5"])
            Issue.record("merged duplicates")
        } catch let e as DatasetError {
            #expect(e.message.contains("appears twice"))
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/dup.h5"))
        // Different methods refused.
        var other = testMethod
        other.gridLevel = 3
        let w = try DatasetWriter(creating: dir + "/other.h5", method: other, options: DatasetOptions(cells: true, forces: true))
        try w.append([syntheticRecord(100)])
        try w.close()
        do {
            try mergeDatasets(into: dir + "/bad.h5", from: [shards[0], dir + "/other.h5"])
            Issue.record("merged different methods")
        } catch let e as DatasetError {
            #expect(e.message.contains("grid_level 3 vs 1"))
        }
    }

    @Test func notADatasetIsRejected() throws {
        let dir = scratchDirectory("notds")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let f = try HDF5File.create(path: dir + "/x.h5")
        try f.close()
        #expect(throws: DatasetError.self) { try DatasetReader(path: dir + "/x.h5") }
        _ = FileManager.default.createFile(atPath: dir + "/garbage.h5", contents: Data("not hdf5".utf8))
        #expect(throws: DatasetError.self) { try DatasetReader(path: dir + "/garbage.h5") }
        #expect(throws: DatasetError.self) { try DatasetReader(path: dir + "/missing.h5") }
    }
}
