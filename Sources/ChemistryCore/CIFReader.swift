import Foundation

/// Reader for crystallographic CIF files (small-molecule / inorganic CIF 1.1 subset).
///
/// Reads `_cell_length_{a,b,c}`, `_cell_angle_{alpha,beta,gamma}`, the `_atom_site_` loop
/// (`_atom_site_fract_{x,y,z}` with `_atom_site_type_symbol` or `_atom_site_label`) and the
/// symmetry operations (`_symmetry_equiv_pos_as_xyz` or `_space_group_symop_operation_xyz`).
/// Sites are expanded by the operations, wrapped into [0, 1) and coincident images (closer
/// than `duplicateTolerance` Å, minimum image) are merged. Without operations the file is
/// taken as P1. The lattice follows the usual convention: a along x, b in the xy plane.
/// Each `data_` block with atoms gives one structure.
public enum CIFReader {
    /// Distance (Å) under which two expanded sites count as the same atom.
    public static let duplicateTolerance = 0.01

    public static func read(path: String) throws -> [Structure] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StructureFileError(path: path, line: nil, message: "cannot read file")
        }
        guard let text = String(data: data, encoding: .utf8) ?? String(data: data, encoding: .isoLatin1) else {
            throw StructureFileError(path: path, line: nil, message: "file is not text")
        }
        return try parse(text, path: path)
    }

    struct Token { var text: String; var line: Int; var quoted: Bool }

    /// Splits CIF text into tokens (quotes, `;` text fields and `#` comments handled).
    static func tokenize(_ text: String) -> [Token] {
        var tokens: [Token] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        var i = 0
        while i < lines.count {
            let line = lines[i]
            if line.hasPrefix(";") { // multi-line text field
                var body = String(line.dropFirst())
                let start = i
                i += 1
                while i < lines.count, !lines[i].hasPrefix(";") { body += "\n" + lines[i]; i += 1 }
                tokens.append(Token(text: body, line: start + 1, quoted: true))
                i += 1
                continue
            }
            let chars = Array(line)
            var j = 0
            while j < chars.count {
                let c = chars[j]
                if c == " " || c == "\t" { j += 1; continue }
                if c == "#" { break }
                if c == "'" || c == "\"" {
                    // A quote closes only when followed by whitespace or the end of the line.
                    var k = j + 1
                    while k < chars.count, !(chars[k] == c && (k + 1 == chars.count || chars[k + 1] == " " || chars[k + 1] == "\t")) { k += 1 }
                    tokens.append(Token(text: String(chars[(j + 1)..<min(k, chars.count)]), line: i + 1, quoted: true))
                    j = k + 1
                    continue
                }
                var k = j
                while k < chars.count, chars[k] != " ", chars[k] != "\t" { k += 1 }
                tokens.append(Token(text: String(chars[j..<k]), line: i + 1, quoted: false))
                j = k
            }
            i += 1
        }
        return tokens
    }

    struct Block {
        var name: String
        var line: Int
        var items: [String: (String, Int)] = [:]
        var loops: [(tags: [String], rows: [[Token]], line: Int)] = []
    }

    static func blocks(_ tokens: [Token], path: String) throws -> [Block] {
        var blocks: [Block] = []
        var t = 0
        func isKeyword(_ tok: Token) -> Bool {
            if tok.quoted { return false }
            let l = tok.text.lowercased()
            return tok.text.hasPrefix("_") || l == "loop_" || l.hasPrefix("data_") || l.hasPrefix("save_")
        }
        while t < tokens.count {
            let tok = tokens[t]
            let lower = tok.text.lowercased()
            if !tok.quoted, lower.hasPrefix("data_") {
                blocks.append(Block(name: String(tok.text.dropFirst(5)), line: tok.line))
                t += 1
                continue
            }
            if blocks.isEmpty {
                throw StructureFileError(path: path, line: tok.line, message: "content before the first data_ block")
            }
            if !tok.quoted, lower == "loop_" {
                var tags: [String] = []
                t += 1
                while t < tokens.count, !tokens[t].quoted, tokens[t].text.hasPrefix("_") {
                    tags.append(tokens[t].text.lowercased()); t += 1
                }
                var values: [Token] = []
                while t < tokens.count, !isKeyword(tokens[t]) { values.append(tokens[t]); t += 1 }
                guard !tags.isEmpty else {
                    throw StructureFileError(path: path, line: tok.line, message: "loop_ without tags")
                }
                guard values.count % tags.count == 0 else {
                    throw StructureFileError(path: path, line: tok.line,
                        message: "loop with \(tags.count) tags has \(values.count) values (not a multiple)")
                }
                let rows = stride(from: 0, to: values.count, by: tags.count).map { Array(values[$0..<($0 + tags.count)]) }
                blocks[blocks.count - 1].loops.append((tags, rows, tok.line))
                continue
            }
            if !tok.quoted, tok.text.hasPrefix("_") {
                guard t + 1 < tokens.count, !isKeyword(tokens[t + 1]) else {
                    throw StructureFileError(path: path, line: tok.line, message: "tag \(tok.text) has no value")
                }
                blocks[blocks.count - 1].items[tok.text.lowercased()] = (tokens[t + 1].text, tokens[t + 1].line)
                t += 2
                continue
            }
            t += 1 // stray value (e.g. save frames): ignore
        }
        return blocks
    }

    /// "5.431(2)" → 5.431; "?" and "." → nil.
    static func number(_ s: String) -> Double? {
        var s = s
        if let p = s.firstIndex(of: "(") { s = String(s[..<p]) }
        if s == "?" || s == "." { return nil }
        return Double(s)
    }

    /// A symmetry operation x' = W x + w in fractional coordinates.
    public struct SymmetryOperation: Equatable, Sendable {
        public var rotation: [[Double]]
        public var translation: SIMD3<Double>
        public func apply(_ x: SIMD3<Double>) -> SIMD3<Double> {
            SIMD3((0..<3).map { r in rotation[r][0] * x.x + rotation[r][1] * x.y + rotation[r][2] * x.z + translation[r] })
        }
    }

    /// Parses an operation such as "-x+1/2, y, z+1/2" or "x-y,x,z".
    public static func parseOperation(_ s: String) -> SymmetryOperation? {
        let parts = s.lowercased().replacingOccurrences(of: " ", with: "").split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var rot = [[Double]](repeating: [0, 0, 0], count: 3)
        var trans = SIMD3<Double>(0, 0, 0)
        for (r, part) in parts.enumerated() {
            guard !part.isEmpty else { return nil }
            var chars = Array(part)
            if chars.first != "+" && chars.first != "-" { chars.insert("+", at: 0) }
            var k = 0
            while k < chars.count {
                let sign: Double = chars[k] == "-" ? -1 : 1
                guard chars[k] == "+" || chars[k] == "-" else { return nil }
                k += 1
                var term = ""
                while k < chars.count, chars[k] != "+", chars[k] != "-" { term.append(chars[k]); k += 1 }
                guard !term.isEmpty else { return nil }
                // Forms: x, 2x, 2*x, 1/2, 0.5, x/2 (rare)
                var coefficient = 1.0
                var axis: Int? = nil
                var body = term
                if let last = body.last, let a = "xyz".firstIndex(of: last) {
                    axis = "xyz".distance(from: "xyz".startIndex, to: a)
                    body.removeLast()
                    if body.hasSuffix("*") { body.removeLast() }
                    if !body.isEmpty {
                        guard let c = fraction(body) else { return nil }
                        coefficient = c
                    }
                } else if let idx = body.firstIndex(where: { "xyz".contains($0) }) {
                    // e.g. "x/2"
                    let a = "xyz".firstIndex(of: body[idx])!
                    axis = "xyz".distance(from: "xyz".startIndex, to: a)
                    var rest = body; rest.remove(at: idx)
                    guard let c = fraction("1" + rest) else { return nil }
                    coefficient = c
                } else {
                    guard let c = fraction(body) else { return nil }
                    coefficient = c
                }
                if let axis { rot[r][axis] += sign * coefficient } else { trans[r] += sign * coefficient }
            }
        }
        return SymmetryOperation(rotation: rot, translation: trans)
    }

    static func fraction(_ s: String) -> Double? {
        let p = s.split(separator: "/")
        if p.count == 2, let a = Double(p[0]), let b = Double(p[1]), b != 0 { return a / b }
        if p.count == 1 { return Double(p[0]) }
        return nil
    }

    /// Lattice rows (Å) from cell parameters (a along x, b in the xy plane).
    public static func lattice(a: Double, b: Double, c: Double, alpha: Double, beta: Double, gamma: Double) -> [SIMD3<Double>]? {
        let d = Double.pi / 180
        let ca = cos(alpha * d), cb = cos(beta * d), cg = cos(gamma * d), sg = sin(gamma * d)
        let cx = cb, cy = (ca - cb * cg) / sg
        let cz2 = 1 - cx * cx - cy * cy
        guard cz2 > 1e-10, a > 0, b > 0, c > 0 else { return nil }
        return [SIMD3(a, 0, 0), SIMD3(b * cg, b * sg, 0), SIMD3(c * cx, c * cy, c * cz2.squareRoot())]
    }

    public static func parse(_ text: String, path: String = "<input>") throws -> [Structure] {
        let all = try blocks(tokenize(text), path: path)
        guard !all.isEmpty else { throw StructureFileError(path: path, line: nil, message: "no data_ block") }
        var result: [Structure] = []
        for block in all {
            guard let siteLoop = block.loops.first(where: { $0.tags.contains("_atom_site_fract_x") }) else { continue }
            func cell(_ tag: String) throws -> Double {
                guard let (v, line) = block.items[tag] else {
                    throw StructureFileError(path: path, line: block.line, message: "data_\(block.name): missing \(tag)")
                }
                guard let x = number(v) else {
                    throw StructureFileError(path: path, line: line, message: "\(tag) is not a number: '\(v)'")
                }
                return x
            }
            let a = try cell("_cell_length_a"), b = try cell("_cell_length_b"), c = try cell("_cell_length_c")
            let alpha = try cell("_cell_angle_alpha"), beta = try cell("_cell_angle_beta"), gamma = try cell("_cell_angle_gamma")
            guard let lattice = lattice(a: a, b: b, c: c, alpha: alpha, beta: beta, gamma: gamma) else {
                throw StructureFileError(path: path, line: block.line,
                    message: "data_\(block.name): cell parameters do not form a cell with positive volume")
            }

            // Symmetry operations.
            var ops: [SymmetryOperation] = []
            let opTags = ["_symmetry_equiv_pos_as_xyz", "_space_group_symop_operation_xyz"]
            if let loop = block.loops.first(where: { l in opTags.contains(where: l.tags.contains) }) {
                let col = loop.tags.firstIndex(where: opTags.contains)!
                for row in loop.rows {
                    guard let op = parseOperation(row[col].text) else {
                        throw StructureFileError(path: path, line: row[col].line,
                                                 message: "cannot parse symmetry operation '\(row[col].text)'")
                    }
                    ops.append(op)
                }
            } else {
                for tag in opTags {
                    if let (v, line) = block.items[tag] {
                        guard let op = parseOperation(v) else {
                            throw StructureFileError(path: path, line: line, message: "cannot parse symmetry operation '\(v)'")
                        }
                        ops.append(op)
                    }
                }
            }
            if ops.isEmpty { ops = [SymmetryOperation(rotation: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], translation: .zero)] }

            // Sites.
            let tags = siteLoop.tags
            let ix = tags.firstIndex(of: "_atom_site_fract_x")!
            guard let iy = tags.firstIndex(of: "_atom_site_fract_y"), let iz = tags.firstIndex(of: "_atom_site_fract_z") else {
                throw StructureFileError(path: path, line: siteLoop.line, message: "atom_site loop lacks fract_y or fract_z")
            }
            let iType = tags.firstIndex(of: "_atom_site_type_symbol")
            let iLabel = tags.firstIndex(of: "_atom_site_label")
            guard iType != nil || iLabel != nil else {
                throw StructureFileError(path: path, line: siteLoop.line,
                                         message: "atom_site loop has neither _atom_site_type_symbol nor _atom_site_label")
            }
            var numbers: [Int] = []
            var fractional: [SIMD3<Double>] = []
            for row in siteLoop.rows {
                let raw = row[iType ?? iLabel!]
                let symbol = String(raw.text.prefix(while: { $0.isLetter }))
                // Type symbols such as "Si4+", labels such as "Si1" or "O2a".
                var z = symbol.count <= 2 ? Elements.atomicNumber(symbol) : nil
                if z == nil, symbol.count >= 2 { z = Elements.atomicNumber(String(symbol.prefix(2))) }
                if z == nil, !symbol.isEmpty { z = Elements.atomicNumber(String(symbol.prefix(1))) }
                guard let z else {
                    throw StructureFileError(path: path, line: raw.line, message: "unknown element in '\(raw.text)'")
                }
                guard let x = number(row[ix].text), let y = number(row[iy].text), let zc = number(row[iz].text),
                      x.isFinite, y.isFinite, zc.isFinite else {
                    throw StructureFileError(path: path, line: row[ix].line, message: "fractional coordinates are not numbers")
                }
                let site = SIMD3(x, y, zc)
                for op in ops {
                    var f = op.apply(site)
                    f = f - f.rounded(.down)
                    for k in 0..<3 where f[k] >= 1 - 1e-12 { f[k] = 0 }
                    var duplicate = false
                    for (n, g) in fractional.enumerated() {
                        var d = f - g
                        d = d - d.rounded(.toNearestOrAwayFromZero)
                        let cart = d.x * lattice[0] + d.y * lattice[1] + d.z * lattice[2]
                        if crystalDot(cart, cart).squareRoot() < duplicateTolerance {
                            if numbers[n] != z {
                                throw StructureFileError(path: path, line: raw.line,
                                    message: "sites of different elements coincide at (\(f.x), \(f.y), \(f.z)) (disorder is not supported)")
                            }
                            duplicate = true
                            break
                        }
                    }
                    if !duplicate { numbers.append(z); fractional.append(f) }
                }
            }
            guard !numbers.isEmpty else {
                throw StructureFileError(path: path, line: siteLoop.line, message: "data_\(block.name): no atoms")
            }
            let positions = fractional.map { $0.x * lattice[0] + $0.y * lattice[1] + $0.z * lattice[2] }
            result.append(Structure(name: block.name, atomicNumbers: numbers, positions: positions,
                                    lattice: lattice, pbc: [true, true, true]))
        }
        guard !result.isEmpty else {
            throw StructureFileError(path: path, line: nil, message: "no data block with an _atom_site_fract_ loop")
        }
        return result
    }
}
