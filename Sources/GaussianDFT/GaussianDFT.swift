/// Gaussian-basis Kohn-Sham DFT and Hartree-Fock for molecules.
///
/// Layout: `BasisSets/` (bundled data and shells), `Integrals/` (one- and two-electron),
/// `Grids/` (molecular quadrature), `XC/` (libxc), `SCF/` (RHF/RKS/UHF/UKS drivers).
public enum GaussianDFT {
    public static let version = "0.1.0"
}
