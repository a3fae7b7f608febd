import ChemistryCore
import Foundation
import Yams

/// Everything a discovery campaign needs to know, read from a YAML file (pipelines/*.yaml).
/// Every key is optional and falls back to the default below; unknown keys are errors (so a typo
/// is not silently ignored). `validate()` checks ranges and names with one clear message each.
public struct CampaignConfiguration: Codable, Sendable, Equatable {
    /// Campaign name (written into the campaign file).
    public var name = "campaign"
    /// The chemical system, element symbols (every one needs a GTH pseudopotential).
    public var elements: [String] = ["Na", "Mg", "Al", "Si"]
    /// Folder of `.prototype` files; relative paths are resolved against the working directory,
    /// then against the folder of the configuration file and its parents.
    public var prototypesDirectory = "datasets/crystals/prototypes"
    /// Prototypes used for compounds (decoration and as substitution parents); empty = all that fit `maxAtoms`.
    public var prototypes: [String] = []
    /// Prototypes used for the pure elements (elemental references).
    public var elementalPrototypes: [String] = ["fcc", "bcc", "hcp", "diamond"]
    /// Largest cell (atoms) that is ever computed.
    public var maxAtoms = 6
    /// Discovery rounds after the seed round.
    public var rounds = 3
    /// Master seed for every random choice of the campaign.
    public var seed: UInt64 = 1

    public var seedRound = SeedRound()
    public var generation = Generation()
    public var filter = Filter()
    public var dft = DFT()
    public var model = Model()

    /// Round 0: elemental references and a random sample of decorated prototypes.
    public struct SeedRound: Codable, Sendable, Equatable {
        /// Number of seed compounds (decorated prototypes, drawn at random).
        public var compounds = 24
        public init() {}
    }

    /// Candidate generation in each discovery round.
    public struct Generation: Codable, Sendable, Equatable {
        /// Decorations of the prototypes with the system's elements.
        public var prototypeDecoration = true
        /// Full substitution into every computed structure with p(A→B) ≥ this.
        public var substitutionThreshold = 0.05
        /// Symmetry-aware partial substitution of computed structures (one Wyckoff orbit, up to `partialMaxReplaced` atoms).
        public var partialSubstitution = true
        public var partialMaxReplaced = 1
        /// AIRSS-style random crystals per round (compositions drawn from the candidates', ≤ `maxAtoms`).
        public var randomStructures = 8
        /// Candidates kept per round after deduplication (a deterministic random sample beyond that).
        public var maxCandidates = 300
        /// Structure-matcher tolerance (fingerprint distance).
        public var matcherTolerance = 0.05
        public init() {}
    }

    /// The model filter.
    public struct Filter: Codable, Sendable, Equatable {
        /// Keep candidates whose predicted decomposition energy is at most this (eV/atom).
        public var thresholdEV = 0.05
        /// Test-time augmentation: isotropic volume factors V/V_est (lengths × f^(1/3)); the minimum prediction is kept.
        public var volumeScalings: [Double] = [0.8, 0.9, 1.0, 1.1, 1.2]
        /// DFT budget of the model-selected candidates per round.
        public var budget = 8
        /// When fewer candidates than `budget` pass the threshold, fill the budget with the next
        /// lowest predicted decomposition energies. GNoME's filter at scale always has more than
        /// enough candidates below its threshold; a campaign of a few hundred candidates and an
        /// ensemble trained on a few dozen structures often has none, and then selects nothing
        /// and measures nothing. Off: the threshold is strict.
        public var fillBudget = false
        /// DFT budget of the random-selection control per round.
        public var controlBudget = 3
        public init() {}
    }

    /// Plane-wave DFT settings for verification.
    public struct DFT: Codable, Sendable, Equatable {
        public var xc = "pbe"
        /// Kinetic-energy cutoff, hartree.
        public var ecut = 14.0
        /// k-point spacing, Å⁻¹ (VASP KSPACING: n_i = max(1, ⌈2π|b_i| / spacing⌉), b_i without 2π).
        public var kSpacing = 0.5
        /// Cap on the k-points along each axis.
        public var maxKPoints = 6
        /// Fermi-Dirac smearing, hartree (metals and odd electron counts need it).
        public var smearing = 0.01
        public var maxIterations = 60
        /// SCF energy tolerance, hartree.
        public var energyTolerance = 1e-6
        public var densityTolerance = 1e-4
        /// "volume": Birch-Murnaghan volume relaxation (PlaneWaveDFT.relaxVolume); "none": one SCF at the model's best volume.
        public var relax = "volume"
        public var eosPoints = 5
        /// Relative half-width of the volume scan.
        public var eosRange = 0.1
        public var maxRecentering = 2
        /// Parallel DFT calculations.
        public var threads = 2
        public init() {}
    }

    /// The ensemble of graph networks.
    public struct Model: Codable, Sendable, Equatable {
        /// "schnet" or "gnome".
        public var architecture = "schnet"
        public var ensembleSize = 4
        public var features = 32
        public var interactions = 2
        public var radialFunctions = 20
        /// Neighbour cutoff, Å.
        public var cutoff = 5.0
        public var epochs = 200
        public var batchSize = 8
        public var learningRate = 3e-3
        public var validationPercent = 10
        /// "scratch" (new networks every round) or "finetune" (continue the previous round's).
        public var retrain = "scratch"
        public init() {}
    }

    public init() {}

    // MARK: YAML

    /// Parses YAML text (missing keys take defaults; unknown keys are errors).
    public static func parse(yaml text: String, source: String = "<config>") throws -> CampaignConfiguration {
        let node: Any?
        do { node = try Yams.load(yaml: text) } catch {
            throw CampaignError.invalidConfiguration("\(source): not valid YAML: \(error)")
        }
        if node == nil { return CampaignConfiguration() }
        guard let root = node as? [String: Any] else {
            throw CampaignError.invalidConfiguration("\(source): the top level must be a mapping of keys to values")
        }
        try checkKeys(root, allowed: CodingKeys.allCases.map(\.rawValue), path: "", source: source)
        for (section, keys) in sectionKeys {
            if let value = root[section] {
                guard let map = value as? [String: Any] else {
                    throw CampaignError.invalidConfiguration("\(source): '\(section)' must be a mapping")
                }
                try checkKeys(map, allowed: keys, path: section + ".", source: source)
            }
        }
        do {
            return try YAMLDecoder().decode(CampaignConfiguration.self, from: text)
        } catch let DecodingError.typeMismatch(type, context), let DecodingError.valueNotFound(type, context) {
            let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            throw CampaignError.invalidConfiguration("\(source): '\(path)' should be \(type)")
        } catch {
            throw CampaignError.invalidConfiguration("\(source): \(error)")
        }
    }

    /// Reads and validates a configuration file.
    public static func load(path: String) throws -> CampaignConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CampaignError.invalidConfiguration("cannot read the campaign configuration '\(path)'")
        }
        var c = try parse(yaml: String(decoding: data, as: UTF8.self), source: path)
        c.configurationDirectory = (path as NSString).deletingLastPathComponent
        try c.validate()
        return c
    }

    /// Folder of the configuration file (for resolving `prototypesDirectory`); not serialised.
    public var configurationDirectory: String? = nil

    /// YAML text of this configuration (stored in the campaign file).
    public func yaml() throws -> String { try YAMLEncoder().encode(self) }

    private static let sectionKeys: [String: [String]] = [
        "seed_round": SeedRound.CodingKeys.allCases.map(\.rawValue),
        "generation": Generation.CodingKeys.allCases.map(\.rawValue),
        "filter": Filter.CodingKeys.allCases.map(\.rawValue),
        "dft": DFT.CodingKeys.allCases.map(\.rawValue),
        "model": Model.CodingKeys.allCases.map(\.rawValue),
    ]

    private static func checkKeys(_ map: [String: Any], allowed: [String], path: String, source: String) throws {
        for key in map.keys.sorted() where !allowed.contains(key) {
            throw CampaignError.invalidConfiguration("\(source): unknown key '\(path)\(key)' (allowed: \(allowed.joined(separator: ", ")))")
        }
    }

    // MARK: Validation

    /// Atomic numbers of `elements`, ascending.
    public func atomicNumbers() throws -> [Int] {
        try elements.map { symbol in
            guard let z = Elements.atomicNumber(symbol), z > 0 else {
                throw CampaignError.invalidConfiguration("elements: '\(symbol)' is not an element symbol")
            }
            return z
        }.sorted()
    }

    /// The prototype folder, resolved (see `prototypesDirectory`).
    public func resolvedPrototypesDirectory() -> String {
        let fm = FileManager.default
        if prototypesDirectory.hasPrefix("/") || fm.fileExists(atPath: prototypesDirectory) { return prototypesDirectory }
        var dir = configurationDirectory.map { URL(fileURLWithPath: $0).standardizedFileURL }
        while let d = dir, d.path != "/" {
            let candidate = d.appendingPathComponent(prototypesDirectory).path
            if fm.fileExists(atPath: candidate) { return candidate }
            dir = d.deletingLastPathComponent()
        }
        return prototypesDirectory
    }

    public func validate() throws {
        func fail(_ why: String) -> CampaignError { .invalidConfiguration(why) }
        let zs = try atomicNumbers()
        guard !zs.isEmpty else { throw fail("elements: at least one element is needed") }
        guard Set(zs).count == zs.count else { throw fail("elements: an element is listed twice") }
        guard !elementalPrototypes.isEmpty else { throw fail("elemental_prototypes: at least one is needed for the elemental references") }
        guard maxAtoms >= 1 else { throw fail("max_atoms must be at least 1") }
        guard rounds >= 0 else { throw fail("rounds must be non-negative") }
        guard seedRound.compounds >= 0 else { throw fail("seed_round.compounds must be non-negative") }
        guard generation.substitutionThreshold >= 0, generation.substitutionThreshold <= 1 else {
            throw fail("generation.substitution_threshold must be in [0, 1]")
        }
        guard generation.partialMaxReplaced >= 1 else { throw fail("generation.partial_max_replaced must be at least 1") }
        guard generation.randomStructures >= 0 else { throw fail("generation.random_structures must be non-negative") }
        guard generation.maxCandidates >= 1 else { throw fail("generation.max_candidates must be at least 1") }
        guard generation.matcherTolerance > 0 else { throw fail("generation.matcher_tolerance must be positive") }
        guard filter.thresholdEV.isFinite else { throw fail("filter.threshold_ev must be a number (eV/atom)") }
        guard !filter.volumeScalings.isEmpty, filter.volumeScalings.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw fail("filter.volume_scalings must be a non-empty list of positive factors")
        }
        guard filter.budget >= 1 else { throw fail("filter.budget must be at least 1") }
        guard filter.controlBudget >= 0 else { throw fail("filter.control_budget must be non-negative") }
        guard ["pbe", "lda"].contains(dft.xc.lowercased()) else { throw fail("dft.xc must be 'pbe' or 'lda'") }
        guard dft.ecut > 0 else { throw fail("dft.ecut must be positive (hartree)") }
        guard dft.kSpacing > 0 else { throw fail("dft.k_spacing must be positive (1/Å)") }
        guard dft.maxKPoints >= 1 else { throw fail("dft.max_k_points must be at least 1") }
        guard dft.smearing > 0 else { throw fail("dft.smearing must be positive (hartree)") }
        guard dft.maxIterations >= 1 else { throw fail("dft.max_iterations must be at least 1") }
        guard ["volume", "none"].contains(dft.relax) else { throw fail("dft.relax must be 'volume' or 'none'") }
        guard dft.eosPoints >= 4 else { throw fail("dft.eos_points must be at least 4 (a Birch-Murnaghan fit has 4 parameters)") }
        guard dft.eosRange > 0, dft.eosRange < 0.5 else { throw fail("dft.eos_range must be in (0, 0.5)") }
        guard dft.maxRecentering >= 0 else { throw fail("dft.max_recentering must be non-negative") }
        guard dft.threads >= 1 else { throw fail("dft.threads must be at least 1") }
        guard ["schnet", "gnome"].contains(model.architecture) else { throw fail("model.architecture must be 'schnet' or 'gnome'") }
        guard model.ensembleSize >= 1 else { throw fail("model.ensemble_size must be at least 1") }
        guard model.features >= 1, model.interactions >= 1, model.radialFunctions >= 1 else {
            throw fail("model.features, interactions and radial_functions must be positive")
        }
        guard model.cutoff > 0 else { throw fail("model.cutoff must be positive (Å)") }
        guard model.epochs >= 1, model.batchSize >= 1, model.learningRate > 0 else {
            throw fail("model.epochs, batch_size and learning_rate must be positive")
        }
        guard (0..<100).contains(model.validationPercent) else { throw fail("model.validation_percent must be in 0…99") }
        guard ["scratch", "finetune"].contains(model.retrain) else { throw fail("model.retrain must be 'scratch' or 'finetune'") }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, elements, prototypesDirectory = "prototypes_directory", prototypes
        case elementalPrototypes = "elemental_prototypes", maxAtoms = "max_atoms", rounds, seed
        case seedRound = "seed_round", generation, filter, dft, model
    }
}
