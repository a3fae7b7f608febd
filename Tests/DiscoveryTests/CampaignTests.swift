import ChemistryCore
import Foundation
import Testing
@testable import Discovery

/// A campaign small enough for a unit test: Na–Al, fcc/bcc references, CsCl/rocksalt seeds,
/// one discovery round, Ecut 6 Ha and Γ-point-sized k-grids (numbers are meaningless; the test
/// checks the machinery: file layout, DFT bookkeeping, hull consistency and resume).
func tinyCampaignConfiguration() -> CampaignConfiguration {
    var c = CampaignConfiguration()
    c.name = "tiny"
    c.elements = ["Na", "Al"]
    c.prototypesDirectory = prototypesFolder()
    c.prototypes = ["CsCl", "rocksalt", "zincblende"]
    c.elementalPrototypes = ["fcc", "bcc"]
    c.maxAtoms = 2
    c.rounds = 1
    c.seed = 3
    c.seedRound.compounds = 2
    c.generation.partialSubstitution = false
    c.generation.randomStructures = 2
    c.generation.maxCandidates = 12
    c.filter.budget = 2
    c.filter.controlBudget = 1
    c.filter.thresholdEV = 10   // keep everything: the toy model is not the point here
    c.dft.ecut = 6
    c.dft.kSpacing = 1.2
    c.dft.maxKPoints = 2
    c.dft.relax = "none"
    c.dft.maxIterations = 40
    c.dft.threads = 2
    c.model.ensembleSize = 2
    c.model.features = 8
    c.model.interactions = 1
    c.model.radialFunctions = 8
    c.model.epochs = 15
    c.model.batchSize = 4
    return c
}

func prototypesFolder() -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("datasets/crystals/prototypes").path
}

func temporaryCampaignPath() -> String {
    (NSTemporaryDirectory() as NSString).appendingPathComponent("campaign-test-\(UUID().uuidString).h5")
}

@Suite("Campaign configuration")
struct CampaignConfigurationTests {
    @Test func defaultsAndOverrides() throws {
        let c = try CampaignConfiguration.parse(yaml: """
            name: x
            elements: [Na, Si]
            filter:
              budget: 5
            dft:
              ecut: 12.5
            """)
        #expect(c.name == "x")
        #expect(c.elements == ["Na", "Si"])
        #expect(c.filter.budget == 5)
        #expect(c.filter.controlBudget == CampaignConfiguration().filter.controlBudget)
        #expect(c.dft.ecut == 12.5)
        #expect(c.model == CampaignConfiguration().model)
        try c.validate()
        // Round trip through the YAML stored in campaign files.
        #expect(try CampaignConfiguration.parse(yaml: try c.yaml()) == c)
        #expect(try CampaignConfiguration.parse(yaml: "") == CampaignConfiguration())
    }

    @Test func clearErrors() throws {
        #expect(throws: CampaignError.self) { try CampaignConfiguration.parse(yaml: "filter:\n  budgt: 3\n") }
        #expect(throws: CampaignError.self) { try CampaignConfiguration.parse(yaml: "rounds: many\n") }
        #expect(throws: CampaignError.self) { try CampaignConfiguration.parse(yaml: "- a\n- b\n") }
        do {
            _ = try CampaignConfiguration.parse(yaml: "filter:\n  budgt: 3\n")
        } catch let e as CampaignError {
            #expect("\(e)".contains("unknown key 'filter.budgt'"))
        }
        var c = CampaignConfiguration()
        c.elements = ["Na", "Xx"]
        #expect(throws: CampaignError.self) { try c.validate() }
        c = CampaignConfiguration(); c.dft.relax = "cell"
        #expect(throws: CampaignError.self) { try c.validate() }
        c = CampaignConfiguration(); c.model.architecture = "mace"
        #expect(throws: CampaignError.self) { try c.validate() }
    }

    @Test func shippedDefaultCampaignValidates() throws {
        let path = URL(fileURLWithPath: prototypesFolder()).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("pipelines/default-campaign.yaml").path
        let c = try CampaignConfiguration.load(path: path)
        #expect(c.rounds == 3)
        let (compounds, elemental) = try CampaignCandidates.library(c)
        #expect(!compounds.isEmpty && !elemental.isEmpty)
    }

    /// n_i = ⌈2π|b_i| / spacing⌉: simple cubic a = 4 Å, spacing 0.5 Å⁻¹ → ⌈π/(4·0.5)·2/2⌉ = ⌈3.14⌉ = 4.
    @Test func kGridFromSpacing() throws {
        let s = Structure(name: "sc", atomicNumbers: [11], positions: [.zero],
                          lattice: [SIMD3(4, 0, 0), SIMD3(0, 4, 0), SIMD3(0, 0, 8)], pbc: [true, true, true])
        #expect(try kGrid(for: s, spacing: 0.5, maximum: 10) == SIMD3(4, 4, 2))
        #expect(try kGrid(for: s, spacing: 0.5, maximum: 3) == SIMD3(3, 3, 2))
    }
}

@Suite("Campaign end to end", .serialized)
struct CampaignEndToEndTests {
    @Test func tinyCampaignWithKillAndResume() throws {
        let path = temporaryCampaignPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let config = tinyCampaignConfiguration()

        // 1. Stop after 3 committed DFT results of the seed round (a simulated kill).
        let first = try Campaign(configuration: config, path: path, resume: false)
        first.stopAfterDFTResults = 3
        #expect(try first.run() == false)
        let afterKill = try CampaignStore.read(path: path)
        let seedJobs = afterKill.rounds[0].toVerify.count
        #expect(afterKill.rounds[0].dft.count == 3)
        #expect(afterKill.rounds[0].completed == .predict)
        #expect(seedJobs >= 6)   // 2 elements × 2 elemental prototypes + 2 compounds
        #expect(throws: CampaignError.self) { _ = try Campaign(configuration: config, path: path, resume: false) }

        // 2. Resume, stopping once round 1 has chosen its candidates.
        let second = try Campaign(configuration: config, path: path, resume: true)
        second.stopAfter = (1, .predict)
        #expect(try second.run() == false)
        #expect(second.dftCalls == seedJobs - 3)   // finished DFT is not recomputed
        #expect(first.dftCalls >= 3)

        // 3. Resume to the end.
        let third = try Campaign(configuration: config, path: path, resume: true)
        #expect(try third.run() == true)
        let state = try CampaignStore.read(path: path)
        #expect(third.dftCalls == state.rounds[1].toVerify.count)
        #expect(state.rounds.count == 2)
        #expect(state.rounds.allSatisfy { $0.completed == .train })

        // Every selected and control candidate has exactly one DFT record.
        for r in state.rounds {
            #expect(r.dft.map(\.candidate).sorted() == r.toVerify.map(\.candidate).sorted())
            #expect(Set(r.dft.map(\.candidate)).count == r.dft.count)
        }
        let r1 = state.rounds[1]
        #expect(r1.predictions.count == r1.candidates.count)
        #expect(!r1.selected.isEmpty && r1.selected.count <= 2 && r1.control.count <= 1)
        #expect(Set(r1.selected).isDisjoint(with: r1.control))
        for p in r1.predictions {
            #expect(p.energies.count == 2 && p.energies.allSatisfy { $0.count == 5 })
            #expect(p.energyPerAtom.isFinite && p.spread >= 0)
        }
        #expect(r1.metrics.verified + r1.metrics.controlVerified + r1.metrics.failed == r1.toVerify.count)
        #expect(r1.metrics.prospectiveMAE.isFinite || r1.dft.allSatisfy { !$0.isUsable })

        // File layout.
        for object in ["/rounds/0/candidates/atomic_numbers", "/rounds/0/candidates/positions", "/rounds/0/candidates/cell",
                       "/rounds/0/candidates/n_atoms", "/rounds/0/candidates/name", "/rounds/0/candidates/method",
                       "/rounds/0/candidates/parent", "/rounds/1/predictions/energy_per_atom", "/rounds/1/selected",
                       "/rounds/1/control", "/rounds/1/dft/energy", "/rounds/1/dft/status", "/rounds/1/dft/error",
                       "/rounds/1/dft/positions", "/rounds/1/metrics", "/hull/formula", "/hull/energy_per_atom",
                       "/hull/formation_energy_per_atom", "/hull/e_above_hull", "/hull/stable", "/hull/source_round",
                       "/models/0/model_file", "/models/1/model_file"] {
            #expect(CampaignStore.exists(object, in: path), "missing \(object)")
        }
        #expect(CampaignStore.isCampaignFile(path))
        #expect(try third.ensemble(round: 1).members.count == 2)
        let reloaded = try CampaignModels.load(bytes: state.models[0].fileBytes)
        #expect(reloaded.members.count == 2)

        // Hull consistency: /hull equals a phase diagram rebuilt from the DFT records (1e-12 eV/atom:
        // same numbers, same code path, only HDF5 round trip in between), every element has a reference.
        let rows = try CampaignStore.readHull(path: path)
        let usable = state.rounds.flatMap { $0.dft.filter(\.isUsable) }
        #expect(rows.count == usable.count)
        let diagram = try PhaseDiagram(entries: usable.map {
            PhaseEntry(name: $0.structure.name, composition: Composition(structure: $0.structure), energyPerAtom: $0.energyPerAtom)
        })
        for (j, row) in rows.enumerated() {
            #expect(abs(row.eAboveHull - diagram.energiesAboveHull[j]) < 1e-12)
            #expect(abs(row.formationEnergyPerAtom - diagram.formationEnergies[j]) < 1e-12)
            #expect(row.stable == (row.eAboveHull <= 1e-9))
            #expect(row.eAboveHull >= 0)
        }
        let elementalStable = rows.filter { $0.stable && (try? Composition(formula: $0.formula))?.isElemental == true }
        #expect(Set(elementalStable.map(\.formula)) == ["Al", "Na"])
        #expect(state.rounds.last!.metrics.hullSize == rows.filter(\.stable).count)
    }
}
