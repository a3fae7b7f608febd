import Foundation

/// Reader for VASP 5 POSCAR / CONTCAR files (positions returned in Å, lattice rows in Å).
///
/// Layout: comment; scale factor (a negative value is the target cell volume in Å³);
/// three lattice vectors; species symbols; counts per species; optional `Selective dynamics`;
/// `Direct` or `Cartesian` (only the first letter counts: D, or C/K); one line per atom.
/// Cartesian coordinates are multiplied by the scale factor like the lattice.
/// VASP 4 files (without the species line) are rejected with a clear message.
public enum POSCARReader {
    public static func read(path: String) throws -> Structure {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StructureFileError(path: path, line: nil, message: "cannot read file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw StructureFileError(path: path, line: nil, message: "file is not UTF-8 text")
        }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String = "<input>") throws -> Structure {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        func fields(_ i: Int) -> [String] {
            guard i < lines.count else { return [] }
            // Everything after '!' or '#' is a comment.
            var s = Substring(lines[i])
            if let c = s.firstIndex(where: { $0 == "!" || $0 == "#" }) { s = s[..<c] }
            return s.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        }
        func fail(_ i: Int?, _ message: String) -> StructureFileError {
            StructureFileError(path: path, line: i.map { $0 + 1 }, message: message)
        }
        guard lines.count >= 8 else { throw fail(nil, "POSCAR too short: needs at least 8 lines") }
        let name = lines[0].trimmingCharacters(in: .whitespaces)

        let scaleFields = fields(1)
        guard let scale = scaleFields.first.flatMap(Double.init), scale.isFinite, scale != 0 else {
            throw fail(1, "expected a non-zero scale factor, found '\(lines[1].prefix(40))'")
        }
        if scaleFields.count == 3 {
            throw fail(1, "per-axis scale factors are not supported")
        }
        var lattice: [SIMD3<Double>] = []
        for i in 2...4 {
            let f = fields(i)
            guard f.count >= 3, let x = Double(f[0]), let y = Double(f[1]), let z = Double(f[2]),
                  x.isFinite, y.isFinite, z.isFinite else {
                throw fail(i, "expected three numbers for a lattice vector, found '\(lines[i].prefix(60))'")
            }
            lattice.append(SIMD3(x, y, z))
        }
        let det = crystalDot(lattice[0], crystalCross(lattice[1], lattice[2]))
        var factor = scale
        if scale < 0 {
            guard abs(det) > 1e-12 else { throw fail(2, "lattice vectors are linearly dependent (zero volume)") }
            factor = pow(-scale / abs(det), 1.0 / 3.0)
        }
        lattice = lattice.map { $0 * factor }
        guard abs(det * factor * factor * factor) > 1e-8 else {
            throw fail(2, "lattice vectors are linearly dependent (zero volume)")
        }

        // Species line (VASP 5).
        let speciesFields = fields(5)
        guard !speciesFields.isEmpty else { throw fail(5, "expected the species line") }
        if speciesFields.allSatisfy({ Int($0) != nil }) {
            throw fail(5, "VASP 4 format (no species line) is not supported: add the element symbols above the counts")
        }
        var species: [Int] = []
        for s in speciesFields {
            // VASP 6 may write "Si_pv" or "Si/abc"; keep the element part.
            let symbol = String(s.prefix(while: { $0.isLetter }))
            guard let z = Elements.atomicNumber(symbol) else { throw fail(5, "unknown element '\(s)'") }
            species.append(z)
        }
        let countFields = fields(6)
        guard countFields.count == species.count else {
            throw fail(6, "expected \(species.count) atom counts (one per species), found \(countFields.count)")
        }
        var counts: [Int] = []
        for c in countFields {
            guard let n = Int(c), n >= 0 else { throw fail(6, "atom count '\(c)' is not a non-negative integer") }
            counts.append(n)
        }
        let total = counts.reduce(0, +)
        guard total > 0 else { throw fail(6, "no atoms") }

        var i = 7
        var modeLine = fields(i)
        if let first = modeLine.first?.first, first == "S" || first == "s" {
            i += 1
            modeLine = fields(i)
        }
        guard let m = modeLine.first?.first else { throw fail(i, "expected 'Direct' or 'Cartesian'") }
        let cartesian: Bool
        switch m {
        case "C", "c", "K", "k": cartesian = true
        case "D", "d": cartesian = false
        default: throw fail(i, "expected 'Direct' or 'Cartesian', found '\(lines[i].prefix(40))'")
        }
        i += 1
        guard i + total <= lines.count else {
            throw fail(i, "file declares \(total) atoms but ends after \(max(0, lines.count - i)) coordinate lines")
        }
        var numbers: [Int] = []
        var positions: [SIMD3<Double>] = []
        for (s, n) in counts.enumerated() { numbers += Array(repeating: species[s], count: n) }
        for k in 0..<total {
            let f = fields(i + k)
            guard f.count >= 3, let a = Double(f[0]), let b = Double(f[1]), let c = Double(f[2]),
                  a.isFinite, b.isFinite, c.isFinite else {
                throw fail(i + k, "expected three coordinates, found '\(lines[i + k].prefix(60))'")
            }
            if cartesian {
                positions.append(SIMD3(a, b, c) * factor)
            } else {
                positions.append(a * lattice[0] + b * lattice[1] + c * lattice[2])
            }
        }
        return Structure(name: name.isEmpty ? "POSCAR" : name, atomicNumbers: numbers, positions: positions,
                         lattice: lattice, pbc: [true, true, true])
    }
}

@inline(__always) func crystalDot(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double { (a * b).sum() }
@inline(__always) func crystalCross(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}
