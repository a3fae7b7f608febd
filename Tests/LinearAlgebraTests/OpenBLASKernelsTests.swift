import Foundation
import Testing
@testable import LinearAlgebra

@Suite struct OpenBLASKernelsTests {
    /// After a BLAS call OpenBLAS must not run its generic Prescott (SSE3) kernels on a CPU with
    /// AVX: Debian 12's OpenBLAS 0.3.21 does exactly that on CPU models it does not know (this
    /// machine's Xeon, family 6 model 0xCF, before the correction), at a third of the speed.
    @Test func genericFallbackIsReplacedOnCPUsWithAVX() {
        let a = Matrix(size: 8) { i, j in Double(i + 2 * j) }
        let product = multiply(a, a)
        var expected = 0.0
        for k in 0..<8 { expected += a[1, k] * a[k, 2] }
        #expect(product[1, 2] == expected)
        guard getenv("OPENBLAS_CORETYPE") == nil, let family = OpenBLASKernels.familyForThisCPU else { return }
        let core = OpenBLASKernels.coreName
        #expect(core.lowercased() != "prescott")
        if let replaced = OpenBLASKernels.replacedFallback {
            #expect(replaced == family)
            #expect(core.lowercased() == family.lowercased())
        }
    }

    @Test func familyFollowsTheWidestVectorExtension() {
        #expect(OpenBLASKernels.familyForVectorExtensions(0) == nil)
        #expect(OpenBLASKernels.familyForVectorExtensions(1) == "Sandybridge")
        #expect(OpenBLASKernels.familyForVectorExtensions(3) == "Haswell")
        #expect(OpenBLASKernels.familyForVectorExtensions(7) == "SkylakeX")
    }
}
