import GaussianDFT

/// The method presets of `chemflow generate`: everything that defines the labels except the
/// geometry, charge and spin.
public enum GenerationPreset: String, CaseIterable, Sendable {
    /// QM1B's method: B3LYP5/STO-3G on PySCF's grid level 0, with a converged SCF (QM1B ran 20
    /// fixed iterations in float32). Level 0 puts energies 3.9e-2 Ha (mean; HOMO 5e-4 Ha,
    /// dipoles 3e-3 D) away from a converged grid, so two numerical cutoffs are loosened to where
    /// what they change is far below that error. Measured on the 200 molecules of
    /// `datasets/molecules/gdb-like-9to11-200.xyz` against the default cutoffs, both together:
    /// energies move by 1.3e-7 Ha mean (4.8e-7 max), HOMO and LUMO by ≤ 8.7e-7 Ha, dipoles by
    /// 9e-7 D mean (2.1e-5 max), SCF iterations are unchanged, and the run takes 16–19 % less
    /// time (two threads, same-day A/B runs: 43.4 → 36.5 s, 43.7 → 35.3 s).
    /// - `aoCutoff` 1e-5 (default 1e-10): fewer functions per grid block, XC passes ~12 % cheaper.
    /// - `eriPrimitiveThreshold` 1e-10 (default 1e-15): two-electron integrals ~24 % cheaper.
    /// The SCF convergence stays at 1e-9 Ha: 1e-7 would save 9 % but move dipoles by 3e-4 D
    /// on average, a tenth of the grid's own error.
    case qm1b
    /// The same functional and basis on grid level 3 (within 1e-4 Ha of a converged grid), with
    /// the default cutoffs.
    case accurate

    /// The preset's SCF settings (explicit command-line values are applied on top).
    public var settings: SCFSettings {
        var s = SCFSettings()
        s.functional = "b3lyp5"
        s.basis = "sto-3g"
        switch self {
        case .qm1b:
            s.gridLevel = 0
            s.aoCutoff = 1e-5
            s.eriPrimitiveThreshold = 1e-10
        case .accurate:
            s.gridLevel = 3
        }
        return s
    }
}
