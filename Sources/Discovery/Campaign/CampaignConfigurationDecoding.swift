import Foundation

// Decoding with defaults: every key is optional (`decodeIfPresent ?? default`). YAML keys are
// snake_case; unknown keys are rejected before decoding (CampaignConfiguration.parse).

extension KeyedDecodingContainer {
    func value<T: Decodable>(_ key: Key, _ fallback: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback
    }
}

extension CampaignConfiguration {
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = CampaignConfiguration()
        name = try c.value(.name, d.name)
        elements = try c.value(.elements, d.elements)
        prototypesDirectory = try c.value(.prototypesDirectory, d.prototypesDirectory)
        prototypes = try c.value(.prototypes, d.prototypes)
        elementalPrototypes = try c.value(.elementalPrototypes, d.elementalPrototypes)
        maxAtoms = try c.value(.maxAtoms, d.maxAtoms)
        rounds = try c.value(.rounds, d.rounds)
        seed = try c.value(.seed, d.seed)
        seedRound = try c.value(.seedRound, d.seedRound)
        generation = try c.value(.generation, d.generation)
        filter = try c.value(.filter, d.filter)
        dft = try c.value(.dft, d.dft)
        model = try c.value(.model, d.model)
    }
}

extension CampaignConfiguration.SeedRound {
    enum CodingKeys: String, CodingKey, CaseIterable { case compounds }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        compounds = try c.value(.compounds, compounds)
    }
}

extension CampaignConfiguration.Generation {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case prototypeDecoration = "prototype_decoration", substitutionThreshold = "substitution_threshold"
        case partialSubstitution = "partial_substitution", partialMaxReplaced = "partial_max_replaced"
        case randomStructures = "random_structures", maxCandidates = "max_candidates", matcherTolerance = "matcher_tolerance"
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        prototypeDecoration = try c.value(.prototypeDecoration, prototypeDecoration)
        substitutionThreshold = try c.value(.substitutionThreshold, substitutionThreshold)
        partialSubstitution = try c.value(.partialSubstitution, partialSubstitution)
        partialMaxReplaced = try c.value(.partialMaxReplaced, partialMaxReplaced)
        randomStructures = try c.value(.randomStructures, randomStructures)
        maxCandidates = try c.value(.maxCandidates, maxCandidates)
        matcherTolerance = try c.value(.matcherTolerance, matcherTolerance)
    }
}

extension CampaignConfiguration.Filter {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case thresholdEV = "threshold_ev", volumeScalings = "volume_scalings", budget, controlBudget = "control_budget"
        case fillBudget = "fill_budget"
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        thresholdEV = try c.value(.thresholdEV, thresholdEV)
        volumeScalings = try c.value(.volumeScalings, volumeScalings)
        budget = try c.value(.budget, budget)
        controlBudget = try c.value(.controlBudget, controlBudget)
        fillBudget = try c.value(.fillBudget, fillBudget)
    }
}

extension CampaignConfiguration.DFT {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case xc, ecut, kSpacing = "k_spacing", maxKPoints = "max_k_points", smearing, maxIterations = "max_iterations"
        case energyTolerance = "energy_tolerance", densityTolerance = "density_tolerance", relax
        case eosPoints = "eos_points", eosRange = "eos_range", maxRecentering = "max_recentering", threads
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        xc = try c.value(.xc, xc)
        ecut = try c.value(.ecut, ecut)
        kSpacing = try c.value(.kSpacing, kSpacing)
        maxKPoints = try c.value(.maxKPoints, maxKPoints)
        smearing = try c.value(.smearing, smearing)
        maxIterations = try c.value(.maxIterations, maxIterations)
        energyTolerance = try c.value(.energyTolerance, energyTolerance)
        densityTolerance = try c.value(.densityTolerance, densityTolerance)
        relax = try c.value(.relax, relax)
        eosPoints = try c.value(.eosPoints, eosPoints)
        eosRange = try c.value(.eosRange, eosRange)
        maxRecentering = try c.value(.maxRecentering, maxRecentering)
        threads = try c.value(.threads, threads)
    }
}

extension CampaignConfiguration.Model {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case architecture, ensembleSize = "ensemble_size", features, interactions, radialFunctions = "radial_functions"
        case cutoff, epochs, batchSize = "batch_size", learningRate = "learning_rate"
        case validationPercent = "validation_percent", retrain
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        architecture = try c.value(.architecture, architecture)
        ensembleSize = try c.value(.ensembleSize, ensembleSize)
        features = try c.value(.features, features)
        interactions = try c.value(.interactions, interactions)
        radialFunctions = try c.value(.radialFunctions, radialFunctions)
        cutoff = try c.value(.cutoff, cutoff)
        epochs = try c.value(.epochs, epochs)
        batchSize = try c.value(.batchSize, batchSize)
        learningRate = try c.value(.learningRate, learningRate)
        validationPercent = try c.value(.validationPercent, validationPercent)
        retrain = try c.value(.retrain, retrain)
    }
}
