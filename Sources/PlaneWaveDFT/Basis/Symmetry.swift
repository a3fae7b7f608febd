import CSpglib
import Foundation

/// A space-group operation in fractional coordinates: x ↦ W x + w.
public struct SymmetryOperation: Sendable, Equatable {
    /// Integer rotation, row-major: W[i][j].
    public var rotation: [[Int]]
    public var translation: SIMD3<Double>

    public static let identity = SymmetryOperation(rotation: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], translation: .zero)

    /// Wᵀ k: how a Bloch vector (reciprocal fractional coordinates) transforms.
    public func rotateReciprocal(_ k: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3((0..<3).map { j in Double(rotation[0][j]) * k.x + Double(rotation[1][j]) * k.y + Double(rotation[2][j]) * k.z })
    }

    /// Wᵀ G for integer G.
    public func rotateReciprocal(_ g: SIMD3<Int>) -> SIMD3<Int> {
        SIMD3((0..<3).map { j in rotation[0][j] * g.x + rotation[1][j] * g.y + rotation[2][j] * g.z })
    }
}

enum SpglibLock {
    static let lock = NSLock()
}

/// Space-group operations of the model found by spglib (positions and species as types).
public func symmetryOperations(model: Model, tolerance: Double = 1e-5) -> [SymmetryOperation] {
    let n = model.atomCount
    // spglib wants lattice[i][j] = component i of vector j (vectors as columns).
    var lat = [Double](repeating: 0, count: 9)
    for i in 0..<3 { for j in 0..<3 { lat[3 * i + j] = model.lattice[i, j] } }
    var pos = [Double](repeating: 0, count: 3 * n)
    for a in 0..<n { for k in 0..<3 { pos[3 * a + k] = model.positions[a][k] } }
    let types = model.atomicNumbers.enumerated().map { Int32(model.species[$0.offset] * 1000 + $0.element) }
    let maxOps = 48 * max(1, n)
    var rot = [Int32](repeating: 0, count: 9 * maxOps)
    var trans = [Double](repeating: 0, count: 3 * maxOps)
    SpglibLock.lock.lock(); defer { SpglibLock.lock.unlock() }
    let count = rot.withUnsafeMutableBytes { r in trans.withUnsafeMutableBytes { t in
        lat.withUnsafeMutableBytes { l in pos.withUnsafeMutableBytes { p in types.withUnsafeBufferPointer { ty in
            spg_get_symmetry(r.baseAddress!.assumingMemoryBound(to: ((Int32, Int32, Int32), (Int32, Int32, Int32), (Int32, Int32, Int32)).self),
                             t.baseAddress!.assumingMemoryBound(to: (Double, Double, Double).self), Int32(maxOps),
                             l.baseAddress!.assumingMemoryBound(to: (Double, Double, Double).self),
                             p.baseAddress!.assumingMemoryBound(to: (Double, Double, Double).self),
                             ty.baseAddress!, Int32(n), tolerance)
        } } }
    } }
    guard count > 0 else { return [.identity] }
    var ops: [SymmetryOperation] = []
    for k in 0..<Int(count) {
        let w = (0..<3).map { i in (0..<3).map { j in Int(rot[9 * k + 3 * i + j]) } }
        var t = SIMD3(trans[3 * k], trans[3 * k + 1], trans[3 * k + 2])
        t -= t.rounded(.toNearestOrAwayFromZero)
        for i in 0..<3 where abs(t[i]) < 1e-10 { t[i] = 0 }
        ops.append(SymmetryOperation(rotation: w, translation: t))
    }
    return ops
}

/// Irreducible k-points with weights.
public struct KPointSet: Sendable {
    /// Reciprocal fractional coordinates in (−½, ½].
    public var coordinates: [SIMD3<Double>]
    /// Weights summing to 1.
    public var weights: [Double]
    /// Operations that map the grid onto itself (used to symmetrise the density).
    public var symmetries: [SymmetryOperation]
}

/// Monkhorst-Pack grid k = (n + s/2)/N (s ∈ {0,1}: shift; Γ-centred when s = 0), reduced by the
/// operations that leave the grid invariant, together with time reversal k ↦ −k.
public func monkhorstPackGrid(size: SIMD3<Int>, shift: SIMD3<Int> = .zero,
                              symmetries: [SymmetryOperation] = [.identity],
                              timeReversal: Bool = true) -> KPointSet {
    let total = size.x * size.y * size.z
    func wrap(_ x: Double) -> Double {
        var y = x - x.rounded(.toNearestOrAwayFromZero)
        if y <= -0.5 + 1e-10 { y += 1 }
        return y
    }
    // Grid order: first index fastest; integer offsets 0, 1, …, then negative ones (as spglib).
    var points: [SIMD3<Double>] = []
    points.reserveCapacity(total)
    for c in 0..<size.z { for b in 0..<size.y { for a in 0..<size.x {
        let n = SIMD3(Double(a), Double(b), Double(c)), s = SIMD3(Double(shift.x), Double(shift.y), Double(shift.z))
        let dims = SIMD3(Double(size.x), Double(size.y), Double(size.z))
        let k = (n + 0.5 * s) / dims
        points.append(SIMD3(wrap(k.x), wrap(k.y), wrap(k.z)))
    } } }
    func index(of k: SIMD3<Double>) -> Int? {
        let dims = SIMD3(Double(size.x), Double(size.y), Double(size.z))
        let s = SIMD3(Double(shift.x), Double(shift.y), Double(shift.z))
        let n = k * dims - 0.5 * s
        let r = n.rounded(.toNearestOrAwayFromZero)
        guard ((n - r) * (n - r)).sum() < 1e-12 else { return nil }
        var ii = SIMD3(Int(r.x), Int(r.y), Int(r.z))
        ii = SIMD3(((ii.x % size.x) + size.x) % size.x, ((ii.y % size.y) + size.y) % size.y, ((ii.z % size.z) + size.z) % size.z)
        return ii.x + size.x * (ii.y + size.y * ii.z)
    }
    // Keep the operations that map the grid onto itself.
    let kept = symmetries.filter { op in points.allSatisfy { index(of: op.rotateReciprocal($0)) != nil } }
    var owner = [Int](repeating: -1, count: total)
    var coords: [SIMD3<Double>] = []
    var counts: [Int] = []
    for i in 0..<total where owner[i] < 0 {
        let rep = coords.count
        coords.append(points[i]); counts.append(0)
        for op in kept {
            let k = op.rotateReciprocal(points[i])
            for image in timeReversal ? [k, -k] : [k] {
                if let j = index(of: image), owner[j] < 0 { owner[j] = rep; counts[rep] += 1 }
            }
        }
        if owner[i] < 0 { owner[i] = rep; counts[rep] += 1 }
    }
    return KPointSet(coordinates: coords, weights: counts.map { Double($0) / Double(total) },
                     symmetries: kept.isEmpty ? [.identity] : kept)
}
