/// Networks that map a molecular geometry to a Kohn-Sham Hamiltonian in the AO basis and are
/// trained with the DFT energy of the resulting density as the loss, with no labels
/// (Mathiasen et al., "Reducing the Cost of Quantum Chemical Data By Backpropagating Through
/// Density Functional Theory", 2024).
public enum HamiltonianLearning {}
