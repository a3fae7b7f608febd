import ChemistryCore

/// Where one named parameter tensor lives in a `ParameterStore`'s flat buffer.
public struct ParameterInfo: Sendable, Equatable {
    public let name: String
    /// Row-major shape, e.g. [inputs, outputs] for a Dense weight.
    public let shape: [Int]
    public let offset: Int
    public var count: Int { shape.reduce(1, *) }
}

/// Collects named parameters and their initial values while a model is being constructed.
public struct ParameterBuilder {
    public private(set) var infos: [ParameterInfo] = []
    public private(set) var initial: [Double] = []

    public init() {}

    /// Registers a tensor and returns its offset in the flat buffer.
    public mutating func add(_ name: String, shape: [Int], values: [Double]) -> Int {
        precondition(values.count == shape.reduce(1, *), "parameter \(name): wrong number of values")
        precondition(!infos.contains { $0.name == name }, "parameter \(name) registered twice")
        let offset = initial.count
        infos.append(ParameterInfo(name: name, shape: shape, offset: offset))
        initial += values
        return offset
    }
}

/// All trainable parameters of a model in one contiguous buffer, with a gradient buffer of the
/// same layout. One flat buffer keeps the optimiser a single loop and makes serialisation a
/// list of (name, shape, slice).
public final class ParameterStore<T: NetworkScalar> {
    public let infos: [ParameterInfo]
    public let count: Int
    public let values: UnsafeMutablePointer<T>
    public let gradients: UnsafeMutablePointer<T>

    public init(_ builder: ParameterBuilder) {
        infos = builder.infos
        count = builder.initial.count
        values = .allocate(capacity: max(1, count))
        gradients = .allocate(capacity: max(1, count))
        values.initialize(repeating: 0, count: max(1, count))
        gradients.initialize(repeating: 0, count: max(1, count))
        for i in 0..<count { values[i] = T(builder.initial[i]) }
    }

    deinit { values.deallocate(); gradients.deallocate() }

    public func zeroGradients() { gradients.update(repeating: 0, count: max(1, count)) }

    public var flatValues: [T] {
        get { Array(UnsafeBufferPointer(start: values, count: count)) }
        set {
            precondition(newValue.count == count)
            for i in 0..<count { values[i] = newValue[i] }
        }
    }

    public var flatGradients: [T] { Array(UnsafeBufferPointer(start: gradients, count: count)) }

    public func info(named name: String) -> ParameterInfo? { infos.first { $0.name == name } }

    /// The parameters as (name, shape, values) in registration order.
    public func named() -> [(name: String, shape: [Int], values: [T])] {
        infos.map { ($0.name, $0.shape, Array(UnsafeBufferPointer(start: values + $0.offset, count: $0.count))) }
    }

    /// Overwrites parameters by name. Every registered tensor must be present with its shape.
    public func load(_ named: [String: (shape: [Int], values: [T])]) throws {
        for info in infos {
            guard let entry = named[info.name] else { throw GraphNetworkError.missingParameter(info.name) }
            guard entry.shape == info.shape, entry.values.count == info.count else {
                throw GraphNetworkError.parameterShape(info.name, expected: info.shape, found: entry.shape)
            }
            for k in 0..<info.count { values[info.offset + k] = entry.values[k] }
        }
    }
}

/// Errors from the graph-network module: bad inputs are reported, never trapped on.
public enum GraphNetworkError: Error, CustomStringConvertible, Equatable {
    case missingParameter(String)
    case parameterShape(String, expected: [Int], found: [Int])
    case unknownElement(Int)
    case emptyDataset
    case emptyStructure(String)
    case invalidHyperparameter(String)
    case invalidStructure(String)
    case io(String)

    public var description: String {
        switch self {
        case .missingParameter(let n): return "model file has no parameter '\(n)'"
        case let .parameterShape(n, e, f): return "parameter '\(n)' has shape \(f), expected \(e)"
        case .unknownElement(let z): return "element \(z) (\(Elements.symbol(z))) was not in the model's training set"
        case .emptyDataset: return "the dataset is empty"
        case .emptyStructure(let n): return "structure '\(n)' has no atoms"
        case .invalidHyperparameter(let s): return "invalid hyperparameter: \(s)"
        case .invalidStructure(let s): return "invalid structure: \(s)"
        case .io(let s): return s
        }
    }
}
