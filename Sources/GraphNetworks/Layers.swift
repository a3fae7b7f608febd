import ChemistryCore
import Foundation

/// Xavier/Glorot-uniform weights U(−a, a), a = √(6 / (fan_in + fan_out)), as SchNetPack's Dense.
func xavierUniform(inputs: Int, outputs: Int, rng: inout SplitMix64) -> [Double] {
    let a = (6.0 / Double(inputs + outputs)).squareRoot()
    return (0..<(inputs * outputs)).map { _ in (2 * rng.uniform() - 1) * a }
}

/// y = x · W + b with W stored row-major as [inputs, outputs]. Batched over rows with one GEMM.
public struct DenseLayer: Sendable {
    public let inputs: Int
    public let outputs: Int
    public let weightOffset: Int
    public let biasOffset: Int?

    public init(_ builder: inout ParameterBuilder, name: String, inputs: Int, outputs: Int,
                bias: Bool = true, rng: inout SplitMix64) {
        self.inputs = inputs
        self.outputs = outputs
        weightOffset = builder.add(name + ".weight", shape: [inputs, outputs],
                                   values: xavierUniform(inputs: inputs, outputs: outputs, rng: &rng))
        biasOffset = bias ? builder.add(name + ".bias", shape: [outputs], values: Array(repeating: 0, count: outputs)) : nil
    }

    public func forward<T>(_ x: Tensor<T>, _ p: ParameterStore<T>) -> Tensor<T> {
        precondition(x.columns == inputs)
        let y = x.sibling(rows: x.rows, columns: outputs, zeroed: false)
        if let bo = biasOffset {
            for r in 0..<x.rows { (y.data + r * outputs).update(from: p.values + bo, count: outputs) }
        }
        rowMajorGEMM(m: x.rows, n: outputs, k: inputs, a: x.data, lda: inputs,
                     b: p.values + weightOffset, ldb: outputs, beta: biasOffset == nil ? 0 : 1,
                     c: y.data, ldc: outputs)
        return y
    }

    /// Accumulates dL/dW (+= xᵀ·dy) and dL/db (+= Σ_rows dy, summed in Float64) when
    /// `parameters` is true, and returns dL/dx = dy · Wᵀ when `input` is true.
    @discardableResult
    public func backward<T>(_ x: Tensor<T>, _ dy: Tensor<T>, _ p: ParameterStore<T>,
                            parameters: Bool = true, input: Bool = true) -> Tensor<T>? {
        precondition(dy.columns == outputs && dy.rows == x.rows)
        if parameters {
            rowMajorGEMM(transposeA: true, m: inputs, n: outputs, k: x.rows, a: x.data, lda: inputs,
                         b: dy.data, ldb: outputs, beta: 1, c: p.gradients + weightOffset, ldc: outputs)
            if let bo = biasOffset { addColumnSums(dy, into: p.gradients + bo) }
        }
        guard input else { return nil }
        let dx = x.sibling(rows: x.rows, columns: inputs, zeroed: false)
        rowMajorGEMM(transposeB: true, m: x.rows, n: inputs, k: outputs, a: dy.data, lda: outputs,
                     b: p.values + weightOffset, ldb: outputs, c: dx.data, ldc: inputs)
        return dx
    }
}

/// target[c] += Σ_r t[r, c], accumulated in Float64.
func addColumnSums<T: NetworkScalar>(_ t: Tensor<T>, into target: UnsafeMutablePointer<T>) {
    let n = t.columns
    let acc = UnsafeMutablePointer<Double>.allocate(capacity: max(1, n))
    defer { acc.deallocate() }
    acc.initialize(repeating: 0, count: max(1, n))
    for r in 0..<t.rows {
        let row = t.data + r * n
        for c in 0..<n { acc[c] += Double(row[c]) }
    }
    for c in 0..<n { target[c] += T(acc[c]) }
}

/// Element-wise activations with their derivatives.
public enum Activation: String, Sendable, Codable {
    /// Shifted softplus ssp(x) = ln(0.5 eˣ + 0.5) = softplus(x) − ln 2; ssp′(x) = σ(x).
    case shiftedSoftplus
    /// Swish (SiLU) x·σ(x); derivative σ(x)(1 + x(1 − σ(x))).
    case swish
    case identity

    @inline(__always) static func sigmoid<T: NetworkScalar>(_ x: T) -> T {
        x >= 0 ? 1 / (1 + T.exponential(-x)) : { let e = T.exponential(x); return e / (1 + e) }()
    }

    @inline(__always) public func value<T: NetworkScalar>(_ x: T) -> T {
        switch self {
        case .shiftedSoftplus:
            // max(x, 0) + log1p(e^{−|x|}) − ln 2, stable for large |x|.
            return max(x, 0) + T.logOnePlus(T.exponential(-abs(x))) - T(0.693_147_180_559_945_3)
        case .swish: return x * Activation.sigmoid(x)
        case .identity: return x
        }
    }

    @inline(__always) public func derivative<T: NetworkScalar>(_ x: T) -> T {
        switch self {
        case .shiftedSoftplus: return Activation.sigmoid(x)
        case .swish:
            let s = Activation.sigmoid(x)
            return s * (1 + x * (1 - s))
        case .identity: return 1
        }
    }

    /// y = f(x) and f′(x), both kept: the backward pass needs only the derivative, so the
    /// pre-activation can be dropped and no exponential is recomputed.
    public func forward<T>(_ x: Tensor<T>) -> (value: Tensor<T>, derivative: Tensor<T>) {
        let n = x.count
        let y = x.sibling(rows: x.rows, columns: x.columns, zeroed: false)
        let d = x.sibling(rows: x.rows, columns: x.columns, zeroed: false)
        switch self {
        case .shiftedSoftplus:
            T.shiftedSoftplusAndSigmoid(x.data, ssp: y.data, sigmoid: d.data, count: n)
        case .swish:
            T.shiftedSoftplusAndSigmoid(x.data, ssp: y.data, sigmoid: d.data, count: n)
            for i in 0..<n {
                let v = x.data[i], s = d.data[i]
                y.data[i] = v * s
                d.data[i] = s * (1 + v * (1 - s))
            }
        case .identity:
            y.data.update(from: x.data, count: n)
            d.data.update(repeating: 1, count: n)
        }
        return (y, d)
    }

    /// dL/dx = dL/dy ⊙ f′(x), written over `dy` (which the caller no longer needs).
    @discardableResult
    public static func backward<T>(derivative: Tensor<T>, _ dy: Tensor<T>) -> Tensor<T> {
        precondition(derivative.count == dy.count)
        for i in 0..<dy.count { dy.data[i] *= derivative.data[i] }
        return dy
    }
}

/// Gaussian radial basis g_k(d) = exp(−(d − μ_k)² / (2σ_k²)). SchNetPack's default:
/// centres μ = linspace(start, stop, n) and every width σ = the spacing (`GaussianBasis.schnet`);
/// GNoME's: 30 centres 0.05–4 Å with σ = 0.5 (`GaussianBasis.gnome`).
public struct GaussianBasis: Sendable, Codable, Equatable {
    public let centers: [Double]
    public let width: Double

    public init(centers: [Double], width: Double) {
        precondition(width > 0)
        self.centers = centers
        self.width = width
    }

    public init(start: Double, stop: Double, count: Int, width: Double? = nil) {
        precondition(count >= 2 || width != nil, "one Gaussian needs an explicit width")
        let step = count > 1 ? (stop - start) / Double(count - 1) : 0
        self.init(centers: (0..<count).map { start + Double($0) * step }, width: width ?? abs(step))
    }

    public static func schnet(cutoff: Double, count: Int) -> GaussianBasis {
        GaussianBasis(start: 0, stop: cutoff, count: count)
    }

    public var count: Int { centers.count }

    /// Expands distances into an (edges × count) tensor; `derivative` receives dg/dd if given.
    public func expand<T: NetworkScalar>(_ d: [Double], derivative: Tensor<T>? = nil, pool: TensorPool? = nil) -> Tensor<T> {
        let k = centers.count
        let g = Tensor<T>(rows: d.count, columns: k, pool: pool, zeroed: false)
        let gamma = 0.5 / (width * width)
        for e in 0..<d.count {
            for c in 0..<k {
                let x = d[e] - centers[c]
                let v = Foundation.exp(-gamma * x * x)
                g.data[e * k + c] = T(v)
                if let der = derivative { der.data[e * k + c] = T(-2 * gamma * x * v) }
            }
        }
        return g
    }
}

/// Cosine cutoff f(d) = ½(cos(π d / rc) + 1) for d < rc, 0 beyond.
public struct CosineCutoff: Sendable, Codable, Equatable {
    public let cutoff: Double
    public init(cutoff: Double) { self.cutoff = cutoff }

    @inline(__always) public func value(_ d: Double) -> Double {
        d < cutoff ? 0.5 * (Foundation.cos(Double.pi * d / cutoff) + 1) : 0
    }

    @inline(__always) public func derivative(_ d: Double) -> Double {
        d < cutoff ? -0.5 * Double.pi / cutoff * Foundation.sin(Double.pi * d / cutoff) : 0
    }
}

/// Element embedding: a learned row of `features` values per atomic number 0…maxZ.
/// Initialised N(0, 1) like `torch.nn.Embedding`.
public struct EmbeddingLayer: Sendable {
    public let maxZ: Int
    public let features: Int
    public let offset: Int

    public init(_ builder: inout ParameterBuilder, name: String, maxZ: Int, features: Int, rng: inout SplitMix64) {
        self.maxZ = maxZ
        self.features = features
        offset = builder.add(name + ".weight", shape: [maxZ + 1, features],
                             values: (0..<((maxZ + 1) * features)).map { _ in rng.normal() })
    }

    public func forward<T>(_ z: [Int], _ p: ParameterStore<T>, pool: TensorPool? = nil) -> Tensor<T> {
        let x = Tensor<T>(rows: z.count, columns: features, pool: pool, zeroed: false)
        for (i, zi) in z.enumerated() {
            precondition(zi >= 0 && zi <= maxZ, "atomic number \(zi) outside the embedding table")
            x.row(i).update(from: p.values + offset + zi * features, count: features)
        }
        return x
    }

    /// Scatter-adds dL/dx into the rows of the table (Float64 sums per element).
    public func backward<T>(_ z: [Int], _ dx: Tensor<T>, _ p: ParameterStore<T>) {
        var acc: [Int: [Double]] = [:]
        for (i, zi) in z.enumerated() {
            var row = acc[zi] ?? Array(repeating: 0, count: features)
            for f in 0..<features { row[f] += Double(dx.data[i * features + f]) }
            acc[zi] = row
        }
        for (zi, row) in acc {
            let g = p.gradients + offset + zi * features
            for f in 0..<features { g[f] += T(row[f]) }
        }
    }
}
