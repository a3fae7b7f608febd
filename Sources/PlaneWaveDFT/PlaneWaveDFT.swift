/// Plane-wave Kohn-Sham DFT for crystals with GTH pseudopotentials (modelled on DFTK.jl:
/// `Model` for the physics, `PlaneWaveBasis` for the discretisation, `Term`s for the energy).
public enum PlaneWaveDFT {}
