/// Target standardisation (SchNetPack's ScaleShift + atom references): the network's per-atom
/// output y_i (dimensionless, O(1)) becomes the energy in eV as
///   E = Σ_i (scale · y_i + mean + reference[Z_i]),
/// evaluated in Float64. `reference` holds per-element energies fitted by least squares on
/// the training set; `mean` and `scale` are the mean and standard deviation of the
/// per-atom residual (E − Σ_i reference[Z_i]) / N over the training set.
public struct Standardization: Codable, Sendable, Equatable {
    /// Elements seen in training, ascending, and their reference energies (eV).
    public var elements: [Int]
    public var references: [Double]
    /// Per-atom shift and scale of the residual, eV/atom.
    public var mean: Double
    public var scale: Double

    public init(elements: [Int], references: [Double], mean: Double, scale: Double) {
        precondition(elements.count == references.count)
        self.elements = elements
        self.references = references
        self.mean = mean
        self.scale = scale
    }

    /// No shift, unit scale, any element accepted (for tests and untrained models).
    public static let identity = Standardization(elements: [], references: [], mean: 0, scale: 1)

    /// True when the model accepts every element (the identity standardisation).
    public var acceptsAnyElement: Bool { elements.isEmpty }

    public func reference(_ z: Int) -> Double? {
        if elements.isEmpty { return 0 }
        guard let k = elements.firstIndex(of: z) else { return nil }
        return references[k]
    }

    /// A dense table reference[Z] for Z in 0...maxZ (0 for unknown elements).
    func table(maxZ: Int) -> [Double] {
        var t = [Double](repeating: 0, count: maxZ + 1)
        for (k, z) in elements.enumerated() where z >= 0 && z <= maxZ { t[z] = references[k] }
        return t
    }

    /// Least-squares element references, then per-atom mean and standard deviation of the
    /// residual. A tiny ridge (1e-12 of the largest diagonal) keeps collinear compositions
    /// (e.g. every structure the same formula) solvable; the mean absorbs what it leaves.
    public static func fit(atomicNumbers: [[Int]], energies: [Double]) throws -> Standardization {
        guard !energies.isEmpty, atomicNumbers.count == energies.count else { throw GraphNetworkError.emptyDataset }
        let elements = Array(Set(atomicNumbers.joined())).sorted()
        let k = elements.count
        let index = Dictionary(uniqueKeysWithValues: elements.enumerated().map { ($1, $0) })
        var ata = [Double](repeating: 0, count: k * k), atb = [Double](repeating: 0, count: k)
        for (zs, e) in zip(atomicNumbers, energies) {
            var counts = [Double](repeating: 0, count: k)
            for z in zs { counts[index[z]!] += 1 }
            for a in 0..<k where counts[a] != 0 {
                atb[a] += counts[a] * e
                for b in 0..<k { ata[a * k + b] += counts[a] * counts[b] }
            }
        }
        let ridge = 1e-12 * max(1, (0..<k).map { ata[$0 * k + $0] }.max() ?? 1)
        for a in 0..<k { ata[a * k + a] += ridge }
        let refs = solveLinearSystem(ata, atb, size: k)
        var residuals: [Double] = []
        for (zs, e) in zip(atomicNumbers, energies) {
            guard !zs.isEmpty else { continue }
            let r = e - zs.reduce(0.0) { $0 + refs[index[$1]!] }
            residuals.append(r / Double(zs.count))
        }
        let mean = residuals.reduce(0, +) / Double(residuals.count)
        let variance = residuals.reduce(0.0) { $0 + ($1 - mean) * ($1 - mean) } / Double(residuals.count)
        var scale = variance.squareRoot()
        if !(scale > 1e-12) { scale = 1 }
        return Standardization(elements: elements, references: refs, mean: mean, scale: scale)
    }
}

/// Solves A x = b (A row-major, size × size) by Gaussian elimination with partial pivoting.
func solveLinearSystem(_ a: [Double], _ b: [Double], size n: Int) -> [Double] {
    var m = a, x = b
    for col in 0..<n {
        var pivot = col
        for r in col..<n where abs(m[r * n + col]) > abs(m[pivot * n + col]) { pivot = r }
        if pivot != col {
            for c in 0..<n { m.swapAt(col * n + c, pivot * n + c) }
            x.swapAt(col, pivot)
        }
        let p = m[col * n + col]
        guard p != 0 else { continue }
        for r in (col + 1)..<max(col + 1, n) {
            let f = m[r * n + col] / p
            if f == 0 { continue }
            for c in col..<n { m[r * n + c] -= f * m[col * n + c] }
            x[r] -= f * x[col]
        }
    }
    for col in stride(from: n - 1, through: 0, by: -1) {
        var s = x[col]
        for c in (col + 1)..<max(col + 1, n) { s -= m[col * n + c] * x[c] }
        x[col] = m[col * n + col] != 0 ? s / m[col * n + col] : 0
    }
    return x
}
