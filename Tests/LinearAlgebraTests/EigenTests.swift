import Testing
@testable import LinearAlgebra

@Suite struct EigenTests {
    @Test func generalizedEigenvectorsAreMetricOrthonormal() throws {
        let f = Matrix(size: 3) { i, j in Double(i + j) + (i == j ? 1 : 0) }
        let s = Matrix(size: 3) { i, j in i == j ? 2 : 0.3 }
        let (e, c) = try generalizedSymmetricEigen(f, metric: s)
        let ctsc = multiply(multiply(c, s, transposeA: true), c)
        #expect((ctsc - .identity(3)).maxAbs < 1e-12)
        let residual = multiply(f, c) - multiply(multiply(s, c), Matrix(size: 3) { i, j in i == j ? e[i] : 0 })
        #expect(residual.maxAbs < 1e-12)
        #expect(e == e.sorted())
    }

    @Test func choleskyReproducesMatrix() throws {
        let s = Matrix(size: 4) { i, j in i == j ? 3 : 0.5 / Double(1 + i + j) }
        let l = try choleskyLower(s)
        #expect((multiply(l, l, transposeB: true) - s).maxAbs < 1e-14)
        #expect(throws: LinearAlgebraError.self) { try choleskyLower(Matrix(size: 2) { _, _ in 1 }) }
    }
}
