import Foundation

/// Adam with decoupled weight decay (Loshchilov & Hutter's AdamW, PyTorch's update order):
///   θ ← θ − lr·λ·θ;  m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;
///   θ ← θ − lr · m̂ / (√v̂ + ε),  m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ).
/// λ = 0 is plain Adam. Moments are kept in Float64.
public struct AdamW: Sendable {
    public var beta1 = 0.9
    public var beta2 = 0.999
    public var epsilon = 1e-8
    public var weightDecay = 0.0
    public private(set) var step = 0
    public private(set) var m: [Double] = []
    public private(set) var v: [Double] = []

    public init(weightDecay: Double = 0, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8) {
        self.weightDecay = weightDecay
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    /// Optimiser state for checkpoints: (step, first moments, second moments).
    public var state: (step: Int, m: [Double], v: [Double]) { (step, m, v) }
    public mutating func restore(step: Int, m: [Double], v: [Double]) {
        precondition(m.count == v.count)
        self.step = step; self.m = m; self.v = v
    }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public mutating func update<T>(_ p: ParameterStore<T>, learningRate lr: Double) {
        if m.count != p.count {
            m = Array(repeating: 0, count: p.count)
            v = Array(repeating: 0, count: p.count)
        }
        step += 1
        let c1 = 1 - Foundation.pow(beta1, Double(step)), c2 = 1 - Foundation.pow(beta2, Double(step))
        let decay = 1 - lr * weightDecay
        m.withUnsafeMutableBufferPointer { m in
            v.withUnsafeMutableBufferPointer { v in
                for i in 0..<p.count {
                    let g = Double(p.gradients[i])
                    m[i] = beta1 * m[i] + (1 - beta1) * g
                    v[i] = beta2 * v[i] + (1 - beta2) * g * g
                    let update = lr * (m[i] / c1) / ((v[i] / c2).squareRoot() + epsilon)
                    p.values[i] = T(Double(p.values[i]) * decay - update)
                }
            }
        }
    }
}

/// Learning rate = base · warm-up factor · plateau factor.
/// Warm-up rises linearly from base/warmupSteps to base over the first `warmupSteps` optimiser
/// steps. Reduce-on-plateau multiplies by `factor` when the monitored value (validation MAE)
/// has not improved by more than `threshold` (relative) for `patience` epochs, down to `minimum`.
public struct LearningRateSchedule: Codable, Sendable, Equatable {
    public var base: Double
    public var warmupSteps: Int
    public var factor: Double
    public var patience: Int
    public var threshold: Double
    public var minimum: Double
    public private(set) var plateauScale = 1.0
    public private(set) var best = Double.infinity
    public private(set) var badEpochs = 0

    public init(base: Double, warmupSteps: Int = 0, factor: Double = 0.5, patience: Int = 5,
                threshold: Double = 1e-4, minimum: Double = 1e-6) {
        self.base = base
        self.warmupSteps = warmupSteps
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.minimum = minimum
    }

    public func rate(step: Int) -> Double {
        let warm = warmupSteps > 0 ? min(1, Double(step + 1) / Double(warmupSteps)) : 1
        return max(base * plateauScale, minimum) * warm
    }

    /// Records an epoch's validation metric; returns true if the rate was reduced.
    @discardableResult
    public mutating func observe(_ value: Double) -> Bool {
        if value < best * (1 - threshold) {
            best = value
            badEpochs = 0
            return false
        }
        badEpochs += 1
        if badEpochs > patience && base * plateauScale > minimum {
            plateauScale *= factor
            badEpochs = 0
            return true
        }
        return false
    }
}
