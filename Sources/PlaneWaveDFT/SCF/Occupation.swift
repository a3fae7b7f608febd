import Foundation

/// Smearing function for fractional occupations (x = (ε − μ)/σ).
public enum SmearingScheme: String, Sendable, Codable, CaseIterable {
    case fermiDirac = "fermi-dirac"
    case gaussian

    /// Occupation per spin orbital, in [0, 1].
    func occupation(_ x: Double) -> Double {
        switch self {
        case .fermiDirac:
            if x > 40 { return 0 }
            if x < -40 { return 1 }
            return 1 / (1 + exp(x))
        case .gaussian: return 0.5 * erfc(x)
        }
    }

    /// Entropy contribution per spin orbital, s(x): the energy term is −σ Σ w f_spin s(x).
    func entropy(_ x: Double) -> Double {
        switch self {
        case .fermiDirac:
            let f = occupation(x)
            guard f > 0, f < 1 else { return 0 }
            return -(f * log(f) + (1 - f) * log(1 - f))
        case .gaussian: return exp(-x * x) / (2 * Double.pi.squareRoot())
        }
    }
}

struct Occupations {
    var occupations: [[Double]]
    var fermiLevel: Double
    /// −σ S (zero without smearing).
    var entropyEnergy: Double
}

/// Fills bands: without smearing the lowest N_el/2 bands of every k-point get 2 electrons
/// (Fermi level at mid-gap); with smearing μ is found by bisection so that
/// Σ_k w_k Σ_n 2 f((ε_nk − μ)/σ) = N_el.
func computeOccupations(eigenvalues: [[Double]], weights: [Double], electrons: Int,
                        smearing: Double?, scheme: SmearingScheme) -> Occupations {
    guard let sigma = smearing, sigma > 0 else {
        let nocc = electrons / 2
        let occ = eigenvalues.map { e in (0..<e.count).map { $0 < nocc ? 2.0 : 0.0 } }
        let vbm = eigenvalues.map { $0[nocc - 1] }.max()!
        let cbm = eigenvalues.compactMap { $0.count > nocc ? $0[nocc] : nil }.min() ?? vbm
        return Occupations(occupations: occ, fermiLevel: 0.5 * (vbm + cbm), entropyEnergy: 0)
    }
    func count(_ mu: Double) -> Double {
        var n = 0.0
        for (k, e) in eigenvalues.enumerated() { for v in e { n += weights[k] * 2 * scheme.occupation((v - mu) / sigma) } }
        return n
    }
    let all = eigenvalues.flatMap { $0 }
    var lo = all.min()! - 50 * sigma - 1, hi = all.max()! + 50 * sigma + 1
    let target = Double(electrons)
    for _ in 0..<200 {
        let mid = 0.5 * (lo + hi)
        if count(mid) < target { lo = mid } else { hi = mid }
        if hi - lo < 1e-14 { break }
    }
    let mu = 0.5 * (lo + hi)
    var entropy = 0.0
    var occ: [[Double]] = []
    for (k, e) in eigenvalues.enumerated() {
        occ.append(e.map { 2 * scheme.occupation(($0 - mu) / sigma) })
        for v in e { entropy += weights[k] * 2 * scheme.entropy((v - mu) / sigma) }
    }
    return Occupations(occupations: occ, fermiLevel: mu, entropyEnergy: -sigma * entropy)
}
