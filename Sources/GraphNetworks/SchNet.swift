import ChemistryCore

/// SchNet's size and seed. Defaults follow SchNetPack 2 (`schnetpack.representation.SchNet`).
public struct SchNetHyperparameters: Codable, Sendable, Equatable {
    public var features: Int = 128
    public var interactions: Int = 6
    public var radialFunctions: Int = 50
    /// Å.
    public var cutoff: Double = 5.0
    public var seed: UInt64 = 0
    /// Largest atomic number in the embedding table (rows 0…maxZ).
    public var maxAtomicNumber: Int = 100

    public init(features: Int = 128, interactions: Int = 6, radialFunctions: Int = 50,
                cutoff: Double = 5.0, seed: UInt64 = 0, maxAtomicNumber: Int = 100) {
        self.features = features
        self.interactions = interactions
        self.radialFunctions = radialFunctions
        self.cutoff = cutoff
        self.seed = seed
        self.maxAtomicNumber = maxAtomicNumber
    }

    public func validate() throws {
        guard features >= 2 else { throw GraphNetworkError.invalidHyperparameter("features \(features) < 2") }
        guard interactions >= 0 else { throw GraphNetworkError.invalidHyperparameter("interactions \(interactions) < 0") }
        guard radialFunctions >= 2 else { throw GraphNetworkError.invalidHyperparameter("radial functions \(radialFunctions) < 2") }
        guard cutoff > 0, cutoff.isFinite else { throw GraphNetworkError.invalidHyperparameter("cutoff \(cutoff)") }
        guard maxAtomicNumber >= 1 else { throw GraphNetworkError.invalidHyperparameter("max Z \(maxAtomicNumber)") }
    }
}

/// The layers of one SchNet interaction block (continuous-filter convolution + update).
struct SchNetInteraction: Sendable {
    /// x′ = x · W_in (F → F, no bias).
    let in2f: DenseLayer
    /// Filter network: W_ij = (ssp(rbf_ij · W1 + b1) · W2 + b2) · fcut(d_ij).
    let filter1: DenseLayer
    let filter2: DenseLayer
    /// Update v = ssp(m · W3 + b3) · W4 + b4.
    let out1: DenseLayer
    let out2: DenseLayer
}

/// SchNet (Schütt et al. 2018, SchNetPack 2 layout):
///   x⁰_i = embedding[Z_i]
///   x^{t+1} = x^t + v^t,   v = Dense(ssp(Dense(m))),   m_i = Σ_j (x^t W_in)_j ⊙ W_ij,
///   W_ij = Dense(ssp(Dense(g(d_ij)))) · fcut(d_ij)
///   y_i = Dense(F/2 → 1)(ssp(Dense(F → F/2)(x_i))),   E = Σ_i (scale · y_i + mean + ref[Z_i]).
/// Generic over the scalar: `SchNet<Float>` (= `SchNetModel`) for production, `SchNet<Double>`
/// for finite-difference checks.
public final class SchNet<Scalar: NetworkScalar>: EnergyModel {
    public let hyperparameters: SchNetHyperparameters
    public var standardization: Standardization
    public let parameters: ParameterStore<Scalar>
    let embedding: EmbeddingLayer
    let blocks: [SchNetInteraction]
    let readout1: DenseLayer
    let readout2: DenseLayer
    public let basis: GaussianBasis
    public let cutoffFunction: CosineCutoff
    let activation = Activation.shiftedSoftplus
    /// Recycled activation buffers (a model instance is not for concurrent use).
    let pool = TensorPool()

    public var kind: String { "schnet" }
    public var cutoff: Double { hyperparameters.cutoff }
    public var maxAtomicNumber: Int { hyperparameters.maxAtomicNumber }
    public var hyperparameterRecord: [String: Double] {
        ["features": Double(hyperparameters.features), "interactions": Double(hyperparameters.interactions),
         "radial_functions": Double(hyperparameters.radialFunctions), "cutoff": hyperparameters.cutoff,
         "seed": Double(hyperparameters.seed), "max_atomic_number": Double(hyperparameters.maxAtomicNumber)]
    }

    /// Deterministic initialisation from `hyperparameters.seed`: embedding N(0, 1), Dense
    /// weights Xavier-uniform, biases zero (as SchNetPack), drawn in a fixed order.
    public init(_ hp: SchNetHyperparameters, standardization: Standardization = .identity) throws {
        try hp.validate()
        hyperparameters = hp
        self.standardization = standardization
        var rng = SplitMix64(seed: hp.seed)
        var b = ParameterBuilder()
        let f = hp.features
        embedding = EmbeddingLayer(&b, name: "embedding", maxZ: hp.maxAtomicNumber, features: f, rng: &rng)
        var blocks: [SchNetInteraction] = []
        for t in 0..<hp.interactions {
            let p = "interactions.\(t)."
            blocks.append(SchNetInteraction(
                in2f: DenseLayer(&b, name: p + "in2f", inputs: f, outputs: f, bias: false, rng: &rng),
                filter1: DenseLayer(&b, name: p + "filter.0", inputs: hp.radialFunctions, outputs: f, rng: &rng),
                filter2: DenseLayer(&b, name: p + "filter.1", inputs: f, outputs: f, rng: &rng),
                out1: DenseLayer(&b, name: p + "f2out.0", inputs: f, outputs: f, rng: &rng),
                out2: DenseLayer(&b, name: p + "f2out.1", inputs: f, outputs: f, rng: &rng)))
        }
        self.blocks = blocks
        readout1 = DenseLayer(&b, name: "readout.0", inputs: f, outputs: f / 2, rng: &rng)
        readout2 = DenseLayer(&b, name: "readout.1", inputs: f / 2, outputs: 1, rng: &rng)
        parameters = ParameterStore(b)
        basis = .schnet(cutoff: hp.cutoff, count: hp.radialFunctions)
        cutoffFunction = CosineCutoff(cutoff: hp.cutoff)
    }

    /// The same model (parameters copied) in another precision.
    public func converted<U: NetworkScalar>(to: U.Type) -> SchNet<U> {
        let m = try! SchNet<U>(hyperparameters, standardization: standardization)
        for i in 0..<parameters.count { m.parameters.values[i] = U(parameters.values[i]) }
        return m
    }

    public func reinitialized(seed: UInt64) -> SchNet<Scalar> {
        var hp = hyperparameters
        hp.seed = seed
        return try! SchNet(hp, standardization: standardization)
    }

    /// Activations of one interaction block kept for the backward pass.
    final class BlockCache {
        // x: block input; a = x·W_in; dh1 = ssp′(h1), s1 = ssp(h1); h2 = filter before the cutoff
        // and w = h2·fc (both per undirected pair); m = messages; du1 = ssp′(u1), s = ssp(u1).
        let x: Tensor<Scalar>, a: Tensor<Scalar>, dh1: Tensor<Scalar>, s1: Tensor<Scalar>, h2: Tensor<Scalar>
        let w: Tensor<Scalar>, m: Tensor<Scalar>, du1: Tensor<Scalar>, s: Tensor<Scalar>
        init(x: Tensor<Scalar>, a: Tensor<Scalar>, dh1: Tensor<Scalar>, s1: Tensor<Scalar>, h2: Tensor<Scalar>,
             w: Tensor<Scalar>, m: Tensor<Scalar>, du1: Tensor<Scalar>, s: Tensor<Scalar>) {
            self.x = x; self.a = a; self.dh1 = dh1; self.s1 = s1; self.h2 = h2
            self.w = w; self.m = m; self.du1 = du1; self.s = s
        }
    }

    // Pre-specialised for Float so callers in other modules (CLI, trainer through the protocol)
    // run the specialised code rather than the generic entry point.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func evaluate(_ batch: GraphBatch, parameterGradients: Bool, positionGradients: Bool,
                         seeds: ([Double]) -> [Double]) -> ModelEvaluation {
        let p = parameters
        let n = batch.atomCount, ne = batch.edgeCount, f = hyperparameters.features
        // Distance-only quantities live on undirected pairs (W_ij = W_ji): half the filter work.
        let np = batch.pairCount
        let (vectors, distances) = batch.geometry(pairs: true)
        let rbfDerivative: Tensor<Scalar>? = positionGradients ? Tensor(rows: np, columns: basis.count, pool: pool, zeroed: false) : nil
        let rbf: Tensor<Scalar> = basis.expand(distances, derivative: rbfDerivative, pool: pool)
        var fc = [Scalar](repeating: 0, count: np), dfc = [Double](repeating: 0, count: np)
        for q in 0..<np {
            fc[q] = Scalar(cutoffFunction.value(distances[q]))
            dfc[q] = cutoffFunction.derivative(distances[q])
        }
        let edgePair = batch.edgePair, edgeNeighbor = batch.edgeNeighbor, edgeCenter = batch.edgeCenter

        // Forward.
        var x = embedding.forward(batch.atomicNumbers, p, pool: pool)
        var caches: [BlockCache] = []
        let accTensor = Tensor<Double>(rows: 1, columns: f, pool: pool, zeroed: false)
        let acc = accTensor.data
        for blk in blocks {
            let a = blk.in2f.forward(x, p)
            let (s1, dh1) = activation.forward(blk.filter1.forward(rbf, p))
            let h2 = blk.filter2.forward(s1, p)
            let w = Tensor<Scalar>(rows: np, columns: f, pool: pool, zeroed: false)
            for q in 0..<np {
                let src = h2.row(q), dst = w.row(q), c = fc[q]
                for k in 0..<f { dst[k] = src[k] * c }
            }
            // m_i = Σ_j x′_j ⊙ W_ij over the contiguous edge segment of centre i (Float64 sum).
            let m = Tensor<Scalar>(rows: n, columns: f, pool: pool, zeroed: false)
            for i in 0..<n {
                acc.update(repeating: 0, count: f)
                for e in batch.centerStart[i]..<batch.centerStart[i + 1] {
                    let aj = a.row(edgeNeighbor[e]), we = w.row(edgePair[e])
                    for k in 0..<f { acc[k] += Double(aj[k]) * Double(we[k]) }
                }
                let mi = m.row(i)
                for k in 0..<f { mi[k] = Scalar(acc[k]) }
            }
            let (s, du1) = activation.forward(blk.out1.forward(m, p))
            let v = blk.out2.forward(s, p)
            let xNext = Tensor<Scalar>(rows: n, columns: f, pool: pool, zeroed: false)
            for k in 0..<(n * f) { xNext.data[k] = x.data[k] + v.data[k] }
            caches.append(BlockCache(x: x, a: a, dh1: dh1, s1: s1, h2: h2, w: w, m: m, du1: du1, s: s))
            x = xNext
        }
        let (rs, dr1Local) = activation.forward(readout1.forward(x, p))
        let y = readout2.forward(rs, p)

        // Energies: E_b = Σ_i (scale · y_i + mean + ref[Z_i]) in Float64.
        let refs = standardization.table(maxZ: hyperparameters.maxAtomicNumber)
        let scale = standardization.scale, mean = standardization.mean
        var energies = [Double](repeating: 0, count: batch.structureCount)
        for i in 0..<n {
            energies[batch.structureOfAtom[i]] += scale * Double(y.data[i]) + mean + refs[batch.atomicNumbers[i]]
        }
        guard parameterGradients || positionGradients else { return ModelEvaluation(energies: energies) }

        // Backward.
        let g = seeds(energies)
        precondition(g.count == batch.structureCount)
        let dy = Tensor<Scalar>(rows: n, columns: 1, pool: pool, zeroed: false)
        for i in 0..<n { dy.data[i] = Scalar(g[batch.structureOfAtom[i]] * scale) }
        let drs = readout2.backward(rs, dy, p, parameters: parameterGradients)!
        let dr1 = Activation.backward(derivative: dr1Local, drs)
        var dx = readout1.backward(x, dr1, p, parameters: parameterGradients)!
        var dd = [Double](repeating: 0, count: positionGradients ? np : 0)
        let daAccTensor = Tensor<Double>(rows: n, columns: f, pool: pool, zeroed: false)
        let daAcc = daAccTensor.data
        for (blk, c) in zip(blocks, caches).reversed() {
            // Update network (dx is also dL/dv through the residual).
            let ds = blk.out2.backward(c.s, dx, p, parameters: parameterGradients)!
            let du1 = Activation.backward(derivative: c.du1, ds)
            let dm = blk.out1.backward(c.m, du1, p, parameters: parameterGradients)!
            // Messages: dL/dx′_j += dL/dm_i ⊙ W_ij (Float64); dL/dW_p = Σ_{edges of p} dL/dm_i ⊙ x′_j.
            daAcc.update(repeating: 0, count: n * f)
            let dw = Tensor<Scalar>(rows: np, columns: f, pool: pool, zeroed: true)
            for e in 0..<ne {
                let i = edgeCenter[e], j = edgeNeighbor[e], q = edgePair[e]
                let dmi = dm.row(i), we = c.w.row(q), aj = c.a.row(j), dwq = dw.row(q)
                let daj = daAcc + j * f
                for k in 0..<f {
                    daj[k] += Double(dmi[k]) * Double(we[k])
                    dwq[k] += dmi[k] * aj[k]
                }
            }
            let da = Tensor<Scalar>(rows: n, columns: f, pool: pool, zeroed: false)
            for k in 0..<(n * f) { da.data[k] = Scalar(daAcc[k]) }
            // Filter: W = h2 · fc.
            let dh2 = Tensor<Scalar>(rows: np, columns: f, pool: pool, zeroed: false)
            for q in 0..<np {
                let dwq = dw.row(q), dst = dh2.row(q), cq = fc[q]
                for k in 0..<f { dst[k] = dwq[k] * cq }
                if positionGradients {
                    let h = c.h2.row(q)
                    var sum = 0.0
                    for k in 0..<f { sum += Double(dwq[k]) * Double(h[k]) }
                    dd[q] += sum * dfc[q]
                }
            }
            let ds1 = blk.filter2.backward(c.s1, dh2, p, parameters: parameterGradients)!
            let dh1 = Activation.backward(derivative: c.dh1, ds1)
            if let drbf = blk.filter1.backward(rbf, dh1, p, parameters: parameterGradients, input: positionGradients),
               let der = rbfDerivative {
                let kb = basis.count
                for q in 0..<np {
                    var sum = 0.0
                    for k in 0..<kb { sum += Double(drbf.data[q * kb + k]) * Double(der.data[q * kb + k]) }
                    dd[q] += sum
                }
            }
            let dxIn = blk.in2f.backward(c.x, da, p, parameters: parameterGradients)!
            for k in 0..<(n * f) { dxIn.data[k] += dx.data[k] }
            dx = dxIn
        }
        if parameterGradients { embedding.backward(batch.atomicNumbers, dx, p) }
        var gradR: [SIMD3<Double>]? = nil
        if positionGradients {
            gradR = batch.positionGradients(vectors: vectors, distances: distances, distanceGradients: dd)
        }
        return ModelEvaluation(energies: energies, positionGradients: gradR)
    }
}

/// The production SchNet: Float32 parameters and activations.
public typealias SchNetModel = SchNet<Float>
