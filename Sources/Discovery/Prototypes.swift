import ChemistryCore
import Foundation

/// A crystal structure type with placeholder species ("roles") instead of elements, as shipped in
/// datasets/crystals/prototypes/*.prototype (format in that folder's README).
public struct Prototype: Sendable, Equatable {
    /// One atom of the cell: its role, Wyckoff label (e.g. "4a") and fractional coordinates.
    public struct Site: Sendable, Equatable {
        public var role: String
        public var wyckoff: String
        public var fractional: SIMD3<Double>
    }
    /// Atoms of one Wyckoff orbit (same role, same Wyckoff label).
    public struct Orbit: Sendable, Equatable {
        public var role: String
        public var wyckoff: String
        public var sites: [Int]
    }

    public var name: String
    public var strukturbericht: String
    public var example: String
    public var spaceGroup: Int
    /// Lattice rows in Å (the example compound's cell).
    public var lattice: [SIMD3<Double>]
    public var sites: [Site]

    /// Orbits in order of first appearance.
    public var orbits: [Orbit] {
        var result: [Orbit] = []
        for (i, s) in sites.enumerated() {
            if let k = result.firstIndex(where: { $0.role == s.role && $0.wyckoff == s.wyckoff }) {
                result[k].sites.append(i)
            } else {
                result.append(Orbit(role: s.role, wyckoff: s.wyckoff, sites: [i]))
            }
        }
        return result
    }

    /// Roles in order of first appearance.
    public var roles: [String] {
        var seen: [String] = []
        for s in sites where !seen.contains(s.role) { seen.append(s.role) }
        return seen
    }

    /// Number of atoms of each role per cell, e.g. spinel A2 B4 X8.
    public var roleCounts: [String: Int] { Dictionary(sites.map { ($0.role, 1) }, uniquingKeysWith: +) }

    /// The prototype decorated with elements: role → atomic number. Every role needs an element.
    public func structure(assigning elements: [String: Int], name: String? = nil) throws -> Structure {
        var numbers: [Int] = []
        for s in sites {
            guard let z = elements[s.role] else {
                throw DiscoveryError.invalidPrototype(self.name, "no element given for role \(s.role)")
            }
            guard (1..<Elements.symbols.count).contains(z) else {
                throw DiscoveryError.invalidPrototype(self.name, "atomic number \(z) is not an element")
            }
            numbers.append(z)
        }
        let positions = sites.map { $0.fractional.x * lattice[0] + $0.fractional.y * lattice[1] + $0.fractional.z * lattice[2] }
        var s = Structure(name: name ?? self.name, atomicNumbers: numbers, positions: positions, lattice: lattice,
                          pbc: [true, true, true])
        s.properties["prototype"] = self.name
        return s
    }

    /// Parses the text of a `.prototype` file.
    public static func parse(_ text: String, source: String = "<input>") throws -> Prototype {
        func fail(_ line: Int?, _ why: String) -> DiscoveryError {
            .invalidPrototype(source, (line.map { "line \($0 + 1): " } ?? "") + why)
        }
        var fields: [String: String] = [:]
        var lattice: [SIMD3<Double>] = []
        var sites: [Site] = []
        var section = ""
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            guard let key = f.first else { continue }
            switch key {
            case "name", "strukturbericht", "example", "spacegroup":
                guard f.count == 2 else { throw fail(i, "'\(key)' needs one value") }
                fields[key] = f[1]; section = ""
            case "lattice", "sites":
                section = key
            default:
                let numbers = f.compactMap(Double.init)
                if section == "lattice" {
                    guard f.count == 3, numbers.count == 3, numbers.allSatisfy(\.isFinite) else {
                        throw fail(i, "expected three numbers for a lattice vector")
                    }
                    guard lattice.count < 3 else { throw fail(i, "more than three lattice vectors") }
                    lattice.append(SIMD3(numbers[0], numbers[1], numbers[2]))
                } else if section == "sites" {
                    guard f.count == 5, let x = Double(f[2]), let y = Double(f[3]), let z = Double(f[4]),
                          x.isFinite, y.isFinite, z.isFinite else {
                        throw fail(i, "expected 'ROLE WYCKOFF x y z'")
                    }
                    sites.append(Site(role: f[0], wyckoff: f[1], fractional: SIMD3(x, y, z)))
                } else {
                    throw fail(i, "unexpected '\(key)'")
                }
            }
        }
        guard let name = fields["name"] else { throw fail(nil, "missing 'name'") }
        guard let sgText = fields["spacegroup"], let sg = Int(sgText), (1...230).contains(sg) else {
            throw fail(nil, "missing or invalid 'spacegroup' (1–230)")
        }
        guard lattice.count == 3 else { throw fail(nil, "needs three lattice vectors") }
        guard cellVolume(lattice) > 1e-6 else { throw fail(nil, "lattice vectors are linearly dependent") }
        guard !sites.isEmpty else { throw fail(nil, "no sites") }
        return Prototype(name: name, strukturbericht: fields["strukturbericht"] ?? "", example: fields["example"] ?? "",
                         spaceGroup: sg, lattice: lattice, sites: sites)
    }
}

/// The prototypes of a folder of `.prototype` files (chemflow ships datasets/crystals/prototypes).
public struct PrototypeLibrary: Sendable {
    public var prototypes: [Prototype]

    public init(prototypes: [Prototype]) { self.prototypes = prototypes }

    /// Loads every `*.prototype` file of `directory`, sorted by name.
    public init(directory: String) throws {
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".prototype") }.sorted()
        } catch {
            throw DiscoveryError.invalidArgument("cannot read the prototype folder \(directory)")
        }
        guard !files.isEmpty else { throw DiscoveryError.invalidArgument("no .prototype files in \(directory)") }
        prototypes = try files.map { file in
            let path = (directory as NSString).appendingPathComponent(file)
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw DiscoveryError.invalidPrototype(file, "cannot read the file as UTF-8 text")
            }
            return try Prototype.parse(text, source: file)
        }
    }

    public subscript(_ name: String) -> Prototype? { prototypes.first { $0.name == name } }
    public var names: [String] { prototypes.map(\.name) }
}
