import Foundation
import CLibXC

/// An exchange-correlation model: a sum of libxc functionals plus a fraction of exact exchange.
///
/// E_xc = Σ_k ∫ ρ ε_k(ρ, σ) dr + a_x E_x^HF, with a_x from libxc (`xc_hyb_exx_coef`) or 1 for
/// Hartree-Fock. Names follow libxc (`GGA_X_PBE,GGA_C_PBE`, ids like `101,130`) plus aliases:
/// `lda` = LDA_X + LDA_C_VWN (VWN5, as PySCF's "LDA,VWN"), `pbe`, `b3lyp` = HYB_GGA_XC_B3LYP
/// (402, VWN-RPA, PySCF ≥ 2.3), `b3lyp5` = HYB_GGA_XC_B3LYP5 (475, VWN5, as QM1B), `pbe0` =
/// HYB_GGA_XC_PBEH (406), `hf` = Hartree-Fock.
public struct ExchangeCorrelationFunctional: Sendable {
    /// Short names and the libxc ids they resolve to (empty = Hartree-Fock).
    public static let aliases: [String: [Int]] = [
        "hf": [], "rhf": [], "uhf": [],
        "lda": [1, 7], "svwn": [1, 7], "lda,vwn": [1, 7], "svwn5": [1, 7],
        "pbe": [101, 130],
        "b3lyp": [402],
        "b3lyp5": [475],
        "pbe0": [406], "pbeh": [406],
        "blyp": [106, 131],
    ]

    /// The name as the user gave it.
    public let name: String
    /// Resolved libxc components (ids and names), empty for Hartree-Fock.
    public let componentIDs: [Int]
    public let componentNames: [String]
    /// Fraction of exact exchange a_x (1 for Hartree-Fock).
    public let exactExchange: Double
    /// Whether the functional depends on ∇ρ (GGA) and so needs density gradients.
    public let needsGradient: Bool

    public var isHartreeFock: Bool { componentIDs.isEmpty }

    /// "402 (hyb_gga_xc_b3lyp)"-style description for output files.
    public var libxcDescription: String {
        isHartreeFock ? "hartree-fock" : zip(componentIDs, componentNames).map { "\($0) (\($1))" }.joined(separator: ", ")
    }

    public init(_ spec: String) throws {
        let key = spec.trimmingCharacters(in: .whitespaces).lowercased()
        var ids: [Int]
        if let alias = Self.aliases[key] {
            ids = alias
        } else {
            ids = []
            for part in key.split(separator: ",") {
                let token = part.trimmingCharacters(in: .whitespaces)
                if let id = Int(token) { ids.append(id); continue }
                let n = xc_functional_get_number(token)
                guard n > 0 else { throw XCError.unknownFunctional(spec) }
                ids.append(Int(n))
            }
            if ids.isEmpty { throw XCError.unknownFunctional(spec) }
        }
        var names: [String] = []
        var ax = ids.isEmpty ? 1.0 : 0.0
        var gradient = false
        for id in ids {
            let f: LibxcFunctional
            do { f = try LibxcFunctional(id: id, polarized: false) } catch { throw XCError.unknownFunctional(spec) }
            switch f.rung {
            case .lda: break
            case .gga: gradient = true
            case .unsupported: throw XCError.unsupported("functional '\(f.name)' is a meta-GGA or other family chemflow does not evaluate yet (LDA, GGA and global hybrids are supported)")
            }
            if f.rangeSeparation != 0 {
                throw XCError.unsupported("functional '\(f.name)' is range-separated; chemflow supports global hybrids only")
            }
            ax += f.exactExchange
            names.append(f.name)
        }
        self.name = spec
        self.componentIDs = ids
        self.componentNames = names
        self.exactExchange = ax
        self.needsGradient = gradient
    }

    /// A ready-to-use evaluator for one calculation (spin-restricted or unrestricted).
    /// `allowNativeKernels: false` keeps every evaluation in libxc (see `ClosedShellB3LYP5`).
    public func evaluator(polarized: Bool, allowNativeKernels: Bool = true) throws -> XCEvaluator {
        try XCEvaluator(functionals: componentIDs.map { try LibxcFunctional(id: $0, polarized: polarized) },
                        needsGradient: needsGradient, polarized: polarized, allowNativeKernels: allowNativeKernels)
    }
}
