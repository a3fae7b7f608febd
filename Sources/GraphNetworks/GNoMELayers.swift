import ChemistryCore

/// A Dense layer on a concatenation [x₁, x₂, …, x_P] of P inputs: y = Σ_p x_p · W_p + b.
/// The weight is one [Σ n_p, outputs] tensor (exactly a Dense on the concatenated vector, as in
/// jraph/GNoME); W_p is its row block p, contiguous in row-major storage. Keeping the parts
/// apart lets per-node inputs be projected once per node and then gathered per edge, instead
/// of copying node features onto every edge (Battaglia et al. 2018, "graph networks").
public struct ConcatenatedDenseLayer: Sendable {
    public let parts: [Int]
    public let outputs: Int
    public let weightOffset: Int
    public let biasOffset: Int
    /// First weight row of each part.
    let rowStart: [Int]

    public init(_ builder: inout ParameterBuilder, name: String, parts: [Int], outputs: Int, rng: inout SplitMix64) {
        precondition(!parts.isEmpty && parts.allSatisfy { $0 > 0 })
        self.parts = parts
        self.outputs = outputs
        var start: [Int] = [], s = 0
        for n in parts { start.append(s); s += n }
        rowStart = start
        weightOffset = builder.add(name + ".weight", shape: [s, outputs],
                                   values: xavierUniform(inputs: s, outputs: outputs, rng: &rng))
        biasOffset = builder.add(name + ".bias", shape: [outputs], values: Array(repeating: 0, count: outputs))
    }

    public var inputs: Int { parts.reduce(0, +) }

    /// x_p · W_p (no bias), or `into` ← x_p · W_p + `into` when given (returned).
    @discardableResult
    public func project<T>(_ x: Tensor<T>, part k: Int, _ p: ParameterStore<T>, into y: Tensor<T>? = nil) -> Tensor<T> {
        precondition(x.columns == parts[k])
        let out = y ?? x.sibling(rows: x.rows, columns: outputs, zeroed: false)
        precondition(out.rows == x.rows && out.columns == outputs)
        rowMajorGEMM(m: x.rows, n: outputs, k: parts[k], a: x.data, lda: parts[k],
                     b: p.values + weightOffset + rowStart[k] * outputs, ldb: outputs,
                     beta: y == nil ? 0 : 1, c: out.data, ldc: outputs)
        return out
    }

    /// y += b on every row.
    public func addBias<T>(_ y: Tensor<T>, _ p: ParameterStore<T>) {
        for r in 0..<y.rows {
            let row = y.row(r)
            for c in 0..<outputs { row[c] += p.values[biasOffset + c] }
        }
    }

    /// dL/db += Σ_rows dy (Float64).
    public func biasBackward<T>(_ dy: Tensor<T>, _ p: ParameterStore<T>) {
        addColumnSums(dy, into: p.gradients + biasOffset)
    }

    /// dL/dW_p += x_pᵀ · dy when `parameters`; returns dL/dx_p = dy · W_pᵀ when `input`.
    @discardableResult
    public func backward<T>(part k: Int, _ x: Tensor<T>, _ dy: Tensor<T>, _ p: ParameterStore<T>,
                            parameters: Bool = true, input: Bool = true) -> Tensor<T>? {
        precondition(x.columns == parts[k] && dy.columns == outputs && dy.rows == x.rows)
        let w = weightOffset + rowStart[k] * outputs
        if parameters {
            rowMajorGEMM(transposeA: true, m: parts[k], n: outputs, k: x.rows, a: x.data, lda: parts[k],
                         b: dy.data, ldb: outputs, beta: 1, c: p.gradients + w, ldc: outputs)
        }
        guard input else { return nil }
        let dx = x.sibling(rows: x.rows, columns: parts[k], zeroed: false)
        rowMajorGEMM(transposeB: true, m: x.rows, n: parts[k], k: outputs, a: dy.data, lda: outputs,
                     b: p.values + w, ldb: outputs, c: dx.data, ldc: parts[k])
        return dx
    }
}

/// One-hot element input followed by a Dense layer: x_i = onehot(Z_i) · W + b = W[Z_i − 1] + b,
/// W of shape [maxZ, outputs] (rows Z = 1…maxZ), Xavier-uniform, b zero. GNoME's node input.
public struct OneHotDenseLayer: Sendable {
    public let maxZ: Int
    public let outputs: Int
    public let weightOffset: Int
    public let biasOffset: Int

    public init(_ builder: inout ParameterBuilder, name: String, maxZ: Int, outputs: Int, rng: inout SplitMix64) {
        self.maxZ = maxZ
        self.outputs = outputs
        weightOffset = builder.add(name + ".weight", shape: [maxZ, outputs],
                                   values: xavierUniform(inputs: maxZ, outputs: outputs, rng: &rng))
        biasOffset = builder.add(name + ".bias", shape: [outputs], values: Array(repeating: 0, count: outputs))
    }

    public func forward<T>(_ z: [Int], _ p: ParameterStore<T>, pool: TensorPool? = nil) -> Tensor<T> {
        let x = Tensor<T>(rows: z.count, columns: outputs, pool: pool, zeroed: false)
        for (i, zi) in z.enumerated() {
            precondition(zi >= 1 && zi <= maxZ, "atomic number \(zi) outside the one-hot range")
            let w = p.values + weightOffset + (zi - 1) * outputs, b = p.values + biasOffset, row = x.row(i)
            for c in 0..<outputs { row[c] = w[c] + b[c] }
        }
        return x
    }

    /// Scatter-adds dL/dx into the rows W[Z − 1] and the bias (Float64 sums).
    public func backward<T>(_ z: [Int], _ dx: Tensor<T>, _ p: ParameterStore<T>) {
        var rows: [Int: [Double]] = [:]
        var bias = [Double](repeating: 0, count: outputs)
        for (i, zi) in z.enumerated() {
            var acc = rows[zi] ?? Array(repeating: 0, count: outputs)
            let g = dx.row(i)
            for c in 0..<outputs { acc[c] += Double(g[c]); bias[c] += Double(g[c]) }
            rows[zi] = acc
        }
        for (zi, acc) in rows {
            let g = p.gradients + weightOffset + (zi - 1) * outputs
            for c in 0..<outputs { g[c] += T(acc[c]) }
        }
        for c in 0..<outputs { p.gradients[biasOffset + c] += T(bias[c]) }
    }
}

/// Row sums over groups: out[group[r]] += x[r] for every row r, summed in Float64
/// (segment sums over a centre's edges, scatter over neighbours, per-structure sums).
func groupSums<T: NetworkScalar>(_ x: Tensor<T>, groups: [Int], count: Int, scale: Double = 1,
                                 pool: TensorPool? = nil) -> Tensor<T> {
    precondition(groups.count == x.rows)
    let w = x.columns
    let acc = Tensor<Double>(rows: count, columns: w, pool: pool, zeroed: true)
    for r in 0..<x.rows {
        let src = x.row(r), dst = acc.row(groups[r])
        for c in 0..<w { dst[c] += Double(src[c]) }
    }
    let out = Tensor<T>(rows: count, columns: w, pool: pool, zeroed: false)
    for k in 0..<(count * w) { out.data[k] = T(acc.data[k] * scale) }
    return out
}
