import ChemistryCore
import Datasets
import Foundation
import GaussianDFT
import Testing
@testable import DatasetGeneration

/// The qm1b preset's loosened cutoffs (AO values 1e-5, ERI primitives 1e-10) against the
/// defaults on a QM1B-sized molecule. Over the 200 molecules of the set they move energies by at
/// most 4.8e-7 Ha, orbital energies by 8.7e-7 Ha and dipoles by 2.1e-5 D, against a level-0 grid
/// error of 3.9e-2 Ha, 5e-4 Ha and 3e-3 D (means); the tolerances are those maxima rounded up.
struct GenerationPresetTests {
    static func firstQM1BMolecule() throws -> Structure {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let path = root.appendingPathComponent("datasets/molecules/gdb-like-9to11-200.xyz").path
        return try #require(try XYZReader.read(path: path).first)
    }

    @Test func qm1bCutoffsStayFarBelowTheGridError() throws {
        let molecule = try Self.firstQM1BMolecule()
        let preset = GenerationPreset.qm1b.settings
        var defaults = preset
        defaults.aoCutoff = defaultAOCutoff
        defaults.eriPrimitiveThreshold = defaultERIPrimitiveThreshold
        let fast = labelStructure(index: 0, structure: molecule, settings: preset)
        let reference = labelStructure(index: 0, structure: molecule, settings: defaults)
        #expect(fast.status == .ok && reference.status == .ok)
        let ev = Units.hartreeInEV
        let dE = abs(fast.energy - reference.energy) / ev
        #expect(dE > 0, "the cutoffs must reach the calculation")
        #expect(dE < 1e-6)
        #expect(abs(fast.homo - reference.homo) / ev < 1e-6)
        #expect(abs(fast.lumo - reference.lumo) / ev < 1e-6)
        let dipoleChange: SIMD3<Double> = fast.dipole - reference.dipole
        #expect(max(abs(dipoleChange.x), abs(dipoleChange.y), abs(dipoleChange.z)) < 3e-5)
    }

    @Test func methodRecordCarriesTheCutoffs() throws {
        let qm1b = try datasetMethod(for: GenerationPreset.qm1b.settings, preset: "qm1b")
        #expect(qm1b.extra["ao_cutoff"] == "1e-05")
        #expect(qm1b.extra["eri_primitive_threshold"] == "1e-10")
        var tight = GenerationPreset.qm1b.settings
        tight.aoCutoff = defaultAOCutoff
        let other = try datasetMethod(for: tight, preset: "qm1b")
        // A file labelled with other cutoffs is not resumed or merged with this one.
        #expect(qm1b.differences(from: other) == ["ao_cutoff 1e-05 vs 1e-10"])
        #expect(GenerationPreset.accurate.settings.aoCutoff == defaultAOCutoff)
        #expect(GenerationPreset.accurate.settings.gridLevel == 3)
    }
}
