import ChemistryCore
import Foundation
import Testing
@testable import GraphNetworks

/// Finite-difference checks run in Float64 (the layers are generic over the scalar): central
/// differences with step h = 1e-5 have truncation error ~h² and rounding ~1e-16/h, so analytic
/// and numerical derivatives must agree to 1e-7 · max(1, |g|) (observed: ~1e-9 or better).
let fdStep = 1e-5
let fdTolerance = 1e-7

func close(_ a: Double, _ b: Double, _ tol: Double = fdTolerance) -> Bool {
    abs(a - b) <= tol * max(1, abs(a), abs(b))
}

func randomTensor(_ rows: Int, _ cols: Int, _ rng: inout SplitMix64, scale: Double = 1) -> Tensor<Double> {
    Tensor(rows: rows, columns: cols, values: (0..<(rows * cols)).map { _ in (2 * rng.uniform() - 1) * scale })
}

func dot(_ a: Tensor<Double>, _ b: Tensor<Double>) -> Double {
    (0..<a.count).reduce(0.0) { $0 + a.data[$1] * b.data[$1] }
}

/// Checks dL/dθ for every parameter in the store against central differences of `loss`.
func checkParameterGradients(_ p: ParameterStore<Double>, indices: [Int]? = nil, _ loss: () -> Double) -> Double {
    var worst = 0.0
    for i in indices ?? Array(0..<p.count) {
        let saved = p.values[i]
        p.values[i] = saved + fdStep; let lp = loss()
        p.values[i] = saved - fdStep; let lm = loss()
        p.values[i] = saved
        let fd = (lp - lm) / (2 * fdStep)
        let err = abs(fd - p.gradients[i]) / max(1, abs(fd))
        worst = max(worst, err)
        #expect(close(fd, p.gradients[i]), "parameter \(i): analytic \(p.gradients[i]) fd \(fd)")
    }
    return worst
}

@Suite struct LayerGradientTests {
    @Test(arguments: [true, false]) func denseLayer(bias: Bool) {
        var rng = SplitMix64(seed: 1)
        var b = ParameterBuilder()
        let layer = DenseLayer(&b, name: "d", inputs: 5, outputs: 4, bias: bias, rng: &rng)
        let p = ParameterStore<Double>(b)
        if let bo = layer.biasOffset { for k in 0..<4 { p.values[bo + k] = rng.uniform() - 0.5 } }
        let x = randomTensor(7, 5, &rng)
        let c = randomTensor(7, 4, &rng)
        func loss() -> Double { dot(layer.forward(x, p), c) }
        p.zeroGradients()
        let dx = layer.backward(x, c, p)!
        _ = checkParameterGradients(p, loss)
        for i in 0..<x.count {
            let s = x.data[i]
            x.data[i] = s + fdStep; let lp = loss()
            x.data[i] = s - fdStep; let lm = loss()
            x.data[i] = s
            #expect(close((lp - lm) / (2 * fdStep), dx.data[i]))
        }
        // y = x W + b against a direct sum.
        let y = layer.forward(x, p)
        for r in 0..<7 { for o in 0..<4 {
            var s = layer.biasOffset.map { p.values[$0 + o] } ?? 0
            for i in 0..<5 { s += x[r, i] * p.values[layer.weightOffset + i * 4 + o] }
            #expect(abs(s - y[r, o]) < 1e-14)
        } }
    }

    @Test(arguments: [Activation.shiftedSoftplus, .swish, .identity]) func activation(_ act: Activation) {
        for x in stride(from: -30.0, through: 30.0, by: 0.37) {
            let fd = (act.value(x + fdStep) - act.value(x - fdStep)) / (2 * fdStep)
            #expect(close(fd, act.derivative(x)), "\(act) at \(x)")
        }
        if act == .shiftedSoftplus {
            #expect(act.value(0.0) == 0)
            for x in stride(from: -20.0, through: 20.0, by: 0.5) {
                #expect(abs(act.value(x) - log(0.5 * exp(x) + 0.5)) < 1e-12)
            }
            #expect(act.value(Float(100)).isFinite && act.value(Float(-100)).isFinite)
        }
        if act == .swish { #expect(abs(act.value(1.0) - 1 / (1 + exp(-1.0))) < 1e-15) }
        // Tensor forms.
        var rng = SplitMix64(seed: 2)
        let x = randomTensor(3, 4, &rng, scale: 3), dy = randomTensor(3, 4, &rng)
        let (y, d) = act.forward(x)
        for i in 0..<x.count {
            #expect(close(y.data[i], act.value(x.data[i]), 1e-14) && close(d.data[i], act.derivative(x.data[i]), 1e-14))
        }
        let expected = (0..<x.count).map { dy.data[$0] * d.data[$0] }
        let dx = Activation.backward(derivative: d, dy)
        for i in 0..<x.count { #expect(dx.data[i] == expected[i]) }
        // The vectorised Float32 kernel against Float64 libm.
        let xs = stride(from: -95.0, through: 95.0, by: 0.013).map { Float($0) }
        let xf = Tensor<Float>(rows: 1, columns: xs.count, values: xs)
        let (yf, df) = act.forward(xf)
        var worst = 0.0
        for i in 0..<xs.count {
            let v = Double(xs[i])
            worst = max(worst, abs(Double(yf.data[i]) - act.value(v)) / max(1, abs(act.value(v))),
                        abs(Double(df.data[i]) - act.derivative(v)) / max(1, abs(act.derivative(v))))
        }
        #expect(worst < 1e-6, "Float32 kernel error \(worst)")
    }

    @Test func gaussianBasisAndCutoff() {
        // SchNetPack: 50 centres linspace(0, 5), width = spacing 5/49.
        let g = GaussianBasis.schnet(cutoff: 5, count: 50)
        #expect(g.count == 50 && g.centers.first == 0 && abs(g.centers.last! - 5) < 1e-15)
        #expect(abs(g.width - 5.0 / 49) < 1e-15)
        let d = [0.3, 1.1, 2.5, 4.9]
        let der = Tensor<Double>(rows: 4, columns: 50)
        let v: Tensor<Double> = g.expand(d, derivative: der)
        #expect(abs(v[1, 10] - exp(-0.5 * pow(1.1 - g.centers[10], 2) / (g.width * g.width))) < 1e-15)
        let vp: Tensor<Double> = g.expand(d.map { $0 + fdStep }), vm: Tensor<Double> = g.expand(d.map { $0 - fdStep })
        for i in 0..<v.count { #expect(close((vp.data[i] - vm.data[i]) / (2 * fdStep), der.data[i])) }
        // GNoME: 30 centres 0.05–4 Å, width 0.5.
        let gn = GaussianBasis(start: 0.05, stop: 4, count: 30, width: 0.5)
        #expect(gn.count == 30 && gn.width == 0.5 && abs(gn.centers[29] - 4) < 1e-15)

        let fc = CosineCutoff(cutoff: 5)
        #expect(fc.value(0) == 1 && fc.value(5) == 0 && fc.value(6) == 0 && abs(fc.value(2.5) - 0.5) < 1e-15)
        for r in stride(from: 0.1, to: 4.95, by: 0.23) {
            #expect(close((fc.value(r + fdStep) - fc.value(r - fdStep)) / (2 * fdStep), fc.derivative(r)))
        }
    }

    @Test func embedding() {
        var rng = SplitMix64(seed: 4)
        var b = ParameterBuilder()
        let emb = EmbeddingLayer(&b, name: "e", maxZ: 10, features: 3, rng: &rng)
        let p = ParameterStore<Double>(b)
        let z = [1, 6, 1, 8, 6, 1]
        let c = randomTensor(6, 3, &rng)
        p.zeroGradients()
        emb.backward(z, c, p)
        _ = checkParameterGradients(p) { dot(emb.forward(z, p), c) }
    }
}
