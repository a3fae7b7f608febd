import Foundation

/// A quadrature rule on [0, ∞) for the radial coordinate.
public struct RadialGrid: Sendable {
    /// Radii in bohr, ascending.
    public let r: [Double]
    /// dr/dx times the Chebyshev weight: ∫₀^∞ f(r) dr ≈ Σ dr[i] f(r[i]).
    public let dr: [Double]
    /// Weights for ∫ f d³r over a spherically symmetric f: 4π r² dr (computed as PySCF does).
    public var volumeWeights: [Double] {
        zip(r, dr).map { (4 * Double.pi * ($0 * $0)) * $1 }
    }
    public var count: Int { r.count }

    public init(r: [Double], dr: [Double]) {
        precondition(r.count == dr.count)
        self.r = r
        self.dr = dr
    }

    /// Treutler-Ahlrichs M4 mapping (JCP 102, 346 (1995)) of Gauss-Chebyshev points of the
    /// second kind, exactly as PySCF's `radi.treutler_ahlrichs`:
    /// x_i = cos(iπ/(n+1)), r = −(ξ/ln 2)(1+x)^0.6 ln((1−x)/2), i = 1...n, returned with
    /// r ascending. `xi` is the element's ξ (`GridTables.treutlerXi`; 1 for PySCF's
    /// non-atom-specific variant).
    public static func treutlerAhlrichs(count n: Int, xi: Double) -> RadialGrid {
        var r = [Double](repeating: 0, count: n)
        var dr = [Double](repeating: 0, count: n)
        let step = Double.pi / Double(n + 1)
        let scale = xi / log(2.0)
        for i in 0..<n {
            let t = Double(i + 1) * step
            let x = cos(t)
            let p = pow(1 + x, 0.6)
            let l = log((1 - x) / 2)
            // Stored reversed (PySCF returns r[::-1]) so that r ascends.
            r[n - 1 - i] = (-scale * p) * l
            dr[n - 1 - i] = (((step * sin(t)) * scale) * p) * ((-0.6 / (1 + x)) * l + 1 / (1 - x))
        }
        return RadialGrid(r: r, dr: dr)
    }

    /// PySCF's default radial grid for an element: Treutler-Ahlrichs with the element's ξ.
    public static func treutlerAhlrichs(count n: Int, atomicNumber z: Int) throws -> RadialGrid {
        guard GridTables.isSupported(z) else { throw GridError.unsupportedElement(z) }
        return treutlerAhlrichs(count: n, xi: GridTables.treutlerXi(z))
    }
}
