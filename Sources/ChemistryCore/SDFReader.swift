import Foundation

/// Reader for MDL SDF / MOL files, V2000 connection tables (multi-record, `$$$$`-separated).
///
/// Per record: a name line, two header lines, the counts line (`aaabbb…`, atoms in columns 1–3),
/// then one atom line per atom with x, y, z (Å) in columns 1–30 and the symbol in 32–34.
/// Bonds and properties are skipped; a `> <name>` data item, if present, is ignored in favour
/// of the title line (or the record index when the title is blank).
public enum SDFReader {
    public static func read(path: String) throws -> [Structure] {
        try parse(readTextFile(path), path: path)
    }

    public static func parse(_ text: String, path: String = "<input>") throws -> [Structure] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        var structures: [Structure] = []
        var start = 0
        while start < lines.count {
            // Skip blank lines between records.
            if lines[start...].allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { break }
            guard start + 3 < lines.count else {
                throw StructureFileError(path: path, line: start + 1, message: "record ends before its counts line")
            }
            let countsLine = lines[start + 3]
            if countsLine.contains("V3000") {
                throw StructureFileError(path: path, line: start + 4, message: "V3000 molfiles are not supported (write V2000)")
            }
            let countField = countsLine.count >= 3 ? String(countsLine.prefix(3)) : countsLine
            guard let n = Int(countField.trimmingCharacters(in: .whitespaces)), n > 0 else {
                throw StructureFileError(path: path, line: start + 4, message: "expected the atom count in columns 1-3 of the counts line")
            }
            guard start + 4 + n <= lines.count else {
                throw StructureFileError(path: path, line: start + 4, message: "record declares \(n) atoms but the file ends early")
            }
            var numbers: [Int] = [], positions: [SIMD3<Double>] = []
            for k in 0..<n {
                let lineNo = start + 4 + k
                let fields = lines[lineNo].split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard fields.count >= 4, let x = Double(fields[0]), let y = Double(fields[1]), let z = Double(fields[2]),
                      x.isFinite, y.isFinite, z.isFinite else {
                    throw StructureFileError(path: path, line: lineNo + 1, message: "expected 'x y z symbol' atom line")
                }
                guard let atomicNumber = Elements.atomicNumber(String(fields[3])) else {
                    throw StructureFileError(path: path, line: lineNo + 1, message: "unknown element '\(fields[3])'")
                }
                numbers.append(atomicNumber)
                positions.append(SIMD3(x, y, z))
            }
            let title = lines[start].trimmingCharacters(in: .whitespaces)
            let name = title.isEmpty ? "\(structures.count)" : title
            structures.append(Structure(name: name, atomicNumbers: numbers, positions: positions))
            // Advance past the record terminator.
            var next = start + 4 + n
            while next < lines.count && lines[next].trimmingCharacters(in: .whitespaces) != "$$$$" { next += 1 }
            start = next + 1
        }
        if structures.isEmpty { throw StructureFileError(path: path, line: nil, message: "no structures in file") }
        return structures
    }
}
