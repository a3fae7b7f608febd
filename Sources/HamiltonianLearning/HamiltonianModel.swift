import ChemistryCore
import Foundation
import GaussianDFT
import GraphNetworks
import LinearAlgebra

/// Geometry → symmetric correction W to the core Hamiltonian, equivariant by construction.
///
///     W_μν = Σ_k s_k(A, B)[a, b] · M_k,μν        μ ∈ shell a of atom A, ν ∈ shell b of atom B
///
/// M_k are AO matrices that already transform as a Hamiltonian (S, T, V_nuc, J, K and V_xc of
/// the SAD guess: each shell-pair block as D^{l_a}(R) M D^{l_b}(R)ᵀ). The coefficients s_k are
/// rotation-, translation- and permutation-invariant (functions of elements and distances
/// only), so W, H = H_core + W, the density and the energy rotate with the molecule (Unke et al.,
/// "SE(3)-equivariant prediction of molecular wavefunctions", NeurIPS 2021, use the same block
/// rule). Symmetry: s_k(A, B)[a, b] = base_k + σ_f ½(t_k(A, B)[a, b] + t_k(B, A)[b, a]), so W = Wᵀ;
/// σ_f is a fixed scale per block family (`BlockScales.swift`, 1 without `blockScales`).
///
/// The network (Float64):
///   e_A = Embedding(Z_A);   g_AB = RBF(|R_A − R_B|)  (Gaussians on 0…cutoff Å)
///   h_A = e_A + Σ_{B≠A} fcut(d_AB) · ssp(Dense(g_AB)) ⊙ Dense(e_B)      (one SchNet cfconv)
///   t(A, B) = Dense(ssp(Dense(ssp(Dense([h_A, h_B, g_AB])))))  ∈ R^{K × slots × slots}
/// with base_k chosen so that t = 0 gives the SAD Fock matrix (`baseCoefficients`).
/// `backward` returns dE/dθ by the chain rule from dE/dW (`HamiltonianEnergy`).
public final class HamiltonianModel {
    public let configuration: HamiltonianModelConfiguration
    let parameters: ParameterStore<Double>
    let embedding: EmbeddingLayer
    let contextInput: DenseLayer
    let contextFilter: DenseLayer
    let pair1: DenseLayer
    let pair2: DenseLayer
    let pairOutput: DenseLayer
    let radial: GaussianBasis
    let cutoff: CosineCutoff
    /// Values per ordered atom pair: K · slots².
    let outputsPerPair: Int
    /// Position of each atomic number in `configuration.elements`.
    let elementIndex: [Int: Int]

    public init(configuration c: HamiltonianModelConfiguration) throws {
        try c.validate()
        configuration = c
        var rng = SplitMix64(seed: c.seed)
        var b = ParameterBuilder()
        let f = c.features
        embedding = EmbeddingLayer(&b, name: "embedding", maxZ: c.elements.max() ?? 1, features: f, rng: &rng)
        contextInput = DenseLayer(&b, name: "context.input", inputs: f, outputs: f, bias: false, rng: &rng)
        contextFilter = DenseLayer(&b, name: "context.filter", inputs: c.radialCount, outputs: f, rng: &rng)
        pair1 = DenseLayer(&b, name: "pair.dense1", inputs: 2 * f + c.radialCount, outputs: c.hidden, rng: &rng)
        pair2 = DenseLayer(&b, name: "pair.dense2", inputs: c.hidden, outputs: c.hidden, rng: &rng)
        outputsPerPair = c.matrixNames.count * c.shellSlots * c.shellSlots
        pairOutput = DenseLayer(&b, name: "pair.output", inputs: c.hidden, outputs: outputsPerPair, rng: &rng)
        parameters = ParameterStore(b)
        for i in 0..<(c.hidden * outputsPerPair) { parameters.values[pairOutput.weightOffset + i] *= c.outputScale }
        radial = GaussianBasis(start: 0, stop: c.cutoff, count: c.radialCount)
        cutoff = CosineCutoff(cutoff: c.cutoff)
        elementIndex = Dictionary(uniqueKeysWithValues: c.elements.enumerated().map { ($1, $0) })
    }

    /// Number of trainable parameters.
    public var parameterCount: Int { parameters.count }

    /// Intermediate values of one forward pass, kept for `backward`.
    struct Pass {
        let atoms: Int
        let z: [Int]
        let e: Tensor<Double>
        let xin: Tensor<Double>
        let rbf: Tensor<Double>
        let filter: Tensor<Double>
        let filterDerivative: Tensor<Double>
        let cut: [Double]
        let pairInput: Tensor<Double>
        let a1: Tensor<Double>
        let d1: Tensor<Double>
        let a2: Tensor<Double>
        let d2: Tensor<Double>
        /// σ of s(A, B)[k, a, b], laid out as the coefficients (n² × K·slots²).
        let sigma: [Double]
    }

    /// W (nao × nao, Ha, symmetric) for one geometry.
    public func correction(_ m: MolecularInputs) -> Matrix { forward(m).w }

    func forward(_ m: MolecularInputs) -> (w: Matrix, pass: Pass) {
        let n = m.atomCount, f = configuration.features, r = configuration.radialCount
        let p = parameters
        let e: Tensor<Double> = embedding.forward(m.structure.atomicNumbers, p)
        let xin = contextInput.forward(e, p)
        let rbf: Tensor<Double> = radial.expand(m.distances)
        let (filter, filterDerivative) = Activation.shiftedSoftplus.forward(contextFilter.forward(rbf, p))
        var cut = [Double](repeating: 0, count: n * n)
        for a in 0..<n { for b in 0..<n where a != b { cut[a * n + b] = cutoff.value(m.distances[a * n + b]) } }
        let h = e.copy()
        for a in 0..<n {
            for b in 0..<n where cut[a * n + b] != 0 {
                let c = cut[a * n + b], fl = filter.row(a * n + b), xb = xin.row(b), ha = h.row(a)
                for k in 0..<f { ha[k] += c * fl[k] * xb[k] }
            }
        }
        let width = 2 * f + r
        let x = Tensor<Double>(rows: n * n, columns: width)
        for a in 0..<n {
            for b in 0..<n {
                let row = x.row(a * n + b)
                row.update(from: h.row(a), count: f)
                (row + f).update(from: h.row(b), count: f)
                (row + 2 * f).update(from: rbf.row(a * n + b), count: r)
            }
        }
        let (a1, d1) = Activation.shiftedSoftplus.forward(pair1.forward(x, p))
        let (a2, d2) = Activation.shiftedSoftplus.forward(pair2.forward(a1, p))
        let t = pairOutput.forward(a2, p)
        let sigma = pairScales(m)
        let s = symmetricCoefficients(t, atoms: n, base: configuration.baseCoefficients(exactExchange: m.exactExchange), sigma: sigma)
        let w = assemble(s, m)
        return (w, Pass(atoms: n, z: m.structure.atomicNumbers, e: e, xin: xin, rbf: rbf, filter: filter,
                        filterDerivative: filterDerivative, cut: cut, pairInput: x, a1: a1, d1: d1, a2: a2, d2: d2,
                        sigma: sigma))
    }

    /// σ for every coefficient s(A, B)[k, a, b] of this geometry (all 1 without `blockScales`).
    func pairScales(_ m: MolecularInputs) -> [Double] {
        let n = m.atomCount, q = outputsPerPair, slots = configuration.shellSlots
        guard let scales = configuration.blockScales else { return [Double](repeating: 1, count: n * n * q) }
        let z = m.structure.atomicNumbers
        var sigma = [Double](repeating: 1, count: n * n * q)
        for a in 0..<n { for b in 0..<n {
            let ea = elementIndex[z[a]]!, eb = elementIndex[z[b]]!
            for k in 0..<m.matrices.count { for i in 0..<slots { for j in 0..<slots {
                sigma[(a * n + b) * q + index(k, i, j)] = scales[configuration.blockFamily(k, onSite: a == b, ea, i, eb, j)]
            } } }
        } }
        return sigma
    }

    /// Index of s_k(A, B)[a, b] in the per-pair output.
    @inline(__always) func index(_ k: Int, _ a: Int, _ b: Int) -> Int {
        let m = configuration.shellSlots
        return (k * m + a) * m + b
    }

    /// s(A, B)[k, a, b] = base_k + σ(A, B)[k, a, b] ½(t(A, B)[k, a, b] + t(B, A)[k, b, a]), row-major
    /// by pair.
    func symmetricCoefficients(_ t: Tensor<Double>, atoms n: Int, base: [Double], sigma: [Double]) -> [Double] {
        let m = configuration.shellSlots, q = outputsPerPair
        var s = [Double](repeating: 0, count: n * n * q)
        for a in 0..<n { for b in 0..<n {
            let ab = t.row(a * n + b), ba = t.row(b * n + a)
            for k in 0..<base.count { for i in 0..<m { for j in 0..<m {
                let o = (a * n + b) * q + index(k, i, j)
                s[o] = base[k] + sigma[o] * 0.5 * (ab[index(k, i, j)] + ba[index(k, j, i)])
            } } }
        } }
        return s
    }

    /// W_μν = Σ_k s_k(A(μ), B(ν))[slot μ, slot ν] M_k,μν.
    func assemble(_ s: [Double], _ m: MolecularInputs) -> Matrix {
        let nao = m.aoCount, n = m.atomCount, q = outputsPerPair
        var w = Matrix(rows: nao, columns: nao)
        for nu in 0..<nao {
            for mu in 0..<nao {
                let base = (m.aoAtom[mu] * n + m.aoAtom[nu]) * q
                var v = 0.0
                for k in 0..<m.matrices.count {
                    v += s[base + index(k, m.aoSlot[mu], m.aoSlot[nu])] * m.matrices[k][mu, nu]
                }
                w[mu, nu] = v
            }
        }
        return w
    }

    /// Adds scale · dE/dθ to the parameter gradients, given G = dE/dW (symmetric) for the
    /// geometry of `pass`.
    func backward(_ pass: Pass, _ m: MolecularInputs, gradient g: Matrix, scale: Double) {
        let n = pass.atoms, nao = m.aoCount, q = outputsPerPair, f = configuration.features
        let slots = configuration.shellSlots
        let p = parameters
        // dE/ds(A, B)[k, a, b] = Σ_{μ∈(A,a), ν∈(B,b)} G_μν M_k,μν.
        var ds = [Double](repeating: 0, count: n * n * q)
        for nu in 0..<nao {
            for mu in 0..<nao {
                let gv = scale * g[mu, nu]
                if gv == 0 { continue }
                let base = (m.aoAtom[mu] * n + m.aoAtom[nu]) * q
                for k in 0..<m.matrices.count {
                    ds[base + index(k, m.aoSlot[mu], m.aoSlot[nu])] += gv * m.matrices[k][mu, nu]
                }
            }
        }
        // dt(A, B)[k, a, b] = ½(σ(A, B)[k, a, b] ds(A, B)[k, a, b] + σ(B, A)[k, b, a] ds(B, A)[k, b, a]).
        let dt = Tensor<Double>(rows: n * n, columns: q)
        for a in 0..<n { for b in 0..<n {
            let row = dt.row(a * n + b)
            for k in 0..<m.matrices.count { for i in 0..<slots { for j in 0..<slots {
                let ab = (a * n + b) * q + index(k, i, j), ba = (b * n + a) * q + index(k, j, i)
                row[index(k, i, j)] = 0.5 * (pass.sigma[ab] * ds[ab] + pass.sigma[ba] * ds[ba])
            } } }
        } }
        let da2 = pairOutput.backward(pass.a2, dt, p)!
        Activation.backward(derivative: pass.d2, da2)
        let da1 = pair2.backward(pass.a1, da2, p)!
        Activation.backward(derivative: pass.d1, da1)
        let dx = pair1.backward(pass.pairInput, da1, p)!
        // Pair input [h_A, h_B, g_AB]: scatter to atoms (the radial part has no parameters).
        let dh = Tensor<Double>(rows: n, columns: f)
        for a in 0..<n { for b in 0..<n {
            let row = dx.row(a * n + b), ha = dh.row(a), hb = dh.row(b)
            for k in 0..<f { ha[k] += row[k]; hb[k] += row[f + k] }
        } }
        // h_A = e_A + Σ_B c_AB φ_AB ⊙ x_B.
        let dfilter = Tensor<Double>(rows: n * n, columns: f)
        let dxin = Tensor<Double>(rows: n, columns: f)
        for a in 0..<n {
            for b in 0..<n where pass.cut[a * n + b] != 0 {
                let c = pass.cut[a * n + b], dha = dh.row(a), fl = pass.filter.row(a * n + b)
                let xb = pass.xin.row(b), dfl = dfilter.row(a * n + b), dxb = dxin.row(b)
                for k in 0..<f { dfl[k] = c * dha[k] * xb[k]; dxb[k] += c * dha[k] * fl[k] }
            }
        }
        Activation.backward(derivative: pass.filterDerivative, dfilter)
        contextFilter.backward(pass.rbf, dfilter, p, input: false)
        let de = contextInput.backward(pass.e, dxin, p)!
        for i in 0..<(n * f) { de.data[i] += dh.data[i] }
        embedding.backward(pass.z, de, p)
    }

    /// Energy (Ha) of the predicted density and dE/dθ (flat, in `parameterValues` order), for
    /// tests and custom loops.
    public func energyAndGradient(_ m: MolecularInputs) throws -> (energy: Double, gradient: [Double]) {
        let (w, pass) = forward(m)
        let ev = try evaluate(m, correction: w, gradient: true)
        parameters.zeroGradients()
        backward(pass, m, gradient: ev.gradient!, scale: 1)
        return (ev.energy, parameters.flatGradients)
    }

    /// E_KS and dE/dW for a correction W of this model: after the configuration's unrolled SCF
    /// steps, if any.
    func evaluate(_ m: MolecularInputs, correction w: Matrix, gradient: Bool) throws -> HamiltonianEnergyEvaluation {
        try m.evaluate(correction: w, scfSteps: configuration.scfSteps, mixing: configuration.scfMixing, gradient: gradient)
    }

    /// All parameters, flat (registration order).
    public var parameterValues: [Double] {
        get { parameters.flatValues }
        set { parameters.flatValues = newValue }
    }

    /// Parameters by name ("pair.dense1.weight", …) with row-major values.
    public var namedParameters: [String: [Double]] {
        Dictionary(uniqueKeysWithValues: parameters.named().map { ($0.name, $0.values) })
    }

    /// Shapes by name, as stored.
    public var parameterShapes: [String: [Int]] {
        Dictionary(uniqueKeysWithValues: parameters.infos.map { ($0.name, $0.shape) })
    }

    /// Loads parameters by name; every tensor must be present with its size.
    public func load(namedParameters named: [String: [Double]]) throws {
        var entries: [String: (shape: [Int], values: [Double])] = [:]
        for info in parameters.infos {
            guard let v = named[info.name] else { throw HamiltonianLearningError.parameters("missing '\(info.name)'") }
            guard v.count == info.count, v.allSatisfy({ $0.isFinite }) else {
                throw HamiltonianLearningError.parameters("'\(info.name)' has \(v.count) values, expected \(info.count), or non-finite values")
            }
            entries[info.name] = (info.shape, v)
        }
        try parameters.load(entries)
    }
}
