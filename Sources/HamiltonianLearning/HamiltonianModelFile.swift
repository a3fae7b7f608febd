/// A model as plain values: configuration plus parameters by name (row-major values), for
/// JSON or HDF5 storage (one dataset per name, shapes in `shapes`).
public struct HamiltonianModelParameters: Codable, Sendable, Equatable {
    public var configuration: HamiltonianModelConfiguration
    public var parameters: [String: [Double]]
    public var shapes: [String: [Int]]

    public init(configuration: HamiltonianModelConfiguration, parameters: [String: [Double]], shapes: [String: [Int]]) {
        self.configuration = configuration
        self.parameters = parameters
        self.shapes = shapes
    }
}

extension HamiltonianModel {
    /// The model's configuration and parameters as values.
    public var serialized: HamiltonianModelParameters {
        HamiltonianModelParameters(configuration: configuration, parameters: namedParameters, shapes: parameterShapes)
    }

    /// Rebuilds a model; throws if a tensor is missing or has the wrong size or shape.
    public convenience init(_ stored: HamiltonianModelParameters) throws {
        try self.init(configuration: stored.configuration)
        for (name, shape) in parameterShapes where stored.shapes[name].map({ $0 != shape }) ?? false {
            throw HamiltonianLearningError.parameters("'\(name)' has shape \(stored.shapes[name]!), expected \(shape)")
        }
        try load(namedParameters: stored.parameters)
    }
}
