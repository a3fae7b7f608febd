/// The periodic table as far as chemflow needs it: symbols and atomic numbers.
public enum Elements {
    /// Element symbols indexed by atomic number (index 0 is a placeholder for ghost atoms).
    public static let symbols: [String] = [
        "X",
        "H", "He",
        "Li", "Be", "B", "C", "N", "O", "F", "Ne",
        "Na", "Mg", "Al", "Si", "P", "S", "Cl", "Ar",
        "K", "Ca", "Sc", "Ti", "V", "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn",
        "Ga", "Ge", "As", "Se", "Br", "Kr",
        "Rb", "Sr", "Y", "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag", "Cd",
        "In", "Sn", "Sb", "Te", "I", "Xe",
        "Cs", "Ba", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb",
        "Lu", "Hf", "Ta", "W", "Re", "Os", "Ir", "Pt", "Au", "Hg",
        "Tl", "Pb", "Bi", "Po", "At", "Rn",
        "Fr", "Ra", "Ac", "Th", "Pa", "U", "Np", "Pu", "Am", "Cm", "Bk", "Cf", "Es", "Fm", "Md", "No",
        "Lr", "Rf", "Db", "Sg", "Bh", "Hs", "Mt", "Ds", "Rg", "Cn", "Nh", "Fl", "Mc", "Lv", "Ts", "Og",
    ]

    private static let numberBySymbol: [String: Int] = {
        var d: [String: Int] = [:]
        for (z, s) in symbols.enumerated() where z > 0 { d[s.lowercased()] = z }
        return d
    }()

    /// Atomic number for a symbol (case-insensitive) or a number written as text; nil if unknown.
    public static func atomicNumber(_ token: String) -> Int? {
        if let z = Int(token) { return (1..<symbols.count).contains(z) ? z : nil }
        return numberBySymbol[token.lowercased()]
    }

    /// Symbol for an atomic number ("X" when out of range).
    public static func symbol(_ z: Int) -> String { (0..<symbols.count).contains(z) ? symbols[z] : "X" }
}
