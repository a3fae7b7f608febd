import ChemistryCore
import Foundation

/// Errors from looking up a bundled basis set.
public enum BasisSetError: Error, CustomStringConvertible {
    /// The name matches none of the bundled basis sets (`available` lists the canonical names).
    case unknownBasis(String, available: [String])
    /// The basis set exists but defines no functions for this element.
    case elementMissing(basis: String, element: String)

    public var description: String {
        switch self {
        case let .unknownBasis(name, available):
            return "unknown basis set '\(name)'; available: \(available.joined(separator: ", "))"
        case let .elementMissing(basis, element):
            return "basis set '\(basis)' has no functions for element \(element)"
        }
    }
}

/// The Gaussian basis sets bundled with GaussianDFT (`Resources/BasisSets/*.nw`, generated from
/// the Basis Set Exchange by `datasets/basis-sets/generate.py`; see that folder's README).
///
/// Each file is parsed once, on first use, and cached (thread-safe).
///
/// Shell conventions of `shells(basis:atomicNumber:)` — chosen so that the AO order equals PySCF's
/// (`mol._basis` / `mol._bas`, spherical or cartesian) for the same basis data:
/// * Coefficients are the raw published contraction coefficients (of normalised primitives),
///   exactly as printed in the file; normalisation happens in `Shell`.
/// * A Pople "SP" block becomes two definitions with the same exponents: s (first coefficient
///   column), then p (second column).
/// * A generally contracted block (several coefficient columns over one exponent set, as in
///   cc-pVDZ) becomes one definition per column, in column order. Primitives whose coefficient
///   in that column is exactly zero are dropped from that definition (the function is unchanged;
///   PySCF keeps the zero entries inside its general contraction). Libcint orders the AOs of a
///   general contraction as all components of column 1, then of column 2, …, which is what
///   consecutive per-column definitions give.
/// * The resulting definitions are then stably sorted by angular momentum — PySCF's NWChem parser
///   and `format_basis` do the same — so e.g. 6-31G carbon (S, SP, SP, D) comes out as
///   s, s, s, p, p, d, and the published order is kept among shells of equal l.
public enum BasisSetLibrary {
    /// One bundled basis set: canonical name, resource file stem, extra accepted spellings.
    struct Entry: Sendable {
        let name: String
        let file: String
        let aliases: [String]
    }

    /// Bundled basis sets. File stems spell "*" as "_st_" (the Basis Set Exchange convention)
    /// so that no resource file name contains a shell wildcard.
    static let catalog: [Entry] = [
        Entry(name: "sto-3g", file: "sto-3g", aliases: []),
        Entry(name: "6-31g", file: "6-31g", aliases: []),
        Entry(name: "6-31g*", file: "6-31g_st_", aliases: ["6-31g(d)", "6-31gs"]),
        Entry(name: "6-31g**", file: "6-31g_st__st_", aliases: ["6-31g(d,p)", "6-31gss"]),
        Entry(name: "def2-svp", file: "def2-svp", aliases: []),
        Entry(name: "def2-tzvp", file: "def2-tzvp", aliases: []),
        Entry(name: "cc-pvdz", file: "cc-pvdz", aliases: []),
    ]

    /// Canonical names of the bundled basis sets, e.g. "sto-3g", "6-31g*", "def2-svp".
    public static var available: [String] { catalog.map(\.name) }

    /// Folds case and drops spaces, hyphens and underscores: "6-31G(d, p)" → "631g(d,p)".
    static func lookupKey(_ name: String) -> String {
        String(name.lowercased().filter { !$0.isWhitespace && $0 != "-" && $0 != "_" })
    }

    static let entryByKey: [String: Entry] = {
        var table: [String: Entry] = [:]
        for entry in catalog {
            for spelling in [entry.name] + entry.aliases {
                table[lookupKey(spelling)] = entry
            }
        }
        return table
    }()

    static func entry(_ userName: String) throws -> Entry {
        guard let entry = entryByKey[lookupKey(userName)] else {
            throw BasisSetError.unknownBasis(userName, available: available)
        }
        return entry
    }

    /// The canonical name for a user-supplied basis name. Case-insensitive; spaces, hyphens and
    /// underscores are ignored; 6-31G(d) = 6-31G*, 6-31G(d,p) = 6-31G**. So "STO3G", "def2svp",
    /// "Def2-TZVP", "cc-pVDZ", "6-31G(d)" are all accepted.
    public static func canonicalName(_ userName: String) throws -> String {
        try entry(userName).name
    }

    /// The shells of element `atomicNumber` in basis `basis` (any spelling `canonicalName`
    /// accepts), in the order described on `BasisSetLibrary`.
    public static func shells(basis: String, atomicNumber: Int) throws -> [ShellDefinition] {
        let entry = try entry(basis)
        guard let shells = cache.table(for: entry)[atomicNumber] else {
            let element = (1..<Elements.symbols.count).contains(atomicNumber)
                ? Elements.symbols[atomicNumber] : "Z=\(atomicNumber)"
            throw BasisSetError.elementMissing(basis: entry.name, element: element)
        }
        return shells
    }

    /// Atomic numbers for which `basis` defines functions, ascending.
    public static func atomicNumbers(basis: String) throws -> [Int] {
        let entry = try entry(basis)
        return cache.table(for: entry).keys.sorted()
    }

    // MARK: - Loading

    private static let cache = Cache()

    /// Parsed files by canonical name, filled on first use under a lock.
    private final class Cache: @unchecked Sendable {
        private let lock = NSLock()
        private var tables: [String: [Int: [ShellDefinition]]] = [:]

        func table(for entry: Entry) -> [Int: [ShellDefinition]] {
            lock.lock()
            defer { lock.unlock() }
            if let table = tables[entry.name] { return table }
            let table = BasisSetLibrary.loadBundled(entry)
            tables[entry.name] = table
            return table
        }
    }

    /// Reads and parses a bundled file. A missing or malformed bundled file is a packaging bug,
    /// not a user error, so it traps with a message naming the file.
    static func loadBundled(_ entry: Entry) -> [Int: [ShellDefinition]] {
        guard let url = Bundle.module.url(forResource: entry.file, withExtension: "nw",
                                          subdirectory: "Resources/BasisSets")
        else {
            preconditionFailure("GaussianDFT: bundled basis file Resources/BasisSets/\(entry.file).nw not found")
        }
        do {
            let text = try String(contentsOf: url, encoding: .utf8)
            return try NWChemBasisParser.parse(text)
        } catch {
            preconditionFailure("GaussianDFT: cannot read bundled basis file \(url.path): \(error)")
        }
    }
}
