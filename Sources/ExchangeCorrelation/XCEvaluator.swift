/// Evaluates the summed libxc components at grid points.
///
/// Outputs are summed over components: ε_xc (per particle), vρ = ∂(ρε)/∂ρ and vσ = ∂(ρε)/∂σ,
/// in libxc's layout (see `LibxcFunctional.evaluate`). Closed-shell B3LYP5 first derivatives
/// come from `ClosedShellB3LYP5`, which reproduces libxc's values for it at a seventh of the cost.
public final class XCEvaluator: @unchecked Sendable {
    public let functionals: [LibxcFunctional]
    public let needsGradient: Bool
    public let polarized: Bool
    /// Whether `evaluate` runs the Swift kernel of closed-shell B3LYP5 instead of libxc.
    public let usesClosedShellB3LYP5: Bool

    init(functionals: [LibxcFunctional], needsGradient: Bool, polarized: Bool, allowNativeKernels: Bool = true) {
        self.functionals = functionals
        self.needsGradient = needsGradient
        self.polarized = polarized
        usesClosedShellB3LYP5 = allowNativeKernels && !polarized && functionals.map(\.id) == [475]
    }

    /// Values per point: number of ρ, σ, vρ and vσ entries.
    public var rhoStride: Int { polarized ? 2 : 1 }
    public var sigmaStride: Int { polarized ? 3 : 1 }

    /// Evaluates at `count` points. `exc`, `vrho`, `vsigma` are overwritten with the sums over
    /// components; `scratch` must hold at least `count · (1 + rhoStride + sigmaStride)` values.
    public func evaluate(count: Int, rho: UnsafePointer<Double>, sigma: UnsafePointer<Double>?,
                         exc: UnsafeMutablePointer<Double>, vrho: UnsafeMutablePointer<Double>,
                         vsigma: UnsafeMutablePointer<Double>?, scratch: UnsafeMutablePointer<Double>) {
        if usesClosedShellB3LYP5, let sigma, let vsigma {
            ClosedShellB3LYP5.evaluate(count: count, rho: rho, sigma: sigma, exc: exc, vrho: vrho, vsigma: vsigma)
            return
        }
        let nr = count * rhoStride, ns = count * sigmaStride
        exc.update(repeating: 0, count: count)
        vrho.update(repeating: 0, count: nr)
        if needsGradient, let vsigma { vsigma.update(repeating: 0, count: ns) }
        let e = scratch, vr = scratch + count, vs = scratch + count + nr
        for f in functionals {
            let isGGA = f.rung == .gga
            f.evaluate(count: count, rho: rho, sigma: sigma, exc: e, vrho: vr, vsigma: isGGA ? vs : nil)
            for k in 0..<count { exc[k] += e[k] }
            for k in 0..<nr { vrho[k] += vr[k] }
            if isGGA, let vsigma { for k in 0..<ns { vsigma[k] += vs[k] } }
        }
    }

    /// Whether every component has second derivatives in this libxc build.
    public var hasSecondDerivatives: Bool { functionals.allSatisfy(\.hasSecondDerivatives) }

    /// First and second derivatives of ρε_xc summed over components at `count` points
    /// (unpolarised only): vrho and v2rho2, and for GGAs vsigma, v2rhosigma and v2sigma2 (see
    /// `LibxcFunctional.evaluateKernel`). Outputs are overwritten; `scratch` must hold 5 · `count`
    /// values.
    public func evaluateKernel(count: Int, rho: UnsafePointer<Double>, sigma: UnsafePointer<Double>?,
                               vrho: UnsafeMutablePointer<Double>, vsigma: UnsafeMutablePointer<Double>?,
                               v2rho2: UnsafeMutablePointer<Double>, v2rhosigma: UnsafeMutablePointer<Double>?,
                               v2sigma2: UnsafeMutablePointer<Double>?, scratch: UnsafeMutablePointer<Double>) {
        precondition(!polarized, "second derivatives are implemented for unpolarised densities only")
        let gga = needsGradient ? (vsigma, v2rhosigma, v2sigma2) : (nil, nil, nil)
        for out in [vrho, v2rho2, gga.0, gga.1, gga.2] { out?.update(repeating: 0, count: count) }
        let vr = scratch, vs = scratch + count, rr = scratch + 2 * count, rs = scratch + 3 * count, ss = scratch + 4 * count
        for f in functionals {
            let isGGA = f.rung == .gga
            f.evaluateKernel(count: count, rho: rho, sigma: sigma, vrho: vr, vsigma: isGGA ? vs : nil, v2rho2: rr,
                             v2rhosigma: isGGA ? rs : nil, v2sigma2: isGGA ? ss : nil)
            for k in 0..<count { vrho[k] += vr[k]; v2rho2[k] += rr[k] }
            if isGGA, let vsigma = gga.0, let v2rhosigma = gga.1, let v2sigma2 = gga.2 {
                for k in 0..<count { vsigma[k] += vs[k]; v2rhosigma[k] += rs[k]; v2sigma2[k] += ss[k] }
            }
        }
    }

    /// Convenience array form (tests, small inputs).
    public func evaluate(rho: [Double], sigma: [Double]? = nil) -> (exc: [Double], vrho: [Double], vsigma: [Double]) {
        let count = rho.count / rhoStride
        var exc = [Double](repeating: 0, count: count)
        var vrho = [Double](repeating: 0, count: rho.count)
        var vsigma = [Double](repeating: 0, count: count * sigmaStride)
        var scratch = [Double](repeating: 0, count: count * (1 + rhoStride + sigmaStride))
        let sig = sigma ?? [Double](repeating: 0, count: count * sigmaStride)
        rho.withUnsafeBufferPointer { r in sig.withUnsafeBufferPointer { s in
            exc.withUnsafeMutableBufferPointer { e in vrho.withUnsafeMutableBufferPointer { vr in
                vsigma.withUnsafeMutableBufferPointer { vs in scratch.withUnsafeMutableBufferPointer { sc in
                    evaluate(count: count, rho: r.baseAddress!, sigma: s.baseAddress, exc: e.baseAddress!,
                             vrho: vr.baseAddress!, vsigma: vs.baseAddress, scratch: sc.baseAddress!)
                } }
            } }
        } }
        return (exc, vrho, vsigma)
    }
}
