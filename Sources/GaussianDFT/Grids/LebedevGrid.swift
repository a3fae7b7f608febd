import Foundation

/// A quadrature rule on the unit sphere.
public struct AngularGrid: Sendable {
    /// Unit vectors.
    public let points: [SIMD3<Double>]
    /// Weights normalised to sum 1 (multiply by 4π for the surface measure).
    public let weights: [Double]
    /// Spherical harmonics of degree ≤ `degree` are integrated exactly.
    public let degree: Int
    public var count: Int { points.count }
}

/// Lebedev-Laikov angular grids (V. I. Lebedev, D. N. Laikov, Doklady Mathematics 59,
/// 477 (1999)) from 6 to 1454 points.
///
/// The grids are generated at run time from their octahedral orbits, stored in
/// `Resources/Lebedev/lebedev_orbits.txt` (written by `datasets/lebedev/generate.py` from
/// `scipy.integrate.lebedev_rule`). Orbits are expanded in the order of the Lebedev-Laikov
/// `gen_oh` routine, which is also PySCF's order, so the points equal PySCF's
/// `MakeAngularGrid(n)` one for one.
public enum LebedevGrids {
    /// Supported numbers of points, ascending (PySCF `LEBEDEV_NGRID` from 6 to 1454).
    public static let pointCounts: [Int] = [6, 14, 26, 38, 50, 74, 86, 110, 146, 170, 194, 230, 266,
                                            302, 350, 434, 590, 770, 974, 1202, 1454]
    /// Degree for each entry of `pointCounts` (PySCF `LEBEDEV_ORDER`).
    public static let degrees: [Int] = [3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27,
                                        29, 31, 35, 41, 47, 53, 59, 65]

    /// Number of points of the Lebedev grid of a given degree, nil if none.
    public static func pointCount(degree: Int) -> Int? {
        degrees.firstIndex(of: degree).map { pointCounts[$0] }
    }

    /// The Lebedev grid with `points` points.
    public static func grid(points: Int) throws -> AngularGrid {
        switch table {
        case .failure(let e): throw e
        case .success(let grids):
            guard let g = grids[points] else { throw GridError.unsupportedAngularGrid(points) }
            return g
        }
    }

    /// One octahedral orbit: `code` selects the pattern of the generator (see `expand`).
    struct Orbit {
        var code: Int
        var a: Double, b: Double, c: Double
        var v: Double
    }

    /// All signed permutations of an orbit's generator, in `gen_oh` order: the patterns
    /// below in turn, and for each the signs of its non-zero coordinates counted in binary
    /// with the first coordinate's sign varying fastest.
    static func expand(_ o: Orbit, into points: inout [SIMD3<Double>], weights: inout [Double]) {
        let a = o.a, b = o.b, c = o.c
        let patterns: [SIMD3<Double>]
        switch o.code {
        case 0: patterns = [SIMD3(a, 0, 0), SIMD3(0, a, 0), SIMD3(0, 0, a)]            // 6 points
        case 1: patterns = [SIMD3(0, a, a), SIMD3(a, 0, a), SIMD3(a, a, 0)]            // 12
        case 2: patterns = [SIMD3(a, a, a)]                                            // 8
        case 3: patterns = [SIMD3(a, a, b), SIMD3(a, b, a), SIMD3(b, a, a)]            // 24
        case 4: patterns = [SIMD3(a, b, 0), SIMD3(b, a, 0), SIMD3(a, 0, b),
                            SIMD3(b, 0, a), SIMD3(0, a, b), SIMD3(0, b, a)]            // 24
        default: patterns = [SIMD3(a, b, c), SIMD3(a, c, b), SIMD3(b, a, c),
                             SIMD3(b, c, a), SIMD3(c, a, b), SIMD3(c, b, a)]           // 48
        }
        for p in patterns {
            let nonzero = (0..<3).filter { p[$0] != 0 }
            for s in 0..<(1 << nonzero.count) {
                var q = p
                for (k, i) in nonzero.enumerated() where (s >> k) & 1 == 1 { q[i] = -q[i] }
                points.append(q)
                weights.append(o.v)
            }
        }
    }

    /// Parses the orbit table and expands every grid; built once on first use.
    static let table: Result<[Int: AngularGrid], GridError> = {
        guard let url = Bundle.module.url(forResource: "lebedev_orbits", withExtension: "txt",
                                          subdirectory: "Resources/Lebedev"),
              let text = try? String(contentsOf: url, encoding: .utf8)
        else { return .failure(.missingResource("Resources/Lebedev/lebedev_orbits.txt")) }
        return parse(text)
    }()

    static func parse(_ text: String) -> Result<[Int: AngularGrid], GridError> {
        var grids: [Int: AngularGrid] = [:]
        var current: (n: Int, degree: Int)?
        var pts: [SIMD3<Double>] = []
        var wts: [Double] = []
        func finish() -> Bool {
            guard let cur = current else { return true }
            guard pts.count == cur.n else { return false }
            grids[cur.n] = AngularGrid(points: pts, weights: wts, degree: cur.degree)
            pts = []; wts = []
            return true
        }
        for line in text.split(separator: "\n") {
            if line.hasPrefix("#") || line.allSatisfy(\.isWhitespace) { continue }
            let f = line.split(separator: " ")
            if f[0] == "grid" {
                guard finish(), f.count == 3, let n = Int(f[1]), let d = Int(f[2]) else {
                    return .failure(.missingResource("malformed Lebedev table near '\(line)'"))
                }
                current = (n, d)
                pts.reserveCapacity(n); wts.reserveCapacity(n)
            } else {
                guard current != nil, f.count == 5, let code = Int(f[0]), (0...5).contains(code),
                      let a = Double(f[1]), let b = Double(f[2]), let c = Double(f[3]), let v = Double(f[4])
                else { return .failure(.missingResource("malformed Lebedev table near '\(line)'")) }
                expand(Orbit(code: code, a: a, b: b, c: c, v: v), into: &pts, weights: &wts)
            }
        }
        guard finish() else { return .failure(.missingResource("Lebedev table: point count mismatch")) }
        for n in pointCounts where grids[n] == nil {
            return .failure(.missingResource("Lebedev table lacks the \(n)-point grid"))
        }
        return .success(grids)
    }
}
