import Foundation

/// A problem in an input file, with enough context to fix it.
public struct StructureFileError: Error, CustomStringConvertible, Equatable {
    public var path: String
    public var line: Int?
    public var message: String
    public init(path: String, line: Int?, message: String) {
        self.path = path; self.line = line; self.message = message
    }
    public var description: String {
        if let line { return "\(path):\(line): \(message)" }
        return "\(path): \(message)"
    }
}

/// The UTF-8 contents of a structure file, or a `StructureFileError` saying why not.
func readTextFile(_ path: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw StructureFileError(path: path, line: nil, message: "cannot read file")
    }
    guard let text = String(data: data, encoding: .utf8) else {
        throw StructureFileError(path: path, line: nil, message: "file is not UTF-8 text")
    }
    return text
}

/// Reader for XYZ and extended XYZ (multi-frame; positions in Å).
///
/// Frame layout: atom count, a comment line, then `symbol x y z [extra columns]` per atom.
/// The comment may carry `key=value` pairs (extended XYZ); `name=` names the frame,
/// `Lattice="ax ay az bx by bz cx cy cz"` gives the cell and `pbc="T T T"` its periodicity.
public enum XYZReader {
    public static func read(path: String) throws -> [Structure] {
        try parse(readTextFile(path), path: path)
    }

    public static func parse(_ text: String, path: String = "<input>") throws -> [Structure] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        var frames: [Structure] = []
        var i = 0
        while i < lines.count {
            let head = lines[i].trimmingCharacters(in: .whitespaces)
            if head.isEmpty { i += 1; continue }
            guard let n = Int(head), n > 0 else {
                throw StructureFileError(path: path, line: i + 1,
                                         message: "expected a positive atom count, found '\(head.prefix(40))'")
            }
            guard i + 1 + n < lines.count || (i + 1 + n == lines.count && n == 0) else {
                throw StructureFileError(path: path, line: i + 1,
                                         message: "frame declares \(n) atoms but the file ends early")
            }
            let comment = lines[i + 1]
            let props = parseKeyValues(comment)
            var numbers: [Int] = []
            var positions: [SIMD3<Double>] = []
            for k in 0..<n {
                let lineNo = i + 2 + k
                let fields = lines[lineNo].split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard fields.count >= 4 else {
                    throw StructureFileError(path: path, line: lineNo + 1,
                                             message: "expected 'symbol x y z', found '\(lines[lineNo].prefix(60))'")
                }
                guard let z = Elements.atomicNumber(String(fields[0])) else {
                    throw StructureFileError(path: path, line: lineNo + 1, message: "unknown element '\(fields[0])'")
                }
                guard let x = Double(fields[1]), let y = Double(fields[2]), let zc = Double(fields[3]),
                      x.isFinite, y.isFinite, zc.isFinite else {
                    throw StructureFileError(path: path, line: lineNo + 1, message: "coordinates are not numbers")
                }
                numbers.append(z)
                positions.append(SIMD3(x, y, zc))
            }
            let name = props["name"] ?? "\(frames.count)"
            var lattice: [SIMD3<Double>]? = nil
            if let l = props["Lattice"] ?? props["lattice"] {
                let v = l.split(separator: " ").compactMap { Double($0) }
                guard v.count == 9 else {
                    throw StructureFileError(path: path, line: i + 2, message: "Lattice needs 9 numbers")
                }
                lattice = [SIMD3(v[0], v[1], v[2]), SIMD3(v[3], v[4], v[5]), SIMD3(v[6], v[7], v[8])]
            }
            var pbc = [Bool](repeating: lattice != nil, count: 3)
            if let p = props["pbc"] {
                let f = p.split(separator: " ").map { $0 == "T" || $0 == "True" || $0 == "1" }
                if f.count == 3 { pbc = f }
            }
            frames.append(Structure(name: name, atomicNumbers: numbers, positions: positions,
                                    lattice: lattice, pbc: pbc, properties: props))
            i += 2 + n
        }
        if frames.isEmpty { throw StructureFileError(path: path, line: nil, message: "no structures in file") }
        return frames
    }

    /// Parses `key=value key="quoted value"` pairs from an extended-XYZ comment line.
    static func parseKeyValues(_ line: String) -> [String: String] {
        var result: [String: String] = [:]
        var chars = Substring(line)
        while !chars.isEmpty {
            chars = chars.drop(while: { $0 == " " || $0 == "\t" })
            guard let eq = chars.firstIndex(of: "=") else { break }
            let key = String(chars[..<eq])
            if key.contains(" ") { // a bare word: skip it
                chars = chars.drop(while: { $0 != " " })
                continue
            }
            chars = chars[chars.index(after: eq)...]
            var value: String
            if let q = chars.first, q == "\"" || q == "'" {
                let rest = chars.dropFirst()
                let end = rest.firstIndex(of: q) ?? rest.endIndex
                value = String(rest[..<end])
                chars = end < rest.endIndex ? rest[rest.index(after: end)...] : rest[end...]
            } else {
                let end = chars.firstIndex(where: { $0 == " " || $0 == "\t" }) ?? chars.endIndex
                value = String(chars[..<end])
                chars = chars[end...]
            }
            result[key] = value
        }
        return result
    }
}
