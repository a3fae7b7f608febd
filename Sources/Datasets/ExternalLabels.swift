import ChemistryCore

/// Labels that come from outside chemflow: an extended-XYZ file whose comment lines carry the
/// energy (`energy=-1234.5`, the ASE convention), e.g. QM9 or a dataset computed with another
/// code. They become ordinary dataset rows, so `chemflow train` reads them like generated data.
public enum ExternalLabels {
    /// Energy units accepted for imported labels, with their size in eV (CODATA 2018).
    public static let energyUnits: [String: Double] = [
        "ev": 1,
        "hartree": Units.hartreeInEV,
        "kcal/mol": Units.hartreeInEV / 627.509474063,
        "kj/mol": Units.hartreeInEV / 2625.49963948,
    ]

    /// The method attributes of an imported file: no functional or basis of ours.
    public static func method(source: String, energyKey: String) -> DatasetMethod {
        DatasetMethod(xc: "external", libxc: "", basis: "", gridLevel: nil, convergenceThreshold: 0,
                      extra: ["source": source, "energy_key": energyKey])
    }

    /// One record per structure with `energy` (eV) read from the property `energyKey` and
    /// converted by `unitInEV`. Throws for a frame without the key or with a non-finite value,
    /// naming the frame (nothing half-imported).
    public static func records(from structures: [Structure], energyKey: String, unitInEV: Double) throws
        -> [LabelledStructure] {
        try structures.enumerated().map { i, s in
            guard let text = s.properties[energyKey] else {
                throw DatasetError("frame \(i) ('\(s.name)') has no '\(energyKey)=' in its comment line")
            }
            guard let value = Double(text), value.isFinite else {
                throw DatasetError("frame \(i) ('\(s.name)'): '\(energyKey)=\(text)' is not a number")
            }
            return LabelledStructure(index: i, structure: s, status: .ok, energy: value * unitInEV, converged: true)
        }
    }
}
