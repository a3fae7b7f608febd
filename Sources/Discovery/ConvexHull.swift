import ChemistryCore
import Foundation

/// One computed phase: a composition and its total energy per atom (eV/atom).
public struct PhaseEntry: Sendable, Equatable {
    public var name: String
    public var composition: Composition
    /// Total energy per atom, eV/atom (any consistent reference, e.g. DFT total energies).
    public var energyPerAtom: Double

    public init(name: String, composition: Composition, energyPerAtom: Double) {
        self.name = name
        self.composition = composition
        self.energyPerAtom = energyPerAtom
    }

    /// Convenience: `PhaseEntry(formula: "Li2O", energyPerAtom: -4.7)`.
    public init(formula: String, energyPerAtom: Double, name: String? = nil) throws {
        self.init(name: name ?? formula, composition: try Composition(formula: formula), energyPerAtom: energyPerAtom)
    }
}

/// A decomposition into hull phases: entry index and fraction of atoms (fractions sum to 1).
public struct Decomposition: Sendable, Equatable {
    public var energy: Double
    public var phases: [(entry: Int, fraction: Double)]
    public static func == (a: Decomposition, b: Decomposition) -> Bool {
        a.energy == b.energy && a.phases.map(\.entry) == b.phases.map(\.entry) && a.phases.map(\.fraction) == b.phases.map(\.fraction)
    }
}

/// The lower convex hull of formation energy over composition space for any number of elements
/// (what pymatgen's `PhaseDiagram` computes; Ong et al., Chem. Mater. 20, 1798 (2008)).
///
/// - Elemental references μ_i: the lowest energy per atom among the pure-element entries of i.
/// - Formation energy per atom: ΔE_f = E/atom − Σ_i x_i μ_i, with x_i the atomic fractions.
/// - Hull energy at composition x: the minimum of Σ_j λ_j ΔE_f,j over convex combinations of
///   entries with that composition, Σ_j λ_j x_j = x, λ ≥ 0 (Σ_j λ_j = 1 follows from summing the
///   element rows, since fractions sum to 1). This is a linear program with one row per element;
///   the elemental references are a feasible starting basis, so no phase 1 is needed.
/// - e_above_hull = ΔE_f − E_hull(x) ≥ 0; an entry is stable when e_above_hull ≤ `stabilityTolerance`.
///
/// Why a linear program rather than qhull: it works unchanged in any dimension, and it is exact
/// where a facet-based hull is fragile — collinear or coplanar points, duplicate compositions,
/// points exactly on a facet, single-element systems — because it never builds facets at all.
/// Cost: one small LP per query (m = number of elements rows, one column per distinct composition).
public struct PhaseDiagram: Sendable {
    public let entries: [PhaseEntry]
    /// Elements of the chemical system, ascending Z.
    public let elements: [Int]
    /// Element Z → index of its reference entry (lowest energy per atom of the pure element).
    public let elementalReferences: [Int: Int]
    /// ΔE_f per entry, eV/atom.
    public let formationEnergies: [Double]
    /// Energy above the hull per entry, eV/atom, ≥ 0.
    public let energiesAboveHull: [Double]
    /// The decomposition of each entry's composition into hull phases.
    public let decompositions: [Decomposition]
    public let stabilityTolerance: Double

    /// Columns of the hull LP: for each distinct reduced composition, the entry with the lowest ΔE_f.
    private let hullColumns: [Int]

    /// - Parameter elements: the chemical system; by default every element of the entries.
    public init(entries: [PhaseEntry], elements: [Int]? = nil, stabilityTolerance: Double = 1e-9) throws {
        guard !entries.isEmpty else { throw DiscoveryError.noEntries }
        for e in entries {
            guard e.energyPerAtom.isFinite else { throw DiscoveryError.invalidEntry(e.name, "energy per atom is not finite") }
            guard !e.composition.amounts.isEmpty else { throw DiscoveryError.invalidEntry(e.name, "empty composition") }
            guard e.composition.amounts.values.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw DiscoveryError.invalidEntry(e.name, "amounts must be positive and finite")
            }
        }
        let system = (elements ?? Array(Set(entries.flatMap { $0.composition.elements }))).sorted()
        let inSystem = Set(system)
        let kept = entries.filter { Set($0.composition.elements).isSubset(of: inSystem) }
        if let outside = entries.first(where: { !Set($0.composition.elements).isSubset(of: inSystem) }) {
            let z = outside.composition.elements.first { !inSystem.contains($0) }!
            throw DiscoveryError.elementOutsideSystem(Elements.symbol(z))
        }
        var refs: [Int: Int] = [:]
        for (j, e) in kept.enumerated() where e.composition.isElemental {
            let z = e.composition.elements[0]
            if refs[z] == nil || e.energyPerAtom < kept[refs[z]!].energyPerAtom { refs[z] = j }
        }
        for z in system where refs[z] == nil { throw DiscoveryError.missingElementalReference(Elements.symbol(z)) }
        self.entries = kept
        self.elements = system
        self.elementalReferences = refs
        self.stabilityTolerance = stabilityTolerance
        let mu = system.map { kept[refs[$0]!].energyPerAtom }
        let formation = kept.map { e in
            e.energyPerAtom - zip(system, mu).reduce(0) { $0 + e.composition.fraction($1.0) * $1.1 }
        }
        formationEnergies = formation
        var best: [[Int: Int64]: Int] = [:]
        for j in kept.indices {
            let key = kept[j].composition.reducedKey
            if let k = best[key], formation[k] <= formation[j] { continue }
            best[key] = j
        }
        // Elemental references are always columns (they are the starting basis).
        for z in system { best[kept[refs[z]!].composition.reducedKey] = refs[z]! }
        hullColumns = best.values.sorted()
        var above: [Double] = []
        var decs: [Decomposition] = []
        for j in kept.indices {
            let d = try Self.hull(at: kept[j].composition, columns: hullColumns, entries: kept,
                                  formation: formation, elements: system, references: refs)
            decs.append(d)
            above.append(max(0, formation[j] - d.energy))
        }
        energiesAboveHull = above
        decompositions = decs
    }

    /// True when the entry lies on the hull (e_above_hull ≤ tolerance).
    public func isStable(_ index: Int) -> Bool { energiesAboveHull[index] <= stabilityTolerance }
    /// Indices of stable entries.
    public var stableEntries: [Int] { entries.indices.filter(isStable) }

    /// True when the entry is a vertex of the hull: the lowest-energy entry of its composition
    /// (for compounds the first one listed in case of an exact tie; for elements every polymorph at the
    /// reference energy, as pymatgen does) that cannot be written as a mixture of other
    /// compositions at equal or lower energy (phase-separation energy < −tolerance; for
    /// elements: the reference). This is pymatgen's `stable_entries`; an entry lying exactly on
    /// a facet or edge (e_above_hull = 0) is stable but not a vertex.
    public func isHullVertex(_ index: Int) throws -> Bool {
        if entries[index].composition.isElemental {
            let reference = elementalReferences[entries[index].composition.elements[0]]!
            return formationEnergies[index] <= formationEnergies[reference] + stabilityTolerance
        }
        guard hullColumns.contains(index) else { return false }
        return try phaseSeparationEnergy(of: index) < -stabilityTolerance
    }

    /// Formation energy per atom (eV/atom) of any composition and energy in this chemical system.
    public func formationEnergyPerAtom(composition: Composition, energyPerAtom: Double) throws -> Double {
        try checkInSystem(composition)
        return energyPerAtom - elements.reduce(0) { $0 + composition.fraction($1) * entries[elementalReferences[$1]!].energyPerAtom }
    }

    /// The hull's formation energy (eV/atom) at a composition and the phases it decomposes into.
    public func hullEnergy(at composition: Composition) throws -> Decomposition {
        try checkInSystem(composition)
        return try Self.hull(at: composition, columns: hullColumns, entries: entries, formation: formationEnergies,
                             elements: elements, references: elementalReferences)
    }

    /// Decomposition energy of a hypothetical new entry against the current hull (eV/atom):
    /// ΔE_f(new) − E_hull(x_new). Negative when the new entry would extend the hull (it would
    /// then be stable, and |value| is by how much it lies below); positive is e_above_hull.
    /// Same as pymatgen's `get_decomp_and_e_above_hull(entry, allow_negative=True)`.
    public func decompositionEnergy(of entry: PhaseEntry) throws -> (energy: Double, decomposition: Decomposition) {
        guard entry.energyPerAtom.isFinite else { throw DiscoveryError.invalidEntry(entry.name, "energy per atom is not finite") }
        let ef = try formationEnergyPerAtom(composition: entry.composition, energyPerAtom: entry.energyPerAtom)
        let d = try hullEnergy(at: entry.composition)
        return (ef - d.energy, d)
    }

    /// Phase-separation energy of entry `index` (Bartel et al., npj Comput. Mater. 6, 97 (2020)):
    /// ΔE_f − E_hull computed without any entry of the same reduced composition. Negative for
    /// stable compounds (how far they lie below the hull of their competitors), equal to
    /// e_above_hull for unstable ones. For elements the references stay, so this is
    /// E − μ (0 for the reference itself), as in pymatgen.
    public func phaseSeparationEnergy(of index: Int) throws -> Double {
        let comp = entries[index].composition
        if comp.isElemental { return formationEnergies[index] }
        let key = comp.reducedKey
        let competitors = entries.indices.filter { entries[$0].composition.reducedKey != key }
        var best: [[Int: Int64]: Int] = [:]
        for j in competitors {
            let k = entries[j].composition.reducedKey
            if let b = best[k], formationEnergies[b] <= formationEnergies[j] { continue }
            best[k] = j
        }
        for z in elements { best[entries[elementalReferences[z]!].composition.reducedKey] = elementalReferences[z]! }
        let d = try Self.hull(at: comp, columns: best.values.sorted(), entries: entries, formation: formationEnergies,
                              elements: elements, references: elementalReferences)
        return formationEnergies[index] - d.energy
    }

    private func checkInSystem(_ composition: Composition) throws {
        guard !composition.amounts.isEmpty, composition.amounts.values.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw DiscoveryError.invalidEntry(composition.formula, "amounts must be positive and finite")
        }
        for z in composition.elements where !elements.contains(z) {
            throw DiscoveryError.elementOutsideSystem(Elements.symbol(z))
        }
    }

    /// min Σ λ_j ΔE_f,j  s.t.  Σ λ_j x_j = x, λ ≥ 0, over the given columns.
    private static func hull(at composition: Composition, columns: [Int], entries: [PhaseEntry], formation: [Double],
                             elements: [Int], references: [Int: Int]) throws -> Decomposition {
        let a = elements.map { z in columns.map { entries[$0].composition.fraction(z) } }
        let b = elements.map { composition.fraction($0) }
        let c = columns.map { formation[$0] }
        let start = elements.map { z in columns.firstIndex(of: references[z]!)! }
        let lp = LinearProgram(objective: c, constraints: a, rightHandSide: b)
        let s = try lp.solve(feasibleBasis: start)
        let phases = columns.indices.filter { s.variables[$0] > 1e-12 }.map { (entry: columns[$0], fraction: s.variables[$0]) }
        return Decomposition(energy: s.objectiveValue, phases: phases)
    }
}
