#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// Four-lane elementary functions for the closed-shell B3LYP5 kernel: libm's scalar `log`,
/// `atan`, `cbrt`, `asinh` and `exp` were half of that kernel's time, one call per lane.
///
/// `log` and `atan` are fdlibm's algorithms (e_log.c, s_atan.c: the same reductions and
/// minimax polynomials, < 1 ulp there) with the branches turned into lane selects; `cbrt` is a
/// bit-level first guess refined by Halley's iteration; `exp` is Cody-Waite reduction with a
/// degree-13 Taylor polynomial. Each is checked against libm in `VectorMathTests` (log, atan
/// ≤ 2 ulp; cbrt, exp, asinh ≤ 4 ulp on the ranges the kernel uses). Arguments must be
/// positive, finite and normal (exp: ≤ 0).
public enum VectorMath {
    public typealias V = SIMD4<Double>
    public typealias Bits = SIMD4<UInt64>

    @inlinable @inline(__always) static func bits(_ x: V) -> Bits { unsafeBitCast(x, to: Bits.self) }
    @inlinable @inline(__always) static func double(_ b: Bits) -> V { unsafeBitCast(b, to: V.self) }

    /// Natural logarithm, x > 0 normal. x = 2^k (1 + f) with 1 + f ∈ [√½, √2);
    /// log(1 + f) = f − (f²/2 − s (f²/2 + R(s²))), s = f / (2 + f).
    @inline(__always)
    static func log(_ x: V) -> V {
        let ln2Hi = 6.93147180369123816490e-01, ln2Lo = 1.90821492927058770002e-10
        let lg1 = 6.666666666666735130e-01, lg2 = 3.999999999940941908e-01
        let lg3 = 2.857142874366239149e-01, lg4 = 2.222219843214978396e-01
        let lg5 = 1.818357216161805012e-01, lg6 = 1.531383769920937332e-01
        let lg7 = 1.479819860511658591e-01
        let b = bits(x)
        // Mantissa scaled into [1, 2), then into [√½, √2) by moving one power of two to k.
        let exponentMask: UInt64 = 0x7FF0_0000_0000_0000
        let one = Bits(repeating: 0x3FF0_0000_0000_0000)
        var m = double((b & ~Bits(repeating: exponentMask)) | one)
        let rawExponent = SIMD4<Int64>(truncatingIfNeeded: (b & Bits(repeating: exponentMask)) &>> 52) &- 1023
        var k = V(rawExponent)
        let high = m .> V(repeating: 1.4142135623730951)
        m.replace(with: 0.5 * m, where: high)
        k.replace(with: k + 1, where: high)
        let f = m - 1
        let s = f / (2 + f)
        let z = s * s, w = z * z
        var t1: V = w * lg6 + lg4
        t1 = w * (w * t1 + lg2)
        var t2: V = w * lg7 + lg5
        t2 = w * t2 + lg3; t2 = z * (w * t2 + lg1)
        let r: V = t2 + t1
        let hfsq: V = 0.5 * f * f
        let inner: V = s * (hfsq + r) + k * ln2Lo
        return k * ln2Hi - ((hfsq - inner) - f)
    }

    /// Arctangent of x ≥ 0 (fdlibm's five intervals: reduced to |t| < 7/16 by
    /// atan(x) = atan(c) + atan((x − c)/(1 + c x)), c = ½, 1, 3/2, ∞).
    @inline(__always)
    static func atan(_ x: V) -> V {
        let aT0 = 3.33333333333329318027e-01, aT1 = -1.99999999998764832476e-01, aT2 = 1.42857142725034663711e-01
        let aT3 = -1.11111104054623557880e-01, aT4 = 9.09088713343650656196e-02, aT5 = -7.69187620504482999495e-02
        let aT6 = 6.66107313738753120669e-02, aT7 = -5.83357013379057348645e-02, aT8 = 4.97687799461593236017e-02
        let aT9 = -3.65315727442169155270e-02, aT10 = 1.62858201153657823623e-02
        let zero = V.zero
        // Interval selects: numerator / denominator of the reduced argument and atan(c) as hi + lo.
        var numerator = x, denominator = V(repeating: 1), hi = zero, lo = zero
        let i0 = x .>= 0.4375, i1 = x .>= 0.6875, i2 = x .>= 1.1875, i3 = x .>= 2.4375
        numerator.replace(with: 2 * x - 1, where: i0); denominator.replace(with: 2 + x, where: i0)
        hi.replace(with: 4.63647609000806093515e-01, where: i0); lo.replace(with: 2.26987774529616870924e-17, where: i0)
        numerator.replace(with: x - 1, where: i1); denominator.replace(with: x + 1, where: i1)
        hi.replace(with: 7.85398163397448278999e-01, where: i1); lo.replace(with: 3.06161699786838301793e-17, where: i1)
        numerator.replace(with: x - 1.5, where: i2); denominator.replace(with: 1 + 1.5 * x, where: i2)
        hi.replace(with: 9.82793723247329054082e-01, where: i2); lo.replace(with: 1.39033110312309984516e-17, where: i2)
        numerator.replace(with: V(repeating: -1), where: i3); denominator.replace(with: x, where: i3)
        hi.replace(with: 1.57079632679489655800e+00, where: i3); lo.replace(with: 6.12323399573676603587e-17, where: i3)
        let t = numerator / denominator
        let z = t * t, w = z * z
        var even: V = w * aT10 + aT8
        even = w * even + aT6; even = w * even + aT4; even = w * even + aT2; even = w * even + aT0
        var odd: V = w * aT9 + aT7
        odd = w * odd + aT5; odd = w * odd + aT3; odd = w * odd + aT1
        let tail: V = t * (z * even + w * odd)
        let reduced: V = t - tail
        let shifted: V = hi - ((tail - lo) - t)
        return reduced.replacing(with: shifted, where: i0)
    }

    /// Cube root, x > 0 normal: exponent divided by three in the bits (fdlibm's first guess,
    /// ≲ 6 % off), then three Halley steps y ← y + y (x − y³)/(2y³ + x) (error cubed each step).
    @inline(__always)
    static func cbrt(_ x: V) -> V {
        var y = double(bits(x) / 3 &+ Bits(repeating: UInt64(715_094_163) << 32))
        for _ in 0..<3 {
            let y3 = y * y * y
            // As a correction to y: its rounding is a fraction of an ulp of y (and no y·x product
            // to under- or overflow at the ends of the range).
            y = y + y * ((x - y3) / (2 * y3 + x))
        }
        return y
    }

    /// e^x for x ≤ 0 (clamped at −700; e^−700 ≈ 1e-304, zero for every use here).
    ///
    /// Method (Cody-Waite): x = k ln 2 + r with k = round(x / ln 2) and |r| ≤ ln 2 / 2, ln 2 split
    /// into a 32-bit head and a tail so that k ln 2 is exact; e^r by its Taylor polynomial to
    /// degree 13 (truncation r¹⁴/14! < 6e-18 relative) in fused multiply-adds, and 2^k put into
    /// the exponent bits. Also the exponential of every Gaussian primitive on the grid
    /// (GaussianDFT's `exponentialOfNonPositive`), hence public.
    @inlinable @inline(__always)
    public static func exp(_ x: V) -> V {
        let log2e = 1.4426950408889634
        let ln2Head = 0.693147180369123816490  // 32 significant bits: k·ln2Head is exact for |k| < 2^20
        let ln2Tail = 1.90821492927058770002e-10
        let shifter = 6755399441055744.0       // 1.5·2^52: adding it rounds to an integer in the low bits
        let xc = x.replacing(with: -700, where: x .< -700)   // (the generic pointwiseMax is not inlined)
        let kShifted = xc * log2e + shifter
        let k = kShifted - shifter
        let r = (xc - k * ln2Head) - k * ln2Tail
        var p = V(repeating: 1.0 / 6227020800.0)          // 1/13!
        p = V(repeating: 1.0 / 479001600).addingProduct(p, r)
        p = V(repeating: 1.0 / 39916800).addingProduct(p, r)
        p = V(repeating: 1.0 / 3628800).addingProduct(p, r)
        p = V(repeating: 1.0 / 362880).addingProduct(p, r)
        p = V(repeating: 1.0 / 40320).addingProduct(p, r)
        p = V(repeating: 1.0 / 5040).addingProduct(p, r)
        p = V(repeating: 1.0 / 720).addingProduct(p, r)
        p = V(repeating: 1.0 / 120).addingProduct(p, r)
        p = V(repeating: 1.0 / 24).addingProduct(p, r)
        p = V(repeating: 1.0 / 6).addingProduct(p, r)
        p = V(repeating: 0.5).addingProduct(p, r)
        p = V(repeating: 1).addingProduct(p, r)
        p = V(repeating: 1).addingProduct(p, r)
        // The low bits of kShifted hold k (two's complement); k + 1023 is the biased exponent.
        let scale = double((bits(kShifted) &+ Bits(repeating: 1023)) &<< 52)
        return p * scale
    }

    /// √x per lane. `SIMD4.squareRoot()` goes lane by lane through `Double.squareRoot()`, which
    /// on Linux keeps libm's errno path (a compare and a branch to `sqrt` per lane) and so turns
    /// every expression around it scalar; `vsqrtpd` does the four at once. Public for the
    /// four-lane integral code of GaussianDFT, which had the same problem.
    @inlinable @inline(__always)
    public static func sqrt(_ x: V) -> V {
        #if arch(x86_64)
        return _mm256_sqrt_pd(x)
        #else
        return x.squareRoot()
        #endif
    }

    /// asinh x for x ≥ 0 as log(x + √(1 + x²)): relative error ~ε/x for small x, harmless where
    /// it is used (B88's 1 + 6βx asinh x).
    @inline(__always)
    static func asinh(_ x: V) -> V { log(x + sqrt(1 + x * x)) }
}
