import Testing
@testable import ChemistryCore

@Suite struct XYZReaderTests {
    @Test func readsMultiFrameExtendedXYZ() throws {
        let text = """
        3
        name=water energy=-1.5
        O 0 0 0
        H 0 -0.757 0.587
        H 0 0.757 0.587
        2
        Lattice="3 0 0 0 3 0 0 0 3" pbc="T T F"
        Na 0 0 0
        Cl 1.5 1.5 1.5
        """
        let frames = try XYZReader.parse(text)
        #expect(frames.count == 2)
        #expect(frames[0].name == "water")
        #expect(frames[0].atomicNumbers == [8, 1, 1])
        #expect(frames[0].properties["energy"] == "-1.5")
        #expect(frames[1].name == "1")
        #expect(frames[1].lattice?[1] == SIMD3(0, 3, 0))
        #expect(frames[1].pbc == [true, true, false])
    }

    @Test func rejectsBadInput() {
        #expect(throws: StructureFileError.self) { try XYZReader.parse("2\n\nH 0 0 0\n") }
        #expect(throws: StructureFileError.self) { try XYZReader.parse("1\n\nQq 0 0 0\n") }
        #expect(throws: StructureFileError.self) { try XYZReader.parse("1\n\nH 0 zero 0\n") }
        #expect(throws: StructureFileError.self) { try XYZReader.parse("water\n") }
        #expect(throws: StructureFileError.self) { try XYZReader.parse("") }
    }

    @Test func formulaIsHillOrder() {
        let s = Structure(name: "m", atomicNumbers: [8, 6, 1, 1, 1, 1],
                          positions: Array(repeating: .zero, count: 6))
        #expect(s.formula == "CH4O")
    }
}
