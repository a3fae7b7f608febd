/// Message-passing neural networks for molecules and crystals (SchNet, GNoME-style), with
/// explicit forward and backward passes in Float32 and Float64 accumulation.
public enum GraphNetworks {}
