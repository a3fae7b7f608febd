import ChemistryCore

/// The layers of one GNoME message-passing step (a jraph `GraphNetwork` layer).
struct GNoMEStep: Sendable {
    /// Edge MLP on [e_ij, h_j (sender), h_i (receiver), g]: W → swish → W.
    let edge1: ConcatenatedDenseLayer
    let edge2: DenseLayer
    /// Node MLP on [h_i, Σ received / δ, Σ sent / δ, g].
    let node1: ConcatenatedDenseLayer
    let node2: DenseLayer
    /// Global MLP on [mean_i h_i, g]; absent in the last step (its output would be unused).
    let global1: ConcatenatedDenseLayer?
    let global2: DenseLayer?
}

/// GNoME's crystal energy model (Merchant et al., Nature 624, 80 (2023), Methods; the plain
/// message-passing graph network of Battaglia et al. 2018 as in jraph's `GraphNetwork`):
///
///   h⁰_i = onehot(Z_i)·W + b                    e⁰_ij = g(d_ij)·W + b          g⁰ = b_g
///   for t in 1…T:
///     e_ij ← MLP_e([e_ij, h_j, h_i, g])                        (j sends to i: edge i → j of the list)
///     h_i  ← MLP_h([h_i, Σ_j fc(d_ij) e_ij / δ, Σ_j fc(d_ji) e_ji / δ, g])   (received, sent)
///     g    ← MLP_g([mean_i h_i, g])                             (t < T)
///   y_i = MLP_out(h_i),   E = Σ_i (scale · y_i + mean + ref[Z_i])
///
/// Every MLP is Dense → swish → Dense (last layer linear) of width W; g_k(d) are 30 Gaussians
/// exp(−(d − μ_k)²/0.5²), μ = linspace(0.05, rc, K); δ is the training set's average degree;
/// fc is the cosine cutoff (1 with `smoothCutoff = false`, GNoME's hard cutoff).
/// Forces: positions enter through g(d) and fc(d), so dE/dR follows from dE/dd per pair.
/// Generic over the scalar like `SchNet`: `GNoME<Float>` (= `GNoMEModel`) in production,
/// `GNoME<Double>` for the finite-difference tests.
public final class GNoME<Scalar: NetworkScalar>: EnergyModel {
    public let hyperparameters: GNoMEHyperparameters
    public var standardization: Standardization
    public let parameters: ParameterStore<Scalar>
    let nodeEmbedding: OneHotDenseLayer
    let edgeEmbedding: DenseLayer
    /// Offset of `embedding.global.bias` (GNoME's Dense(zeros(1)) global input: a learned vector).
    let globalEmbedding: Int
    let steps: [GNoMEStep]
    let readout1: DenseLayer
    let readout2: DenseLayer
    public let basis: GaussianBasis
    public let cutoffFunction: CosineCutoff
    let activation = Activation.swish
    /// Recycled activation buffers (a model instance is not for concurrent use).
    let pool = TensorPool()

    public var kind: String { "gnome" }
    public var cutoff: Double { hyperparameters.cutoff }
    public var maxAtomicNumber: Int { hyperparameters.maxAtomicNumber }
    public var hyperparameterRecord: [String: Double] {
        let h = hyperparameters
        return ["width": Double(h.width), "steps": Double(h.steps), "radial_functions": Double(h.radialFunctions),
                "cutoff": h.cutoff, "seed": Double(h.seed), "average_degree": h.averageDegree,
                "max_atomic_number": Double(h.maxAtomicNumber), "smooth_cutoff": h.smoothCutoff ? 1 : 0]
    }

    /// Deterministic initialisation from `hyperparameters.seed` (SplitMix64, fixed order):
    /// Dense weights Xavier-uniform, biases zero.
    public init(_ hp: GNoMEHyperparameters, standardization: Standardization = .identity) throws {
        try hp.validate()
        hyperparameters = hp
        self.standardization = standardization
        var rng = SplitMix64(seed: hp.seed)
        var b = ParameterBuilder()
        let w = hp.width
        nodeEmbedding = OneHotDenseLayer(&b, name: "embedding.node", maxZ: hp.maxAtomicNumber, outputs: w, rng: &rng)
        edgeEmbedding = DenseLayer(&b, name: "embedding.edge", inputs: hp.radialFunctions, outputs: w, rng: &rng)
        globalEmbedding = b.add("embedding.global.bias", shape: [w], values: Array(repeating: 0, count: w))
        var steps: [GNoMEStep] = []
        for t in 0..<hp.steps {
            let p = "steps.\(t)."
            let last = t == hp.steps - 1
            steps.append(GNoMEStep(
                edge1: ConcatenatedDenseLayer(&b, name: p + "edge_mlp.0", parts: [w, w, w, w], outputs: w, rng: &rng),
                edge2: DenseLayer(&b, name: p + "edge_mlp.1", inputs: w, outputs: w, rng: &rng),
                node1: ConcatenatedDenseLayer(&b, name: p + "node_mlp.0", parts: [w, w, w, w], outputs: w, rng: &rng),
                node2: DenseLayer(&b, name: p + "node_mlp.1", inputs: w, outputs: w, rng: &rng),
                global1: last ? nil : ConcatenatedDenseLayer(&b, name: p + "global_mlp.0", parts: [w, w], outputs: w, rng: &rng),
                global2: last ? nil : DenseLayer(&b, name: p + "global_mlp.1", inputs: w, outputs: w, rng: &rng)))
        }
        self.steps = steps
        readout1 = DenseLayer(&b, name: "readout.0", inputs: w, outputs: w, rng: &rng)
        readout2 = DenseLayer(&b, name: "readout.1", inputs: w, outputs: 1, rng: &rng)
        parameters = ParameterStore(b)
        basis = hp.basis
        cutoffFunction = CosineCutoff(cutoff: hp.cutoff)
    }

    /// The same model (parameters copied) in another precision.
    public func converted<U: NetworkScalar>(to: U.Type) -> GNoME<U> {
        let m = try! GNoME<U>(hyperparameters, standardization: standardization)  // hp validated by self's init
        for i in 0..<parameters.count { m.parameters.values[i] = U(parameters.values[i]) }
        return m
    }

    public func reinitialized(seed: UInt64) -> GNoME<Scalar> {
        var hp = hyperparameters
        hp.seed = seed
        return try! GNoME(hp, standardization: standardization)  // hp validated by self's init
    }

    /// The average degree δ of a set of graphs: directed edges per atom (1 if there are none).
    public static func averageDegree(_ graphs: [AtomGraph]) -> Double {
        let atoms = graphs.reduce(0) { $0 + $1.atomCount }, edges = graphs.reduce(0) { $0 + $1.edgeCount }
        return edges > 0 && atoms > 0 ? Double(edges) / Double(atoms) : 1
    }

    /// δ of structures at `cutoff` (the training set's, for `GNoMEHyperparameters.averageDegree`).
    public static func averageDegree(_ structures: [Structure], cutoff: Double) throws -> Double {
        var atoms = 0, edges = 0
        for s in structures {
            let g = try AtomGraph(s, cutoff: cutoff)
            atoms += g.atomCount
            edges += g.edgeCount
        }
        return edges > 0 && atoms > 0 ? Double(edges) / Double(atoms) : 1
    }

    /// Activations of one step kept for the backward pass: inputs (e, h, g), the edge MLP's
    /// hidden u and swish′, its output eOut, the aggregates (received m, sent s), the node MLP's
    /// hidden v and swish′, and for the global MLP the node mean and its hidden w and swish′.
    final class StepCache {
        let e: Tensor<Scalar>, h: Tensor<Scalar>, g: Tensor<Scalar>
        let u: Tensor<Scalar>, du: Tensor<Scalar>, eOut: Tensor<Scalar>
        let m: Tensor<Scalar>, s: Tensor<Scalar>, v: Tensor<Scalar>, dv: Tensor<Scalar>
        let hMean: Tensor<Scalar>?, w: Tensor<Scalar>?, dw: Tensor<Scalar>?
        init(e: Tensor<Scalar>, h: Tensor<Scalar>, g: Tensor<Scalar>, u: Tensor<Scalar>, du: Tensor<Scalar>,
             eOut: Tensor<Scalar>, m: Tensor<Scalar>, s: Tensor<Scalar>, v: Tensor<Scalar>, dv: Tensor<Scalar>,
             hMean: Tensor<Scalar>?, w: Tensor<Scalar>?, dw: Tensor<Scalar>?) {
            self.e = e; self.h = h; self.g = g; self.u = u; self.du = du; self.eOut = eOut
            self.m = m; self.s = s; self.v = v; self.dv = dv; self.hMean = hMean; self.w = w; self.dw = dw
        }
    }

    /// out[r] += rows[index[r]] for every row r of `out` (a gather-add).
    @inline(__always)
    private func gatherAdd(_ out: Tensor<Scalar>, _ rows: Tensor<Scalar>, _ index: [Int]) {
        let w = out.columns
        for r in 0..<out.rows {
            let dst = out.row(r), src = rows.row(index[r])
            for c in 0..<w { dst[c] += src[c] }
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func evaluate(_ batch: GraphBatch, parameterGradients: Bool, positionGradients: Bool,
                         seeds: ([Double]) -> [Double]) -> ModelEvaluation {
        let p = parameters
        let n = batch.atomCount, ne = batch.edgeCount, np = batch.pairCount, nb = batch.structureCount
        let w = hyperparameters.width
        let inverseDegree = 1 / hyperparameters.averageDegree
        let smooth = hyperparameters.smoothCutoff
        let edgeCenter = batch.edgeCenter, edgeNeighbor = batch.edgeNeighbor, edgePair = batch.edgePair
        let atomStructure = batch.structureOfAtom
        let edgeStructure = edgeCenter.map { atomStructure[$0] }
        let atomsIn = batch.atomsPerStructure

        // Radial features and cutoff per undirected pair (both directions share d).
        let (vectors, distances) = batch.geometry(pairs: true)
        let rbfDerivative: Tensor<Scalar>? = positionGradients ? Tensor(rows: np, columns: basis.count, pool: pool, zeroed: false) : nil
        let rbf: Tensor<Scalar> = basis.expand(distances, derivative: rbfDerivative, pool: pool)
        var fc = [Double](repeating: 1, count: np), dfc = [Double](repeating: 0, count: np)
        if smooth {
            for q in 0..<np {
                fc[q] = cutoffFunction.value(distances[q])
                dfc[q] = cutoffFunction.derivative(distances[q])
            }
        }

        // Inputs.
        let e0 = edgeEmbedding.forward(rbf, p)
        var e = Tensor<Scalar>(rows: ne, columns: w, pool: pool, zeroed: false)
        for k in 0..<ne { e.row(k).update(from: e0.row(edgePair[k]), count: w) }
        var h = nodeEmbedding.forward(batch.atomicNumbers, p, pool: pool)
        var g = Tensor<Scalar>(rows: nb, columns: w, pool: pool, zeroed: false)
        for b in 0..<nb { g.row(b).update(from: p.values + globalEmbedding, count: w) }

        // Message passing.
        var caches: [StepCache] = []
        let accTensor = Tensor<Double>(rows: 2 * n, columns: w, pool: pool, zeroed: false)
        for st in steps {
            // Edge update: z = e·W_e + (h·W_s)[j] + (h·W_r)[i] + (g·W_g)[b] + b.
            let z = st.edge1.project(e, part: 0, p)
            st.edge1.addBias(z, p)
            gatherAdd(z, st.edge1.project(h, part: 1, p), edgeNeighbor)
            gatherAdd(z, st.edge1.project(h, part: 2, p), edgeCenter)
            gatherAdd(z, st.edge1.project(g, part: 3, p), edgeStructure)
            let (u, du) = activation.forward(z)
            let eOut = st.edge2.forward(u, p)
            // Aggregates (Float64): received m_i = Σ_{i→j} fc e / δ, sent s_j = Σ_{i→j} fc e / δ.
            accTensor.zero()
            let acc = accTensor.data
            for k in 0..<ne {
                let c = fc[edgePair[k]], src = eOut.row(k)
                let mi = acc + edgeCenter[k] * w, sj = acc + (n + edgeNeighbor[k]) * w
                for f in 0..<w {
                    let x = c * Double(src[f])
                    mi[f] += x
                    sj[f] += x
                }
            }
            let m = Tensor<Scalar>(rows: n, columns: w, pool: pool, zeroed: false)
            let s = Tensor<Scalar>(rows: n, columns: w, pool: pool, zeroed: false)
            for k in 0..<(n * w) {
                m.data[k] = Scalar(acc[k] * inverseDegree)
                s.data[k] = Scalar(acc[n * w + k] * inverseDegree)
            }
            // Node update.
            let zn = st.node1.project(h, part: 0, p)
            st.node1.project(m, part: 1, p, into: zn)
            st.node1.project(s, part: 2, p, into: zn)
            st.node1.addBias(zn, p)
            gatherAdd(zn, st.node1.project(g, part: 3, p), atomStructure)
            let (v, dv) = activation.forward(zn)
            let hOut = st.node2.forward(v, p)
            // Global update from the mean of the new nodes.
            var hMean: Tensor<Scalar>? = nil, wHidden: Tensor<Scalar>? = nil, dw: Tensor<Scalar>? = nil
            var gOut = g
            if let gl1 = st.global1, let gl2 = st.global2 {
                let mean = Tensor<Scalar>(rows: nb, columns: w, pool: pool, zeroed: false)
                let sums = groupSums(hOut, groups: atomStructure, count: nb, pool: pool)
                for b in 0..<nb {
                    let inv = 1 / Double(max(1, atomsIn[b]))
                    for f in 0..<w { mean[b, f] = Scalar(Double(sums[b, f]) * inv) }
                }
                let zg = gl1.project(mean, part: 0, p)
                gl1.project(g, part: 1, p, into: zg)
                gl1.addBias(zg, p)
                let (wv, wd) = activation.forward(zg)
                gOut = gl2.forward(wv, p)
                hMean = mean; wHidden = wv; dw = wd
            }
            caches.append(StepCache(e: e, h: h, g: g, u: u, du: du, eOut: eOut, m: m, s: s, v: v, dv: dv,
                                    hMean: hMean, w: wHidden, dw: dw))
            e = eOut; h = hOut; g = gOut
        }
        let (rs, dr1Local) = activation.forward(readout1.forward(h, p))
        let y = readout2.forward(rs, p)

        // Energies: E_b = Σ_i (scale · y_i + mean + ref[Z_i]) in Float64.
        let refs = standardization.table(maxZ: hyperparameters.maxAtomicNumber)
        let scale = standardization.scale, shift = standardization.mean
        var energies = [Double](repeating: 0, count: nb)
        for i in 0..<n {
            energies[atomStructure[i]] += scale * Double(y.data[i]) + shift + refs[batch.atomicNumbers[i]]
        }
        guard parameterGradients || positionGradients else { return ModelEvaluation(energies: energies) }

        // Backward.
        let seed = seeds(energies)
        precondition(seed.count == nb)
        let pg = parameterGradients
        let dy = Tensor<Scalar>(rows: n, columns: 1, pool: pool, zeroed: false)
        for i in 0..<n { dy.data[i] = Scalar(seed[atomStructure[i]] * scale) }
        let drs = readout2.backward(rs, dy, p, parameters: pg)!
        var dh = readout1.backward(h, Activation.backward(derivative: dr1Local, drs), p, parameters: pg)!
        var dg: Tensor<Scalar>? = nil         // dL/d(global output of the step), nil after the last step
        var de: Tensor<Scalar>? = nil         // dL/d(edge output of the step) from the next step's edge input
        var dd = [Double](repeating: 0, count: positionGradients ? np : 0)
        for (st, c) in zip(steps, caches).reversed() {
            // Global MLP: dL/dg_in and the node-mean contribution to dL/dh_out.
            let dgIn = Tensor<Scalar>(rows: nb, columns: w, pool: pool, zeroed: true)
            if let gl1 = st.global1, let gl2 = st.global2, let dgOut = dg, let hMean = c.hMean, let wv = c.w, let wd = c.dw {
                let dzg = Activation.backward(derivative: wd, gl2.backward(wv, dgOut, p, parameters: pg)!)
                if pg { gl1.biasBackward(dzg, p) }
                let dMean = gl1.backward(part: 0, hMean, dzg, p, parameters: pg)!
                let dgSelf = gl1.backward(part: 1, c.g, dzg, p, parameters: pg)!
                for k in 0..<(nb * w) { dgIn.data[k] += dgSelf.data[k] }
                for i in 0..<n {
                    let b = atomStructure[i], inv = Scalar(1 / Double(max(1, atomsIn[b])))
                    let dst = dh.row(i), src = dMean.row(b)
                    for f in 0..<w { dst[f] += src[f] * inv }
                }
            }
            // Node MLP.
            let dzn = Activation.backward(derivative: c.dv, st.node2.backward(c.v, dh, p, parameters: pg)!)
            if pg { st.node1.biasBackward(dzn, p) }
            let dhIn = st.node1.backward(part: 0, c.h, dzn, p, parameters: pg)!
            let dm = st.node1.backward(part: 1, c.m, dzn, p, parameters: pg)!
            let ds = st.node1.backward(part: 2, c.s, dzn, p, parameters: pg)!
            let dzNodeGlobal = groupSums(dzn, groups: atomStructure, count: nb, pool: pool)
            let dgNode = st.node1.backward(part: 3, c.g, dzNodeGlobal, p, parameters: pg)!
            for k in 0..<(nb * w) { dgIn.data[k] += dgNode.data[k] }
            // Aggregates: dL/de_ij += fc/δ (dm_i + ds_j); dL/dd_p += fc′/δ Σ_f (dm_i + ds_j) e_ij.
            let deOut = de ?? Tensor<Scalar>(rows: ne, columns: w, pool: pool, zeroed: true)
            for k in 0..<ne {
                let q = edgePair[k]
                let cq = Scalar(fc[q] * inverseDegree)
                let dmi = dm.row(edgeCenter[k]), dsj = ds.row(edgeNeighbor[k]), dst = deOut.row(k)
                for f in 0..<w { dst[f] += cq * (dmi[f] + dsj[f]) }
                if positionGradients && smooth && dfc[q] != 0 {
                    let eo = c.eOut.row(k)
                    var sum = 0.0
                    for f in 0..<w { sum += (Double(dmi[f]) + Double(dsj[f])) * Double(eo[f]) }
                    dd[q] += sum * dfc[q] * inverseDegree
                }
            }
            // Edge MLP.
            let dz = Activation.backward(derivative: c.du, st.edge2.backward(c.u, deOut, p, parameters: pg)!)
            if pg { st.edge1.biasBackward(dz, p) }
            let deIn = st.edge1.backward(part: 0, c.e, dz, p, parameters: pg)!
            let dSender = groupSums(dz, groups: edgeNeighbor, count: n, pool: pool)
            let dReceiver = groupSums(dz, groups: edgeCenter, count: n, pool: pool)
            let dEdgeGlobal = groupSums(dz, groups: edgeStructure, count: nb, pool: pool)
            let dhs = st.edge1.backward(part: 1, c.h, dSender, p, parameters: pg)!
            let dhr = st.edge1.backward(part: 2, c.h, dReceiver, p, parameters: pg)!
            let dge = st.edge1.backward(part: 3, c.g, dEdgeGlobal, p, parameters: pg)!
            for k in 0..<(n * w) { dhIn.data[k] += dhs.data[k] + dhr.data[k] }
            for k in 0..<(nb * w) { dgIn.data[k] += dge.data[k] }
            dh = dhIn; dg = dgIn; de = deIn
        }
        // Inputs: the edge embedding per pair (sum over its two directed edges), then dE/dd.
        if let deIn = de {
            let de0 = groupSums(deIn, groups: edgePair, count: np, pool: pool)
            if let drbf = edgeEmbedding.backward(rbf, de0, p, parameters: pg, input: positionGradients),
               let der = rbfDerivative {
                let kb = basis.count
                for q in 0..<np {
                    var sum = 0.0
                    for k in 0..<kb { sum += Double(drbf.data[q * kb + k]) * Double(der.data[q * kb + k]) }
                    dd[q] += sum
                }
            }
        }
        if pg {
            nodeEmbedding.backward(batch.atomicNumbers, dh, p)
            if let dgIn = dg { addColumnSums(dgIn, into: p.gradients + globalEmbedding) }
        }
        var gradR: [SIMD3<Double>]? = nil
        if positionGradients {
            gradR = batch.positionGradients(vectors: vectors, distances: distances, distanceGradients: dd)
        }
        return ModelEvaluation(energies: energies, positionGradients: gradR)
    }
}

/// The production GNoME model: Float32 parameters and activations.
public typealias GNoMEModel = GNoME<Float>
