import ExchangeCorrelation

/// e^x for arrays of arguments x ≤ 0, four at a time (`VectorMath.exp`: Cody-Waite reduction,
/// degree-13 Taylor polynomial, relative error ≲ 2e-16 for −700 ≤ x ≤ 0, checked against libm
/// in the tests; arguments below −700 are clamped there). The Gaussian primitives of every AO on
/// every grid point need one exponential each, and libm's scalar `exp` was a fifth of the AO
/// evaluation.
@inline(__always)
func exponentialOfNonPositive(_ x: UnsafePointer<Double>, _ result: UnsafeMutablePointer<Double>, count: Int) {
    typealias V = SIMD4<Double>
    var i = 0
    while i + 4 <= count {
        let e = VectorMath.exp(UnsafeRawPointer(x + i).loadUnaligned(as: V.self))
        UnsafeMutableRawPointer(result + i).storeBytes(of: e, as: V.self)
        i += 4
    }
    if i < count {
        var v = V.zero
        for l in 0..<(count - i) { v[l] = x[i + l] }
        let e = VectorMath.exp(v)
        for l in 0..<(count - i) { result[i + l] = e[l] }
    }
}
