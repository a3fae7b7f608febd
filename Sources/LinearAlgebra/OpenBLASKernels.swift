import CLapack
import Foundation

/// Which of OpenBLAS's kernel families this process runs, and the correction chemflow makes
/// to OpenBLAS's own choice.
///
/// Debian 12's OpenBLAS (0.3.21, built with `DYNAMIC_ARCH`) chooses its kernels from the CPU's
/// family and model numbers. On a model it does not know it falls back to the kernels for
/// Prescott, a 2004 SSE3 core. 5th-generation Xeons (family 6, model 0xCF) are such a model,
/// and there dgemm on the shapes of the XC products (128 points × 57 × 57 functions) runs at
/// 15 GFLOP/s, against 50–70 GFLOP/s with the AVX-512 kernels (one core, `cblas_dgemm` alone).
/// Later OpenBLAS releases fall back by instruction-set support instead, and so does this: when
/// OpenBLAS settled on Prescott and `OPENBLAS_CORETYPE` is unset, OpenBLAS's selection is run
/// again with the family the CPU's vector extensions allow — SkylakeX with AVX-512F, Haswell
/// with AVX2 and FMA, Sandybridge with AVX, as OpenBLAS 0.3.22+ falls back (0.3.21 does not
/// accept "Cooperlake" by name; its dgemm is SkylakeX's). Set `OPENBLAS_CORETYPE` to choose
/// the family yourself.
///
/// Every BLAS and LAPACK wrapper in chemflow calls `ensureOpenBLASKernels()` first, so the
/// switch happens once, before the first BLAS call (it is not safe while one runs). It sets
/// `OPENBLAS_CORETYPE` for the moment of the switch, so a program that reads the environment
/// from other threads at that moment should call `OpenBLASKernels.ensureSelected()` at start-up,
/// as the `chemflow` command does.
public enum OpenBLASKernels {
    /// The kernel family OpenBLAS runs ("Prescott", "Haswell", "SkylakeX", …).
    public static var coreName: String {
        ensureSelected()
        return String(cString: openblas_get_corename())
    }

    /// The family chemflow switched OpenBLAS to, or nil when OpenBLAS's own choice stood.
    public static var replacedFallback: String? { openBLASKernelReplacement }

    /// Runs the correction if it has not run yet.
    public static func ensureSelected() { _ = openBLASKernelReplacement }

    /// The family this CPU's vector extensions allow, or nil without AVX (or not on x86-64).
    public static var familyForThisCPU: String? { familyForVectorExtensions(chemflow_x86_vector_extensions()) }

    /// The family vector extensions `extensions` (`chemflow_x86_vector_extensions` bits) allow.
    static func familyForVectorExtensions(_ extensions: Int32) -> String? {
        if extensions & 4 != 0 { return "SkylakeX" }
        if extensions & 2 != 0 { return "Haswell" }
        if extensions & 1 != 0 { return "Sandybridge" }
        return nil
    }

    static func replaceGenericFallback() -> String? {
        guard getenv("OPENBLAS_CORETYPE") == nil else { return nil }
        let chosen = String(cString: openblas_get_corename())
        guard chosen.lowercased() == "prescott", let family = familyForThisCPU else { return nil }
        setenv("OPENBLAS_CORETYPE", family, 1)
        let chosenAgain = chemflow_openblas_choose_kernels_again() != 0
        unsetenv("OPENBLAS_CORETYPE")
        return chosenAgain ? family : nil
    }
}

/// Set once, by the first BLAS or LAPACK call (`swift_once` makes concurrent first calls wait).
@usableFromInline let openBLASKernelReplacement: String? = OpenBLASKernels.replaceGenericFallback()

/// Makes sure OpenBLAS runs the kernels the CPU supports (`OpenBLASKernels`); call before BLAS.
@inlinable @inline(__always)
func ensureOpenBLASKernels() { _ = openBLASKernelReplacement }
