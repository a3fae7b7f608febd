import ChemistryCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// chemflow's HDF5 dataset schema (docs/hdf5-schema.md) and a thin HDF5 wrapper.
public enum Datasets {
    /// The value of the root attribute `format`.
    public static let formatName = "chemflow"
    /// The schema version written to `format_version`; readers accept versions up to this.
    public static let formatVersion = 1
    /// Width in bytes of `/structures/name` (UTF-8, longer names are cut at a character boundary).
    public static let nameBytes = 64
    /// Width in bytes of `/labels/error` (UTF-8, longer messages are cut at a character boundary).
    public static let errorBytes = 256
}

/// A dataset-level error (wrong file, method mismatch, duplicates, refused overwrite...).
public struct DatasetError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The electronic-structure method that labelled a dataset. Stored as root attributes;
/// resume and merge require it to be equal.
public struct DatasetMethod: Sendable, Equatable {
    /// Exchange-correlation functional name as given by the user (e.g. "B3LYP5").
    public var xc: String
    /// The libxc functionals: ids and names (e.g. "1:LDA_X,7:LDA_C_VWN").
    public var libxc: String
    /// Basis set name (e.g. "sto-3g").
    public var basis: String
    /// Integration grid level (nil when not applicable).
    public var gridLevel: Int?
    /// SCF energy convergence threshold in hartree.
    public var convergenceThreshold: Double
    /// Anything else that defines the labels (preset, code version, smearing...). Stored as
    /// string root attributes with these keys.
    public var extra: [String: String]

    public init(xc: String, libxc: String, basis: String, gridLevel: Int? = nil,
                convergenceThreshold: Double, extra: [String: String] = [:]) {
        self.xc = xc
        self.libxc = libxc
        self.basis = basis
        self.gridLevel = gridLevel
        self.convergenceThreshold = convergenceThreshold
        self.extra = extra
    }

    /// Human-readable list of the fields where `self` and `other` differ.
    public func differences(from other: DatasetMethod) -> [String] {
        var out: [String] = []
        if xc != other.xc { out.append("xc \(xc) vs \(other.xc)") }
        if libxc != other.libxc { out.append("libxc \(libxc) vs \(other.libxc)") }
        if basis != other.basis { out.append("basis \(basis) vs \(other.basis)") }
        if gridLevel != other.gridLevel {
            out.append("grid_level \(gridLevel.map(String.init) ?? "none") vs \(other.gridLevel.map(String.init) ?? "none")")
        }
        if convergenceThreshold != other.convergenceThreshold {
            out.append("convergence_threshold_hartree \(convergenceThreshold) vs \(other.convergenceThreshold)")
        }
        for key in Set(extra.keys).union(other.extra.keys).sorted() where extra[key] != other.extra[key] {
            out.append("\(key) \(extra[key] ?? "none") vs \(other.extra[key] ?? "none")")
        }
        return out
    }
}

/// Outcome of labelling one structure (`/labels/status`).
public enum LabelStatus: UInt8, Sendable, Equatable, CaseIterable {
    /// Converged; all labels valid.
    case ok = 0
    /// SCF did not converge (after the fallbacks); labels are those of the last iteration or NaN.
    case notConverged = 1
    /// The calculation failed (bad geometry, error); labels are NaN, `error` says why.
    case failed = 2
}

/// One structure with its DFT labels: a row of the dataset.
public struct LabelledStructure: Sendable, Equatable {
    /// Position of the structure in the input (the key for resume, dedup and merge).
    public var index: Int
    public var structure: Structure
    public var status: LabelStatus
    /// Error message, empty when ok.
    public var error: String
    /// Total energy in eV (NaN if unavailable).
    public var energy: Double
    /// HOMO and LUMO energies and their gap in eV (NaN if unavailable).
    public var homo: Double
    public var lumo: Double
    public var gap: Double
    /// Dipole moment in Debye (NaN components if unavailable).
    public var dipole: SIMD3<Double>
    /// Mulliken charges in e, one per atom (empty: stored as NaN).
    public var charges: [Double]
    public var converged: Bool
    /// SCF iterations used.
    public var iterations: Int
    /// Wall time in seconds.
    public var seconds: Double
    /// Total energy after each SCF iteration, eV.
    public var iterationEnergies: [Double]
    /// Forces in eV/Å, one per atom, when computed.
    public var forces: [SIMD3<Double>]?

    public init(index: Int, structure: Structure, status: LabelStatus = .ok, error: String = "",
                energy: Double = .nan, homo: Double = .nan, lumo: Double = .nan, gap: Double = .nan,
                dipole: SIMD3<Double> = SIMD3(repeating: .nan), charges: [Double] = [],
                converged: Bool = false, iterations: Int = 0, seconds: Double = 0,
                iterationEnergies: [Double] = [], forces: [SIMD3<Double>]? = nil) {
        self.index = index
        self.structure = structure
        self.status = status
        self.error = error
        self.energy = energy
        self.homo = homo
        self.lumo = lumo
        self.gap = gap
        self.dipole = dipole
        self.charges = charges
        self.converged = converged
        self.iterations = iterations
        self.seconds = seconds
        self.iterationEnergies = iterationEnergies
        self.forces = forces
    }

    /// Equality that treats NaN as equal to NaN (for comparing files).
    public static func == (a: LabelledStructure, b: LabelledStructure) -> Bool {
        func same(_ x: Double, _ y: Double) -> Bool { x == y || (x.isNaN && y.isNaN) }
        func sameAll(_ x: [Double], _ y: [Double]) -> Bool { x.count == y.count && zip(x, y).allSatisfy(same) }
        func flat(_ v: [SIMD3<Double>]) -> [Double] { v.flatMap { [$0.x, $0.y, $0.z] } }
        return a.index == b.index && a.structure == b.structure && a.status == b.status && a.error == b.error
            && same(a.energy, b.energy) && same(a.homo, b.homo) && same(a.lumo, b.lumo) && same(a.gap, b.gap)
            && sameAll(flat([a.dipole]), flat([b.dipole])) && sameAll(a.charges, b.charges)
            && a.converged == b.converged && a.iterations == b.iterations && same(a.seconds, b.seconds)
            && sameAll(a.iterationEnergies, b.iterationEnergies)
            && (a.forces == nil) == (b.forces == nil) && sameAll(flat(a.forces ?? []), flat(b.forces ?? []))
    }
}

// MARK: - Schema table

/// What a dataset's rows count.
enum RowKind { case structure, atom, iteration }

struct FieldSpec {
    let path: String
    let type: HDF5ElementType
    let rowShape: [Int]
    let kind: RowKind
    let units: String?
    let fill: Double?
    let optional: Optional
    enum Optional { case always, cells, forces }
    var chunkRows: Int {
        switch type {
        case .fixedString(let bytes): return max(64, 262_144 / bytes)
        default: return kind == .structure ? 4096 : 16384
        }
    }
}

enum Schema {
    static let index = "structures/index"
    static let fields: [FieldSpec] = [
        FieldSpec(path: "structures/name", type: .fixedString(bytes: Datasets.nameBytes), rowShape: [], kind: .structure, units: nil, fill: nil, optional: .always),
        FieldSpec(path: "structures/n_atoms", type: .int32, rowShape: [], kind: .structure, units: nil, fill: nil, optional: .always),
        FieldSpec(path: "structures/atom_offset", type: .int64, rowShape: [], kind: .structure, units: nil, fill: nil, optional: .always),
        FieldSpec(path: "structures/cell", type: .float64, rowShape: [3, 3], kind: .structure, units: "angstrom", fill: .nan, optional: .cells),
        FieldSpec(path: "structures/pbc", type: .uint8, rowShape: [3], kind: .structure, units: nil, fill: nil, optional: .cells),
        FieldSpec(path: "structures/atomic_numbers", type: .int32, rowShape: [], kind: .atom, units: nil, fill: nil, optional: .always),
        FieldSpec(path: "structures/positions", type: .float64, rowShape: [3], kind: .atom, units: "angstrom", fill: .nan, optional: .always),
        FieldSpec(path: "labels/energy", type: .float64, rowShape: [], kind: .structure, units: "eV", fill: .nan, optional: .always),
        FieldSpec(path: "labels/homo", type: .float64, rowShape: [], kind: .structure, units: "eV", fill: .nan, optional: .always),
        FieldSpec(path: "labels/lumo", type: .float64, rowShape: [], kind: .structure, units: "eV", fill: .nan, optional: .always),
        FieldSpec(path: "labels/gap", type: .float64, rowShape: [], kind: .structure, units: "eV", fill: .nan, optional: .always),
        FieldSpec(path: "labels/dipole", type: .float64, rowShape: [3], kind: .structure, units: "debye", fill: .nan, optional: .always),
        FieldSpec(path: "labels/charges", type: .float64, rowShape: [], kind: .atom, units: "e", fill: .nan, optional: .always),
        FieldSpec(path: "labels/forces", type: .float64, rowShape: [3], kind: .atom, units: "eV/angstrom", fill: .nan, optional: .forces),
        FieldSpec(path: "labels/converged", type: .uint8, rowShape: [], kind: .structure, units: "1", fill: nil, optional: .always),
        FieldSpec(path: "labels/scf_iterations", type: .int32, rowShape: [], kind: .structure, units: "1", fill: nil, optional: .always),
        FieldSpec(path: "labels/seconds", type: .float64, rowShape: [], kind: .structure, units: "s", fill: .nan, optional: .always),
        FieldSpec(path: "labels/status", type: .uint8, rowShape: [], kind: .structure, units: "0=ok,1=not_converged,2=failed", fill: 255, optional: .always),
        FieldSpec(path: "labels/error", type: .fixedString(bytes: Datasets.errorBytes), rowShape: [], kind: .structure, units: nil, fill: nil, optional: .always),
        FieldSpec(path: "labels/iteration_energies", type: .float64, rowShape: [], kind: .iteration, units: "eV", fill: .nan, optional: .always),
        FieldSpec(path: "labels/iteration_offset", type: .int64, rowShape: [], kind: .structure, units: nil, fill: nil, optional: .always),
        FieldSpec(path: "labels/iteration_count", type: .int32, rowShape: [], kind: .structure, units: nil, fill: nil, optional: .always),
    ]
    /// Written last in every commit: its leading non-fill entries are the committed records.
    static let indexSpec = FieldSpec(path: index, type: .int64, rowShape: [], kind: .structure, units: nil, fill: -1, optional: .always)

    static let reservedAttributes: Set<String> = [
        "format", "format_version", "chemflow_version", "units_energy", "units_length", "units_dipole",
        "xc", "libxc", "basis", "grid_level", "convergence_threshold_hartree", "created", "extra_keys",
    ]

    static func writeRoot(_ root: HDF5Group, method: DatasetMethod, chemflowVersion: String, created: String) throws {
        for key in method.extra.keys where reservedAttributes.contains(key) {
            throw DatasetError("method extra key '\(key)' clashes with a reserved root attribute")
        }
        try root.setAttribute("format", Datasets.formatName)
        try root.setAttribute("format_version", Datasets.formatVersion)
        try root.setAttribute("chemflow_version", chemflowVersion)
        try root.setAttribute("units_energy", "eV")
        try root.setAttribute("units_length", "angstrom")
        try root.setAttribute("units_dipole", "debye")
        try root.setAttribute("xc", method.xc)
        try root.setAttribute("libxc", method.libxc)
        try root.setAttribute("basis", method.basis)
        if let g = method.gridLevel { try root.setAttribute("grid_level", g) }
        try root.setAttribute("convergence_threshold_hartree", method.convergenceThreshold)
        try root.setAttribute("created", created)
        try root.setAttribute("extra_keys", method.extra.keys.sorted().joined(separator: "\n"))
        for (key, value) in method.extra { try root.setAttribute(key, value) }
    }

    /// Checks `format`/`format_version` and reads the method.
    static func readRoot(_ root: HDF5Group, path: String) throws -> (method: DatasetMethod, version: String, created: String) {
        guard try root.stringAttribute("format") == Datasets.formatName else {
            throw DatasetError("'\(path)' is not a chemflow dataset (no format = \"chemflow\" attribute)")
        }
        let version = try root.intAttribute("format_version") ?? 0
        guard version >= 1 && version <= Datasets.formatVersion else {
            throw DatasetError("'\(path)' has format_version \(version); this chemflow reads up to \(Datasets.formatVersion)")
        }
        let keys = (try root.stringAttribute("extra_keys") ?? "").split(separator: "\n").map(String.init)
        var extra: [String: String] = [:]
        for key in keys { extra[key] = try root.stringAttribute(key) ?? "" }
        let method = DatasetMethod(
            xc: try root.stringAttribute("xc") ?? "", libxc: try root.stringAttribute("libxc") ?? "",
            basis: try root.stringAttribute("basis") ?? "", gridLevel: try root.intAttribute("grid_level"),
            convergenceThreshold: try root.doubleAttribute("convergence_threshold_hartree") ?? .nan, extra: extra)
        return (method, try root.stringAttribute("chemflow_version") ?? "", try root.stringAttribute("created") ?? "")
    }
}

func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }

func isoNow() -> String {
    var t = time(nil)
    var tmv = tm()
    gmtime_r(&t, &tmv)
    var buf = [CChar](repeating: 0, count: 32)
    strftime(&buf, buf.count, "%Y-%m-%dT%H:%M:%SZ", &tmv)
    return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
