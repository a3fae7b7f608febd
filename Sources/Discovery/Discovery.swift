/// GNoME-style materials discovery (Merchant et al., Nature 624, 80 (2023)): crystal prototypes,
/// candidate generation by substitution and random search, convex-hull stability, and the
/// active-learning campaign that filters candidates with a network ensemble and verifies them
/// with plane-wave DFT.
public enum Discovery {}
