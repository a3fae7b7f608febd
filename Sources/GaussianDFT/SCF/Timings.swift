import Foundation

/// Wall time per stage of a calculation (seconds), so users and benchmarks can see where the
/// time goes: "one_electron", "two_electron_setup", "grid", "xc_setup", "coulomb_exchange",
/// "exchange_correlation", "diagonalization", "guess".
public final class Timings: @unchecked Sendable {
    private var seconds: [String: Double] = [:]
    private let lock = NSLock()

    public init() {}

    /// Runs `body` and adds its wall time to `stage`.
    @discardableResult
    public func measure<T>(_ stage: String, _ body: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer {
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            lock.lock(); seconds[stage, default: 0] += elapsed; lock.unlock()
        }
        return try body()
    }

    public var snapshot: [String: Double] {
        lock.lock(); defer { lock.unlock() }
        return seconds
    }
}
