/// A dense real matrix stored column-major, as BLAS and LAPACK expect.
///
/// Element (i, j) lives at `elements[i + j * rows]`. The type is a plain value: copies are
/// independent (copy-on-write through the underlying array).
public struct Matrix: Equatable, Sendable {
    public let rows: Int
    public let columns: Int
    /// Column-major storage, `rows * columns` values.
    public var elements: [Double]

    /// A `rows × columns` matrix filled with `value`.
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0)
        self.rows = rows
        self.columns = columns
        self.elements = Array(repeating: value, count: rows * columns)
    }

    /// Wraps existing column-major storage.
    public init(rows: Int, columns: Int, elements: [Double]) {
        precondition(elements.count == rows * columns, "Matrix: \(elements.count) elements for \(rows)x\(columns)")
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// A square matrix built element by element.
    public init(size: Int, _ value: (Int, Int) -> Double) {
        self.init(rows: size, columns: size)
        for j in 0..<size { for i in 0..<size { elements[i + j * size] = value(i, j) } }
    }

    /// The `n × n` identity.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m.elements[i + i * n] = 1 }
        return m
    }

    @inlinable
    public subscript(i: Int, j: Int) -> Double {
        get { elements[i + j * rows] }
        set { elements[i + j * rows] = newValue }
    }

    public var transposed: Matrix {
        var t = Matrix(rows: columns, columns: rows)
        for j in 0..<columns { for i in 0..<rows { t.elements[j + i * columns] = elements[i + j * rows] } }
        return t
    }

    /// Columns `range` as a new matrix (e.g. the occupied orbitals).
    public func columns(_ range: Range<Int>) -> Matrix {
        Matrix(rows: rows, columns: range.count,
               elements: Array(elements[(range.lowerBound * rows)..<(range.upperBound * rows)]))
    }

    /// Σ_ij A_ij B_ij — the Frobenius inner product, e.g. tr(D F) for symmetric D.
    public func dot(_ other: Matrix) -> Double {
        precondition(rows == other.rows && columns == other.columns)
        var s = 0.0
        for k in 0..<elements.count { s += elements[k] * other.elements[k] }
        return s
    }

    /// Largest absolute element.
    public var maxAbs: Double { elements.reduce(0) { max($0, abs($1)) } }

    /// (A + Aᵀ)/2 — removes round-off asymmetry.
    public var symmetrized: Matrix {
        precondition(rows == columns)
        var s = self
        for j in 0..<columns { for i in 0..<j {
            let v = 0.5 * (self[i, j] + self[j, i]); s[i, j] = v; s[j, i] = v
        } }
        return s
    }

    public static func + (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.rows == b.rows && a.columns == b.columns)
        var c = a
        for k in 0..<c.elements.count { c.elements[k] += b.elements[k] }
        return c
    }

    public static func - (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.rows == b.rows && a.columns == b.columns)
        var c = a
        for k in 0..<c.elements.count { c.elements[k] -= b.elements[k] }
        return c
    }

    public static func * (s: Double, a: Matrix) -> Matrix {
        var c = a
        for k in 0..<c.elements.count { c.elements[k] *= s }
        return c
    }

    public static func += (a: inout Matrix, b: Matrix) {
        precondition(a.rows == b.rows && a.columns == b.columns)
        for k in 0..<a.elements.count { a.elements[k] += b.elements[k] }
    }
}
