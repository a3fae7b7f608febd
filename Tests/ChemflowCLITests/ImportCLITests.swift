import Datasets
import Foundation
import Testing

/// `chemflow import`: energies from an extended XYZ comment line become dataset labels.
@Suite struct ImportCLITests {
    static let frames = """
    3
    name=water energy=-76.4 charge=0
    O 0 0 0
    H 0 -0.757 0.587
    H 0 0.757 0.587
    2
    name=hf energy=-100.0
    F 0 0 0
    H 0 0 0.917
    1
    name=na Lattice="0 2.1 2.1 2.1 0 2.1 2.1 2.1 0" pbc="T T T" energy=-0.5
    Na 0 0 0

    """

    @Test func energiesAreConvertedAndStored() throws {
        let input = try temporaryFile(Self.frames)
        let out = temporaryPath(".h5")
        let r = try CLIRun.run(["import", "--input", input, "--output", out, "--energy-unit", "hartree", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\"structures\":3"))
        let records = try allRecords(out)
        #expect(records.map(\.structure.name) == ["water", "hf", "na"])
        // 1 Ha = 27.211386245988 eV (CODATA 2018); stored as float64, so exact up to rounding.
        #expect(abs(records[0].energy - -76.4 * 27.211386245988) < 1e-9)
        #expect(abs(records[2].energy - -0.5 * 27.211386245988) < 1e-12)
        #expect(records[2].structure.lattice != nil)
        #expect(records.allSatisfy { $0.status == .ok })
        // A second import to the same path is refused without --overwrite.
        let again = try CLIRun.run(["import", "--input", input, "--output", out])
        #expect(again.status == 1)
        #expect(try CLIRun.run(["import", "--input", input, "--output", out, "--overwrite"]).status == 0)
    }

    @Test func badInputIsOneLineAndExitOne() throws {
        let missing = try temporaryFile("2\nname=a\nH 0 0 0\nH 0 0 0.74\n")
        let r = try CLIRun.run(["import", "--input", missing, "--output", temporaryPath(".h5")])
        #expect(r.status == 1)
        #expect(r.stderr.contains("no 'energy='"))
        #expect(r.stderr.split(separator: "\n").count == 1)
        let notNumber = try temporaryFile("2\nname=a energy=abc\nH 0 0 0\nH 0 0 0.74\n")
        #expect(try CLIRun.run(["import", "--input", notNumber, "--output", temporaryPath(".h5")]).status == 1)
        let unit = try CLIRun.run(["import", "--input", missing, "--output", temporaryPath(".h5"), "--energy-unit", "rydberg"])
        #expect(unit.status != 0)
    }
}
