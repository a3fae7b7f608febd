import Foundation
import Testing
@testable import ChemistryCore

@Suite("CrystalReader")
struct CrystalReaderTests {
    static let siPOSCAR = """
    Si2 diamond
    1.0
    0.0 2.715510253196 2.715510253196
    2.715510253196 0.0 2.715510253196
    2.715510253196 2.715510253196 0.0
    Si
    2
    Direct
    0.125 0.125 0.125
    -0.125 -0.125 -0.125
    """

    @Test func poscarDirect() throws {
        let s = try POSCARReader.parse(Self.siPOSCAR)
        #expect(s.atomicNumbers == [14, 14])
        #expect(s.lattice?.count == 3)
        #expect(s.pbc == [true, true, true])
        let b = 2.715510253196
        #expect(abs(s.positions[0].x - 0.25 * b) < 1e-12)
        #expect(abs(s.positions[1].z + 0.25 * b) < 1e-12)
        #expect(s.name == "Si2 diamond")
    }

    @Test func poscarCartesianScaledAndSelectiveDynamics() throws {
        let text = """
        NaCl rocksalt (scaled)
        2.0
        1 0 0
        0 1 0
        0 0 1
        Na Cl
        1 1
        Selective dynamics
        Cartesian
        0 0 0 T T T
        0.5 0.5 0.5 F F F
        """
        let s = try POSCARReader.parse(text)
        #expect(s.atomicNumbers == [11, 17])
        #expect(s.lattice![0] == SIMD3(2, 0, 0))
        #expect(s.positions[1] == SIMD3(1, 1, 1))
    }

    @Test func poscarNegativeScaleIsVolume() throws {
        let text = "x\n-8.0\n1 0 0\n0 1 0\n0 0 1\nH\n1\nDirect\n0.5 0.5 0.5\n"
        let s = try POSCARReader.parse(text)
        #expect(abs(s.lattice![0].x - 2) < 1e-12)
        #expect(abs(s.positions[0].y - 1) < 1e-12)
    }

    @Test func poscarErrors() {
        let vasp4 = "x\n1.0\n1 0 0\n0 1 0\n0 0 1\n2\nDirect\n0 0 0\n0.5 0.5 0.5\n"
        #expect(throws: StructureFileError.self) { try POSCARReader.parse(vasp4) }
        let short = Self.siPOSCAR.split(separator: "\n").dropLast().joined(separator: "\n")
        do { _ = try POSCARReader.parse(short); Issue.record("expected an error") } catch let e as StructureFileError {
            #expect(e.message.contains("2 atoms"))
        } catch { Issue.record("wrong error \(error)") }
        let badElement = Self.siPOSCAR.replacingOccurrences(of: "\nSi\n", with: "\nQq\n")
        #expect(throws: StructureFileError.self) { try POSCARReader.parse(badElement) }
        let flat = "x\n1.0\n1 0 0\n2 0 0\n0 0 1\nH\n1\nDirect\n0 0 0\n"
        #expect(throws: StructureFileError.self) { try POSCARReader.parse(flat) }
        let badNumber = Self.siPOSCAR.replacingOccurrences(of: "0.125 0.125 0.125", with: "0.125 abc 0.125")
        do { _ = try POSCARReader.parse(badNumber); Issue.record("expected an error") } catch let e as StructureFileError {
            #expect(e.line == 9)
        } catch { Issue.record("wrong error \(error)") }
    }

    static let naclCIF = """
    # rock salt, conventional cell, space group Fm-3m (only a few generators listed
    # explicitly is not valid CIF practice: here the full list is given in short form)
    data_NaCl
    _cell_length_a    5.6402(1)
    _cell_length_b    5.6402
    _cell_length_c    5.6402
    _cell_angle_alpha 90
    _cell_angle_beta  90
    _cell_angle_gamma 90
    _symmetry_space_group_name_H-M 'F m -3 m'
    loop_
    _symmetry_equiv_pos_as_xyz
    'x, y, z'
    'x, y+1/2, z+1/2'
    'x+1/2, y, z+1/2'
    'x+1/2, y+1/2, z'
    '-x, -y, -z'
    'y, x, z'
    loop_
    _atom_site_label
    _atom_site_type_symbol
    _atom_site_fract_x
    _atom_site_fract_y
    _atom_site_fract_z
    _atom_site_occupancy
    Na1 Na+ 0.0 0.0 0.0 1
    Cl1 Cl- 0.5 0.5 0.5 1
    """

    @Test func cifSymmetryExpansionAndDedup() throws {
        let all = try CIFReader.parse(Self.naclCIF)
        #expect(all.count == 1)
        let s = all[0]
        #expect(s.name == "NaCl")
        #expect(s.atomicNumbers.filter { $0 == 11 }.count == 4)
        #expect(s.atomicNumbers.filter { $0 == 17 }.count == 4)
        #expect(abs(s.lattice![0].x - 5.6402) < 1e-12)
        #expect(abs(s.lattice![2].z - 5.6402) < 1e-9)
        // Every Cl at least a/2 from every Na.
        let (_, _, d) = s.closestPair()!
        #expect(abs(d - 5.6402 / 2) < 1e-9)
    }

    @Test func cifP1WithLabelsAndHexagonalCell() throws {
        let text = """
        data_graphite_like
        _cell_length_a 2.46
        _cell_length_b 2.46
        _cell_length_c 6.70
        _cell_angle_alpha 90.0
        _cell_angle_beta 90.0
        _cell_angle_gamma 120.0
        loop_
        _atom_site_label
        _atom_site_fract_x
        _atom_site_fract_y
        _atom_site_fract_z
        C1 0 0 0.25
        C2 0.333333 0.666667 0.25
        """
        let s = try CIFReader.parse(text)[0]
        #expect(s.atomicNumbers == [6, 6])
        let l = s.lattice!
        #expect(abs(l[1].x + 1.23) < 1e-12)
        #expect(abs(l[1].y - 2.46 * (3.0).squareRoot() / 2) < 1e-12)
        #expect(abs(s.closestPair()!.distance - 2.46 / (3.0).squareRoot()) < 1e-4)
    }

    @Test func cifModernSymopTagAndOperationParsing() throws {
        let op = try #require(CIFReader.parseOperation("-x+1/2, y-z, 0.25+z"))
        #expect(op.rotation == [[-1, 0, 0], [0, 1, -1], [0, 0, 1]])
        #expect(op.translation == SIMD3(0.5, 0, 0.25))
        #expect(CIFReader.parseOperation("x, y") == nil)
        let text = """
        data_bcc
        _cell_length_a 2.87
        _cell_length_b 2.87
        _cell_length_c 2.87
        _cell_angle_alpha 90
        _cell_angle_beta 90
        _cell_angle_gamma 90
        loop_
        _space_group_symop_id
        _space_group_symop_operation_xyz
        1 x,y,z
        2 x+1/2,y+1/2,z+1/2
        3 -x,-y,-z
        loop_
        _atom_site_type_symbol
        _atom_site_fract_x
        _atom_site_fract_y
        _atom_site_fract_z
        Fe 0 0 0
        """
        let s = try CIFReader.parse(text)[0]
        #expect(s.atomicNumbers == [26, 26])
    }

    @Test func cifErrors() {
        #expect(throws: StructureFileError.self) { try CIFReader.parse("data_x\n_cell_length_a 1\n") }
        let missingCell = Self.naclCIF.replacingOccurrences(of: "_cell_length_c    5.6402\n", with: "")
        do { _ = try CIFReader.parse(missingCell); Issue.record("expected an error") } catch let e as StructureFileError {
            #expect(e.message.contains("_cell_length_c"))
        } catch { Issue.record("wrong error \(error)") }
        let badOp = Self.naclCIF.replacingOccurrences(of: "'y, x, z'", with: "'y, q, z'")
        #expect(throws: StructureFileError.self) { try CIFReader.parse(badOp) }
        let ragged = Self.naclCIF.replacingOccurrences(of: "Cl1 Cl- 0.5 0.5 0.5 1", with: "Cl1 Cl- 0.5 0.5 0.5")
        #expect(throws: StructureFileError.self) { try CIFReader.parse(ragged) }
        let flat = Self.naclCIF.replacingOccurrences(of: "_cell_angle_gamma 90", with: "_cell_angle_gamma 180")
        #expect(throws: StructureFileError.self) { try CIFReader.parse(flat) }
    }
}
