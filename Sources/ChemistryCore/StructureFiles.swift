import Foundation

/// Reads any structure file chemflow understands, choosing the reader by name:
/// `.cif` → CIF; `POSCAR`, `CONTCAR`, `.poscar`, `.vasp` → VASP POSCAR; `.sdf`, `.mol` → MDL
/// V2000; everything else (`.xyz`, `.extxyz`) → (extended) XYZ.
public enum StructureFiles {
    public enum Format: String, Sendable { case xyz, cif, poscar, sdf }

    public static func format(of path: String) -> Format {
        let name = (path as NSString).lastPathComponent.lowercased()
        let ext = (name as NSString).pathExtension
        if ext == "cif" { return .cif }
        if ext == "sdf" || ext == "mol" || ext == "sd" { return .sdf }
        if ext == "poscar" || ext == "vasp" || name.hasPrefix("poscar") || name.hasPrefix("contcar") { return .poscar }
        return .xyz
    }

    public static func read(path: String) throws -> [Structure] {
        switch format(of: path) {
        case .cif: return try CIFReader.read(path: path)
        case .poscar: return [try POSCARReader.read(path: path)]
        case .sdf: return try SDFReader.read(path: path)
        case .xyz: return try XYZReader.read(path: path)
        }
    }
}

extension Structure {
    /// True when the structure is a 3D crystal (a lattice and periodicity along all three vectors).
    public var isPeriodic: Bool { lattice != nil && pbc.allSatisfy { $0 } }
}
