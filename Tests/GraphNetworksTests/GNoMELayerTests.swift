import ChemistryCore
import Foundation
import Testing
@testable import GraphNetworks

/// The layers GNoME adds, in Float64 against central differences (h = 1e-5, tolerance
/// 1e-7 · max(1, |g|), as `LayerGradientTests`), plus the forward against direct formulas.
@Suite struct GNoMELayerTests {
    /// [x₁, x₂, x₃] · W + b computed part by part equals a plain Dense on the concatenated rows
    /// (same weight tensor) to 1e-14, and every part's dx, dW and db match finite differences.
    @Test func concatenatedDense() {
        var rng = SplitMix64(seed: 11)
        var b = ParameterBuilder()
        let parts = [3, 2, 4]
        let layer = ConcatenatedDenseLayer(&b, name: "c", parts: parts, outputs: 5, rng: &rng)
        let p = ParameterStore<Double>(b)
        for k in 0..<5 { p.values[layer.biasOffset + k] = rng.uniform() - 0.5 }
        let xs = parts.map { randomTensor(6, $0, &rng) }
        let c = randomTensor(6, 5, &rng)
        func forward() -> Tensor<Double> {
            let y = layer.project(xs[0], part: 0, p)
            for k in 1..<parts.count { layer.project(xs[k], part: k, p, into: y) }
            layer.addBias(y, p)
            return y
        }
        // Against a direct sum over the concatenated input.
        let y = forward()
        for r in 0..<6 { for o in 0..<5 {
            var s = p.values[layer.biasOffset + o], row = 0
            for (k, n) in parts.enumerated() { for i in 0..<n {
                s += xs[k][r, i] * p.values[layer.weightOffset + (row + i) * 5 + o]
            }; row += n }
            #expect(abs(s - y[r, o]) < 1e-14)
        } }
        func loss() -> Double { dot(forward(), c) }
        p.zeroGradients()
        layer.biasBackward(c, p)
        let dxs = (0..<parts.count).map { layer.backward(part: $0, xs[$0], c, p)! }
        let worst = checkParameterGradients(p, loss)
        #expect(worst < fdTolerance)
        for (k, x) in xs.enumerated() {
            for i in 0..<x.count {
                let s = x.data[i]
                x.data[i] = s + fdStep; let lp = loss()
                x.data[i] = s - fdStep; let lm = loss()
                x.data[i] = s
                #expect(close((lp - lm) / (2 * fdStep), dxs[k].data[i]), "part \(k) input \(i)")
            }
        }
    }

    /// x_i = onehot(Z_i)·W + b: the row W[Z − 1] plus b; gradients by finite differences.
    @Test func oneHotDense() {
        var rng = SplitMix64(seed: 12)
        var b = ParameterBuilder()
        let layer = OneHotDenseLayer(&b, name: "o", maxZ: 10, outputs: 3, rng: &rng)
        let p = ParameterStore<Double>(b)
        for k in 0..<3 { p.values[layer.biasOffset + k] = rng.uniform() - 0.5 }
        let z = [1, 6, 1, 8, 6, 10]
        let x = layer.forward(z, p)
        for (i, zi) in z.enumerated() { for o in 0..<3 {
            var onehot = [Double](repeating: 0, count: 10)
            onehot[zi - 1] = 1
            var s = p.values[layer.biasOffset + o]
            for r in 0..<10 { s += onehot[r] * p.values[layer.weightOffset + r * 3 + o] }
            #expect(abs(s - x[i, o]) < 1e-15)
        } }
        let c = randomTensor(6, 3, &rng)
        p.zeroGradients()
        layer.backward(z, c, p)
        #expect(checkParameterGradients(p) { dot(layer.forward(z, p), c) } < fdTolerance)
    }

    /// groupSums is a plain scatter-add.
    @Test func groupSumsScatter() {
        var rng = SplitMix64(seed: 13)
        let x = randomTensor(5, 2, &rng)
        let groups = [2, 0, 2, 1, 2]
        let s: Tensor<Double> = groupSums(x, groups: groups, count: 4, scale: 0.5)
        for g in 0..<4 { for c in 0..<2 {
            let expected = 0.5 * (0..<5).filter { groups[$0] == g }.reduce(0.0) { $0 + x[$1, c] }
            #expect(abs(s[g, c] - expected) < 1e-15)
        } }
    }

    /// GNoME's radial features exp(−(d − r₀)²/0.5²), r₀ = linspace(0.05, 4, 30), written out
    /// directly here, equal `GNoMEHyperparameters().basis` to 1e-15.
    @Test func radialFeaturesAreGNoMEs() {
        let basis = GNoMEHyperparameters().basis
        #expect(basis.count == 30)
        let d = [0.07, 0.9, 1.73, 2.5, 3.99]
        let g: Tensor<Double> = basis.expand(d)
        for (e, r) in d.enumerated() { for k in 0..<30 {
            let r0 = 0.05 + Double(k) * (4.0 - 0.05) / 29
            #expect(abs(g[e, k] - exp(-(r - r0) * (r - r0) / (0.5 * 0.5))) < 1e-15)
        } }
    }
}
