/// Physical constants and unit conversions (CODATA 2018). PySCF 2.14 still uses the CODATA
/// 2010 Bohr radius 0.52917721092 Å: positions differ from its by 2.6e-10 relative, which moves
/// energies by ~1e-10 Ha, far below every tolerance.
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
