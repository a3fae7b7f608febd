import Foundation

/// A real 3×3 matrix stored by columns (lattice vectors are columns, as in DFTK).
public struct Mat3: Equatable, Sendable {
    public var columns: [SIMD3<Double>]

    public init(columns: [SIMD3<Double>]) {
        precondition(columns.count == 3)
        self.columns = columns
    }

    public init(rows: [SIMD3<Double>]) {
        precondition(rows.count == 3)
        columns = (0..<3).map { j in SIMD3(rows[0][j], rows[1][j], rows[2][j]) }
    }

    public static let identity = Mat3(columns: [SIMD3(1, 0, 0), SIMD3(0, 1, 0), SIMD3(0, 0, 1)])

    public subscript(i: Int, j: Int) -> Double {
        get { columns[j][i] }
        set { columns[j][i] = newValue }
    }

    public static func * (m: Mat3, v: SIMD3<Double>) -> SIMD3<Double> {
        m.columns[0] * v.x + m.columns[1] * v.y + m.columns[2] * v.z
    }

    public static func * (a: Mat3, b: Mat3) -> Mat3 {
        Mat3(columns: b.columns.map { a * $0 })
    }

    public static func * (s: Double, a: Mat3) -> Mat3 { Mat3(columns: a.columns.map { s * $0 }) }

    public var transposed: Mat3 { Mat3(rows: columns) }

    public var determinant: Double { vdot(columns[0], vcross(columns[1], columns[2])) }

    public var inverse: Mat3 {
        let d = determinant
        let a = columns[0], b = columns[1], c = columns[2]
        // Rows of the inverse are the cross products divided by the determinant.
        return Mat3(rows: [vcross(b, c) / d, vcross(c, a) / d, vcross(a, b) / d])
    }
}

@inline(__always) func vdot(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double { (a * b).sum() }
@inline(__always) func vnorm(_ a: SIMD3<Double>) -> Double { (a * a).sum().squareRoot() }
@inline(__always) func vcross(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}
