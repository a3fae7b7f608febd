import Foundation
import CLibXC

/// One libxc functional, initialised for a spin treatment; owns the libxc object.
///
/// libxc objects are read-only during evaluation, so one instance may be shared by the
/// threads of one calculation.
public final class LibxcFunctional: @unchecked Sendable {
    /// libxc's numeric id (e.g. 402 = HYB_GGA_XC_B3LYP).
    public let id: Int
    /// libxc's name in the `xc_functional_get_name` form (e.g. "hyb_gga_xc_b3lyp").
    public let name: String
    /// true when initialised spin-polarised (inputs are (ρα, ρβ) per point).
    public let polarized: Bool
    let pointer: UnsafeMutablePointer<xc_func_type>

    public init(id: Int, polarized: Bool) throws {
        guard let p = xc_func_alloc() else { throw XCError.libxc("xc_func_alloc failed") }
        if xc_func_init(p, Int32(id), polarized ? cxc_polarized() : cxc_unpolarized()) != 0 {
            xc_func_free(p)
            throw XCError.unknownFunctional("libxc id \(id)")
        }
        self.pointer = p
        self.id = id
        self.polarized = polarized
        if let cname = xc_functional_get_name(Int32(id)) {
            self.name = String(cString: cname)
            free(cname)
        } else {
            self.name = "libxc_\(id)"
        }
    }

    deinit {
        xc_func_end(pointer)
        xc_func_free(pointer)
    }

    /// The libxc family, folding hybrids into their base rung.
    public var rung: Rung {
        let f = cxc_func_family(pointer)
        if f == cxc_family_lda() || f == cxc_family_hyb_lda() { return .lda }
        if f == cxc_family_gga() || f == cxc_family_hyb_gga() { return .gga }
        return .unsupported
    }

    /// Fraction of exact (Hartree-Fock) exchange, 0 for pure functionals.
    public var exactExchange: Double { xc_hyb_exx_coef(pointer) }

    /// Range-separation parameter ω (bohr⁻¹); 0 for global hybrids and pure functionals.
    public var rangeSeparation: Double {
        var omega = 0.0, alpha = 0.0, beta = 0.0
        xc_hyb_cam_coef(pointer, &omega, &alpha, &beta)
        return omega
    }

    /// Rungs chemflow evaluates.
    public enum Rung: Sendable { case lda, gga, unsupported }

    /// Evaluates ε_xc (energy per particle) and first derivatives at `count` points.
    ///
    /// Layout follows libxc: unpolarised ρ[n], σ[n]; polarised ρ[2n] = (ρα, ρβ),
    /// σ[3n] = (σαα, σαβ, σββ), vρ[2n], vσ[3n]. `sigma`/`vsigma` are ignored for LDA.
    func evaluate(count: Int, rho: UnsafePointer<Double>, sigma: UnsafePointer<Double>?,
                  exc: UnsafeMutablePointer<Double>, vrho: UnsafeMutablePointer<Double>,
                  vsigma: UnsafeMutablePointer<Double>?) {
        switch rung {
        case .lda:
            xc_lda_exc_vxc(pointer, count, rho, exc, vrho)
        case .gga:
            xc_gga_exc_vxc(pointer, count, rho, sigma, exc, vrho, vsigma)
        case .unsupported:
            preconditionFailure("unsupported functional family for \(name)")
        }
    }
}

extension LibxcFunctional {
    /// Whether libxc provides second derivatives (fxc) for this functional.
    public var hasSecondDerivatives: Bool { cxc_func_has_fxc(pointer) != 0 }

    /// First and second derivatives of ρε_xc at `count` points in one libxc call, unpolarised
    /// only: vrho, v2rho2 = ∂²(ρε)/∂ρ², and for GGAs vsigma, v2rhosigma = ∂²(ρε)/∂ρ∂σ, v2sigma2 =
    /// ∂²(ρε)/∂σ² (σ = |∇ρ|²); the GGA outputs are ignored for LDA. The XC kernel of linear
    /// response (TDDFT, CPKS) and of backpropagation through SCF steps.
    func evaluateKernel(count: Int, rho: UnsafePointer<Double>, sigma: UnsafePointer<Double>?,
                        vrho: UnsafeMutablePointer<Double>, vsigma: UnsafeMutablePointer<Double>?,
                        v2rho2: UnsafeMutablePointer<Double>, v2rhosigma: UnsafeMutablePointer<Double>?,
                        v2sigma2: UnsafeMutablePointer<Double>?) {
        precondition(!polarized, "second derivatives are implemented for unpolarised densities only")
        switch rung {
        case .lda:
            xc_lda_vxc_fxc(pointer, count, rho, vrho, v2rho2)
        case .gga:
            xc_gga_vxc_fxc(pointer, count, rho, sigma, vrho, vsigma, v2rho2, v2rhosigma, v2sigma2)
        case .unsupported:
            preconditionFailure("unsupported functional family for \(name)")
        }
    }
}

/// libxc's version string, e.g. "5.2.3".
public var libxcVersion: String { String(cString: xc_version_string()) }
