import Foundation
import LinearAlgebra

/// Per-family input scaling of the model's coefficients.
///
/// The learned part of each coefficient multiplies a block of an input matrix M_k, and those
/// blocks differ in size by orders of magnitude: the on-site 1s–1s block of the kinetic matrix
/// of O is ~29 Ha, of the nuclear attraction ~−60 Ha, an H–H overlap block ~0.3. Adam moves
/// every parameter by about the learning rate per step, so without scaling the same step changes
/// W by 100× more through a core kinetic block than through a valence overlap block: the kinetic
/// and nuclear coefficients are stiff (oscillate), the others crawl. The model therefore uses
///
///     s_k(A, B)[a, b] = base_k + σ_f · ½(t_k(A, B)[a, b] + t_k(B, A)[b, a]),
///     σ_f = 1 / max(RMS_f, ρ_min),   RMS_f = sqrt(mean over the training set of M_k,μν², μν ∈ f)
///
/// with one σ per block family f = (k, on-site or not, element of A, shell slot a, element of B,
/// shell slot b), so a unit change of t moves W by ~1 Ha RMS in every family. The floor ρ_min =
/// 0.01 Ha keeps families that vanish by symmetry (on-site s–p blocks of S and T) or are tiny
/// from getting huge factors. RMS_f is symmetric under (A, a) ↔ (B, b) because every M_k is, so
/// W stays symmetric. σ is part of the model's configuration, fixed after it is computed, so the
/// gradient of the energy with respect to the parameters is that of a fixed linear map.
extension HamiltonianModelConfiguration {
    /// Smallest RMS a family is scaled for (Ha); see the type comment.
    public static let blockScaleFloor = 0.01

    /// Number of block families: K matrices × {off-site, on-site} × (elements · slots)².
    public var blockFamilyCount: Int {
        let es = elements.count * shellSlots
        return matrixNames.count * 2 * es * es
    }

    /// Index of family (k, on-site, element indices ea/eb into `elements`, slots a/b).
    @inline(__always)
    func blockFamily(_ k: Int, onSite: Bool, _ ea: Int, _ a: Int, _ eb: Int, _ b: Int) -> Int {
        let s = shellSlots, e = elements.count
        return ((((k * 2 + (onSite ? 1 : 0)) * e + ea) * s + a) * e + eb) * s + b
    }

    /// σ_f = 1 / max(RMS_f, floor) over the input matrices of `inputs` (1 for families that do
    /// not occur), in `blockFamily` order: the value for `blockScales`.
    public func blockScales(for inputs: [MolecularInputs]) -> [Double] {
        var sumSquares = [Double](repeating: 0, count: blockFamilyCount)
        var counts = [Int](repeating: 0, count: blockFamilyCount)
        let index = Dictionary(uniqueKeysWithValues: elements.enumerated().map { ($1, $0) })
        for m in inputs {
            let z = m.structure.atomicNumbers
            // Each unordered pair μ ≤ ν adds to the family of (μ, ν) and of (ν, μ) in the same order,
            // so transposed families get bit-identical sums and W is exactly symmetric.
            for nu in 0..<m.aoCount {
                for mu in 0...nu {
                    let a = m.aoAtom[mu], b = m.aoAtom[nu]
                    for k in 0..<m.matrices.count {
                        let v = m.matrices[k][mu, nu]
                        let f = blockFamily(k, onSite: a == b, index[z[a]]!, m.aoSlot[mu], index[z[b]]!, m.aoSlot[nu])
                        sumSquares[f] += v * v
                        counts[f] += 1
                        if mu != nu {
                            let g = blockFamily(k, onSite: a == b, index[z[b]]!, m.aoSlot[nu], index[z[a]]!, m.aoSlot[mu])
                            sumSquares[g] += v * v
                            counts[g] += 1
                        }
                    }
                }
            }
        }
        return zip(sumSquares, counts).map { s, n in
            n == 0 ? 1 : 1 / max((s / Double(n)).squareRoot(), Self.blockScaleFloor)
        }
    }
}
