import Testing
@testable import ChemistryCore

@Suite struct SDFReaderTests {
    static let twoRecords = """
    water
      chemflow

      3  2  0  0  0  0  0  0  0  0999 V2000
        0.0000   -0.0000    0.1173 O   0  0  0  0  0  0  0  0  0  0  0  0
        0.0000    0.7572   -0.4692 H   0  0  0  0  0  0  0  0  0  0  0  0
        0.0000   -0.7572   -0.4692 H   0  0  0  0  0  0  0  0  0  0  0  0
      1  2  1  0
      1  3  1  0
    M  END
    > <energy>
    -76.0

    $$$$

      chemflow

      2  1  0  0  0  0  0  0  0  0999 V2000
        0.0000    0.0000    0.0000 H   0  0
        0.0000    0.0000    0.7400 H   0  0
      1  2  1  0
    M  END
    $$$$
    """

    @Test func readsRecordsNamesAndCoordinates() throws {
        let s = try SDFReader.parse(Self.twoRecords)
        #expect(s.count == 2)
        #expect(s[0].name == "water")
        #expect(s[0].atomicNumbers == [8, 1, 1])
        #expect(s[0].positions[1] == SIMD3(0, 0.7572, -0.4692))
        #expect(s[1].name == "1")
        #expect(s[1].atomicNumbers == [1, 1])
    }

    @Test func rejectsMalformedRecords() {
        #expect(throws: StructureFileError.self) { try SDFReader.parse("x\n\n\n  a  b\n") }
        #expect(throws: StructureFileError.self) { try SDFReader.parse("x\n\n\n  2  1\n 0 0 0 H\n") }
        #expect(throws: StructureFileError.self) { try SDFReader.parse("x\n\n\n  1  0\n 0 0 0 Qq\n") }
        #expect(throws: StructureFileError.self) { try SDFReader.parse("x\n\n\n  0  0  0     0  0            999 V3000\n") }
    }

    @Test func formatIsChosenByName() {
        #expect(StructureFiles.format(of: "a/b/mols.sdf") == .sdf)
        #expect(StructureFiles.format(of: "POSCAR") == .poscar)
        #expect(StructureFiles.format(of: "si.cif") == .cif)
        #expect(StructureFiles.format(of: "x.extxyz") == .xyz)
    }
}
