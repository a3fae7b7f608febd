import Foundation

/// Learning rate per optimiser step for `trainHamiltonianModel`: linear warm-up, then constant or
/// cosine decay.
///
///     lr(s) = lr_peak · min(1, (s + 1)/W) · c(s)
///     c(s) = 1                                                        (constant)
///     c(s) = f + (1 − f) · ½(1 + cos(π · min(1, (s − W)⁺ / (S − W))))  (cosine)
///
/// s = 0, 1, … counts steps, W = `warmupSteps`, S = the total step count, f = `finalFraction`.
/// Warm-up keeps Adam's first steps (whose normalised moments move every parameter by about lr)
/// from throwing the prediction far from the SAD start; the decay lets the last epochs settle
/// instead of oscillating at the step size.
public struct HamiltonianLearningRateSchedule: Sendable, Codable, Equatable {
    public enum Shape: String, Sendable, Codable, CaseIterable { case constant, cosine }
    public var shape: Shape
    public var warmupSteps: Int
    /// lr at the last step as a fraction of the peak (cosine only).
    public var finalFraction: Double

    public init(shape: Shape = .cosine, warmupSteps: Int = 0, finalFraction: Double = 0.01) {
        self.shape = shape
        self.warmupSteps = warmupSteps
        self.finalFraction = finalFraction
    }

    /// The constant schedule without warm-up (the behaviour before schedules existed).
    public static let constant = HamiltonianLearningRateSchedule(shape: .constant)

    /// Learning rate of step `step` (0-based) of `totalSteps`.
    public func rate(step: Int, totalSteps: Int, peak: Double) -> Double {
        let warm = warmupSteps > 0 ? min(1, Double(step + 1) / Double(warmupSteps)) : 1
        switch shape {
        case .constant:
            return peak * warm
        case .cosine:
            let span = max(1, totalSteps - 1 - warmupSteps)
            let x = min(1, Double(max(0, step - warmupSteps)) / Double(span))
            return peak * warm * (finalFraction + (1 - finalFraction) * 0.5 * (1 + cos(Double.pi * x)))
        }
    }

    func validate() throws {
        guard warmupSteps >= 0, finalFraction >= 0, finalFraction <= 1 else {
            throw HamiltonianLearningError.invalidSetting("warm-up steps must be ≥ 0 and the final fraction in [0, 1]")
        }
    }
}
