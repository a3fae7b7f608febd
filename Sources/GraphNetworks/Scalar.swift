import Foundation
import LinearAlgebra

/// The element type of network tensors. `Float` is the production type (Float32 storage,
/// sgemm); `Double` runs the identical code in Float64 so that every backward pass can be
/// checked against central finite differences in the tests.
public protocol NetworkScalar: BinaryFloatingPoint, Sendable {
    /// Column-major GEMM: C (m × n) = alpha · op(A) · op(B) + beta · C.
    static func blasGEMM(m: Int, n: Int, k: Int, alpha: Self,
                         a: UnsafePointer<Self>, lda: Int, transposeA: Bool,
                         b: UnsafePointer<Self>, ldb: Int, transposeB: Bool,
                         beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    static func exponential(_ x: Self) -> Self
    static func logOnePlus(_ x: Self) -> Self
    static func cosine(_ x: Self) -> Self
    static func sine(_ x: Self) -> Self
    /// Bulk kernel behind the activations: for each x, softplus(x) − ln 2 (= ssp(x)) and σ(x),
    /// both from the single exponential t = e^{−|x|}.
    static func shiftedSoftplusAndSigmoid(_ x: UnsafePointer<Self>, ssp: UnsafeMutablePointer<Self>,
                                          sigmoid: UnsafeMutablePointer<Self>, count: Int)
}

extension NetworkScalar {
    /// Reference implementation with the scalar's libm functions (used for Double).
    @inline(__always)
    static func shiftedSoftplusAndSigmoidReference(_ x: UnsafePointer<Self>, ssp: UnsafeMutablePointer<Self>,
                                                   sigmoid: UnsafeMutablePointer<Self>, count: Int) {
        let ln2 = Self(0.693_147_180_559_945_3)
        for i in 0..<count {
            let v = x[i]
            let t = exponential(-abs(v))
            ssp[i] = max(v, 0) + logOnePlus(t) - ln2
            sigmoid[i] = (v >= 0 ? 1 : t) / (1 + t)
        }
    }
}

extension Float: NetworkScalar {
    @inlinable public static func blasGEMM(m: Int, n: Int, k: Int, alpha: Float,
                                           a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
                                           b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
                                           beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        sgemm(m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, transposeA: transposeA,
              b: b, ldb: ldb, transposeB: transposeB, beta: beta, c: c, ldc: ldc)
    }
    @inlinable public static func exponential(_ x: Float) -> Float { Foundation.exp(x) }
    @inlinable public static func logOnePlus(_ x: Float) -> Float { Foundation.log1p(x) }
    @inlinable public static func cosine(_ x: Float) -> Float { Foundation.cos(x) }
    @inlinable public static func sine(_ x: Float) -> Float { Foundation.sin(x) }

    /// Branch-free, auto-vectorisable Float32 kernel: e^{−|x|} by Cephes-style range reduction
    /// (degree-6 polynomial, 2^k from the exponent bits) and ln(1 + t), t ∈ [0, 1], by the
    /// atanh series 2s(1 + s²/3 + … + s¹⁴/15), s = t / (2 + t) ≤ 1/3. Relative error ≲ 3e-7,
    /// checked against Float64 libm in the tests. About 10× faster than expf + log1pf calls.
    public static func shiftedSoftplusAndSigmoid(_ x: UnsafePointer<Float>, ssp: UnsafeMutablePointer<Float>,
                                                 sigmoid: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let v = x[i]
            let y = max(-abs(v), -87)
            // Round y·log2(e) to an integer k with the 1.5·2²³ trick: the float's low mantissa
            // bits then hold k, and 2^k is built from exponent bits, all without branches.
            let shifted = y * 1.442_695_04 + 12_582_912
            let kf = shifted - 12_582_912
            let r = y - kf * 0.693_359_375 + kf * 2.121_944_4e-4
            var p: Float = 1.987_569_15e-4
            p = p * r + 1.398_199_95e-3
            p = p * r + 8.333_451_9e-3
            p = p * r + 4.166_579_59e-2
            p = p * r + 0.166_666_655
            p = p * r + 0.500_000_01
            let er = p * (r * r) + r + 1
            let kBits = shifted.bitPattern &- 0x4B40_0000  // k (two's complement)
            let t = er * Float(bitPattern: (kBits &+ 127) &<< 23)
            let s = t / (2 + t)
            let s2 = s * s
            var q: Float = 1.0 / 15
            q = q * s2 + 1.0 / 13
            q = q * s2 + 1.0 / 11
            q = q * s2 + 1.0 / 9
            q = q * s2 + 1.0 / 7
            q = q * s2 + 1.0 / 5
            q = q * s2 + 1.0 / 3
            q = q * s2 + 1
            let log1pT = 2 * s * q
            ssp[i] = max(v, 0) + log1pT - 0.693_147_18
            sigmoid[i] = (v >= 0 ? 1 : t) / (1 + t)
        }
    }
}

extension Double: NetworkScalar {
    @inlinable public static func blasGEMM(m: Int, n: Int, k: Int, alpha: Double,
                                           a: UnsafePointer<Double>, lda: Int, transposeA: Bool,
                                           b: UnsafePointer<Double>, ldb: Int, transposeB: Bool,
                                           beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            for j in 0..<n { for i in 0..<m { c[i + j * ldc] = beta == 0 ? 0 : beta * c[i + j * ldc] } }
            return
        }
        gemm(m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, transposeA: transposeA,
             b: b, ldb: ldb, transposeB: transposeB, beta: beta, c: c, ldc: ldc)
    }
    @inlinable public static func exponential(_ x: Double) -> Double { Foundation.exp(x) }
    @inlinable public static func logOnePlus(_ x: Double) -> Double { Foundation.log1p(x) }
    @inlinable public static func cosine(_ x: Double) -> Double { Foundation.cos(x) }
    @inlinable public static func sine(_ x: Double) -> Double { Foundation.sin(x) }
    public static func shiftedSoftplusAndSigmoid(_ x: UnsafePointer<Double>, ssp: UnsafeMutablePointer<Double>,
                                                 sigmoid: UnsafeMutablePointer<Double>, count: Int) {
        shiftedSoftplusAndSigmoidReference(x, ssp: ssp, sigmoid: sigmoid, count: count)
    }
}

/// Row-major GEMM: C (M × N) = alpha · op(A) · op(B) + beta · C where op(A) is M × K and op(B)
/// is K × N, all matrices row-major with the given row strides. Implemented as the column-major
/// product Cᵀ = op(B)ᵀ · op(A)ᵀ, so no data moves.
@inline(__always)
func rowMajorGEMM<T: NetworkScalar>(transposeA: Bool = false, transposeB: Bool = false,
                                    m: Int, n: Int, k: Int, alpha: T = 1,
                                    a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
                                    beta: T = 0, c: UnsafeMutablePointer<T>, ldc: Int) {
    T.blasGEMM(m: n, n: m, k: k, alpha: alpha, a: b, lda: ldb, transposeA: transposeB,
               b: a, ldb: lda, transposeB: transposeA, beta: beta, c: c, ldc: ldc)
}

/// Recycles tensor buffers between passes. Large short-lived activations otherwise go through
/// mmap/munmap on every batch, and the page faults on fresh pages cost as much as the GEMMs.
/// Buffers are kept in size classes (≤ 12.5 % rounding) up to `limitBytes` in total.
/// A pool belongs to one model and, like the model, must not be used from two threads at once.
public final class TensorPool {
    private var free: [Int: [UnsafeMutableRawPointer]] = [:]
    private var pooledBytes = 0
    public var limitBytes: Int

    public init(limitBytes: Int = 1 << 30) { self.limitBytes = limitBytes }

    deinit { for (_, list) in free { for p in list { p.deallocate() } } }

    /// Rounds up to 8 steps per power of two.
    static func sizeClass(_ bytes: Int) -> Int {
        let b = max(bytes, 64)
        let top = Int.bitWidth - (b - 1).leadingZeroBitCount  // 2^top ≥ b
        let step = max(8, 1 << max(0, top - 3))
        return (b + step - 1) / step * step
    }

    func take(_ bytes: Int) -> UnsafeMutableRawPointer {
        if let p = free[bytes]?.popLast() { pooledBytes -= bytes; return p }
        return .allocate(byteCount: bytes, alignment: 64)
    }

    func give(_ p: UnsafeMutableRawPointer, _ bytes: Int) {
        if pooledBytes + bytes > limitBytes { p.deallocate(); return }
        free[bytes, default: []].append(p)
        pooledBytes += bytes
    }

    /// Returns every pooled buffer to the system.
    public func drain() {
        for (_, list) in free { for p in list { p.deallocate() } }
        free = [:]
        pooledBytes = 0
    }
}

/// A row-major matrix of network activations with manually managed storage. Rows are atoms,
/// edges or structures; columns are features. Zero-filled unless `zeroed: false` (for outputs
/// that are overwritten entirely). Outputs of layers come from the pool of their input.
public final class Tensor<T: NetworkScalar> {
    public let rows: Int
    public let columns: Int
    public let data: UnsafeMutablePointer<T>
    public let pool: TensorPool?
    private let bytes: Int

    public init(rows: Int, columns: Int, pool: TensorPool? = nil, zeroed: Bool = true) {
        precondition(rows >= 0 && columns >= 0)
        self.rows = rows
        self.columns = columns
        self.pool = pool
        let count = max(1, rows * columns)
        if let pool {
            bytes = TensorPool.sizeClass(count * MemoryLayout<T>.stride)
            data = pool.take(bytes).bindMemory(to: T.self, capacity: count)
        } else {
            bytes = count * MemoryLayout<T>.stride
            data = .allocate(capacity: count)
        }
        if zeroed { data.initialize(repeating: 0, count: count) }
    }

    /// A tensor of the same pool as `self`.
    @inline(__always) func sibling(rows: Int, columns: Int, zeroed: Bool = true) -> Tensor<T> {
        Tensor(rows: rows, columns: columns, pool: pool, zeroed: zeroed)
    }

    public convenience init(rows: Int, columns: Int, values: [T]) {
        precondition(values.count == rows * columns)
        self.init(rows: rows, columns: columns)
        for i in 0..<values.count { data[i] = values[i] }
    }

    deinit {
        if let pool { pool.give(UnsafeMutableRawPointer(data), bytes) } else { data.deallocate() }
    }

    public var count: Int { rows * columns }

    @inline(__always) public subscript(r: Int, c: Int) -> T {
        get { data[r * columns + c] }
        set { data[r * columns + c] = newValue }
    }

    @inline(__always) public func row(_ r: Int) -> UnsafeMutablePointer<T> { data + r * columns }

    public var array: [T] { Array(UnsafeBufferPointer(start: data, count: count)) }

    public func copy() -> Tensor<T> {
        let t = Tensor(rows: rows, columns: columns)
        t.data.update(from: data, count: count)
        return t
    }

    public func zero() { data.update(repeating: 0, count: max(1, count)) }
}

/// 64-bit FNV-1a hash of a string's UTF-8 bytes: stable across runs and platforms (unlike
/// `Hasher`), used for the train/validation split.
public func stableHash(_ s: String) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in s.utf8 { h ^= UInt64(b); h = h &* 0x0000_0100_0000_01B3 }
    return h
}
