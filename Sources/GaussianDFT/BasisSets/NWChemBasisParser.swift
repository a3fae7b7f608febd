import ChemistryCore

/// Parser for orbital basis sets in NWChem format, as written by the Basis Set Exchange:
///
///     BASIS "ao basis" SPHERICAL PRINT
///     C    S
///           6.665000E+03           6.920000E-04          -1.460000E-04
///           ...
///     C    SP
///           0.7868272350E+01      -0.1193324198E+00       0.6899906659E-01
///     END
///
/// Lines starting with `#`, blank lines and the `BASIS` / `END` lines are skipped. A line whose
/// first character is a letter opens a block `<element symbol> <S|P|D|F|G|H|I|K|SP|L>`; the numeric
/// lines after it are `exponent coefficient…` (one column per contraction; SP/L have an s then a
/// p column). Fortran `D` exponents are accepted. ECP blocks are not supported.
enum NWChemBasisParser {
    struct ParseError: Error, CustomStringConvertible {
        let line: Int
        let message: String
        var description: String { "line \(line): \(message)" }
    }

    private static let angularMomentum: [String: Int] = [
        "S": 0, "P": 1, "D": 2, "F": 3, "G": 4, "H": 5, "I": 6, "K": 7,
    ]

    /// One block as printed: exponents and coefficient columns.
    private struct Block {
        var atomicNumber: Int
        var label: String  // "S", "SP", ...
        var line: Int
        var exponents: [Double] = []
        var columns: [[Double]] = []
    }

    /// Shells by atomic number, converted and ordered as documented on `BasisSetLibrary`.
    static func parse(_ text: String) throws -> [Int: [ShellDefinition]] {
        var blocks: [Block] = []
        var current: Block?

        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let tokens = rawLine.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard let first = tokens.first, let c = first.first, c != "#" else { continue }
            if c.isLetter {
                if let block = current { blocks.append(block) }
                current = nil
                let keyword = first.uppercased()
                if keyword == "BASIS" || keyword == "END" { continue }
                guard tokens.count == 2, let z = Elements.atomicNumber(String(first)) else {
                    throw ParseError(line: lineNumber, message: "expected '<element> <shell type>', got '\(rawLine)'")
                }
                let label = tokens[1].uppercased()
                guard label == "SP" || label == "L" || angularMomentum[label] != nil else {
                    throw ParseError(line: lineNumber, message: "unknown shell type '\(tokens[1])'")
                }
                current = Block(atomicNumber: z, label: label, line: lineNumber)
                continue
            }
            guard current != nil else {
                throw ParseError(line: lineNumber, message: "numbers outside a shell block")
            }
            var values: [Double] = []
            values.reserveCapacity(tokens.count)
            for token in tokens {
                guard let v = parseNumber(token) else {
                    throw ParseError(line: lineNumber, message: "not a number: '\(token)'")
                }
                values.append(v)
            }
            let ncol = values.count - 1
            guard ncol >= 1 else {
                throw ParseError(line: lineNumber, message: "expected an exponent and coefficients")
            }
            if current!.columns.isEmpty {
                if (current!.label == "SP" || current!.label == "L") && ncol != 2 {
                    throw ParseError(line: lineNumber, message: "SP shell needs two coefficient columns")
                }
                current!.columns = Array(repeating: [], count: ncol)
            }
            guard ncol == current!.columns.count else {
                throw ParseError(line: lineNumber, message: "expected \(current!.columns.count) coefficients, got \(ncol)")
            }
            current!.exponents.append(values[0])
            for k in 0..<ncol { current!.columns[k].append(values[k + 1]) }
        }
        if let block = current { blocks.append(block) }

        var result: [Int: [ShellDefinition]] = [:]
        for block in blocks {
            guard !block.exponents.isEmpty else {
                throw ParseError(line: block.line, message: "empty shell block")
            }
            let ls: [Int]
            if block.label == "SP" || block.label == "L" {
                ls = [0, 1]
            } else {
                ls = Array(repeating: angularMomentum[block.label]!, count: block.columns.count)
            }
            for (l, column) in zip(ls, block.columns) {
                var exps: [Double] = []
                var coefs: [Double] = []
                for (e, c) in zip(block.exponents, column) where c != 0 {
                    exps.append(e)
                    coefs.append(c)
                }
                guard !exps.isEmpty else {
                    throw ParseError(line: block.line, message: "coefficient column is all zeros")
                }
                result[block.atomicNumber, default: []].append(
                    ShellDefinition(angularMomentum: l, exponents: exps, coefficients: coefs))
            }
        }
        // Stable sort by angular momentum (Swift's sort is not guaranteed stable).
        for (z, shells) in result {
            result[z] = shells.enumerated()
                .sorted { ($0.element.angularMomentum, $0.offset) < ($1.element.angularMomentum, $1.offset) }
                .map(\.element)
        }
        return result
    }

    /// Parses `1.0E-02`, `.4644`, `-1.0D+01`.
    private static func parseNumber(_ token: Substring) -> Double? {
        if let v = Double(token) { return v }
        if token.contains(where: { $0 == "D" || $0 == "d" }) {
            return Double(String(token.map { $0 == "D" || $0 == "d" ? "E" : $0 }))
        }
        return nil
    }
}
