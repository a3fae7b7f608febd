/// Physical constants and unit conversions (CODATA 2018, as used by PySCF 2.x).
public enum Units {
    /// Bohr radius in Å (CODATA 2018).
    public static let bohrInAngstrom = 0.529_177_210_903
    /// 1 Å in bohr.
    public static let angstromInBohr = 1.0 / bohrInAngstrom
    /// Hartree energy in eV (CODATA 2018).
    public static let hartreeInEV = 27.211_386_245_988
    /// 1 e·bohr in Debye (CODATA 2018: e a0 = 8.478353623e-30 C m; 1 D = 1e-21/c C m).
    public static let auDipoleInDebye = 2.541_746_473_0
}
