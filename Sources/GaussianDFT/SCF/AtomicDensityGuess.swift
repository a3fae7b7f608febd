import ChemistryCore
import LinearAlgebra

/// Superposition of atomic densities (SAD): each element's spherically averaged,
/// fractionally occupied restricted Hartree-Fock density in the molecule's basis, placed
/// block-diagonally. Atoms are solved once per element.
func superpositionOfAtomicDensities(structure: Structure, settings: SCFSettings, basis: MolecularBasis) throws -> Matrix {
    var perElement: [Int: Matrix] = [:]
    var d = Matrix(rows: basis.aoCount, columns: basis.aoCount)
    let basisName = try BasisSetLibrary.canonicalName(settings.basis)
    for (atom, z) in structure.atomicNumbers.enumerated() {
        if perElement[z] == nil {
            perElement[z] = try atomicDensity(atomicNumber: z, basisName: basisName, spherical: !settings.cartesian)
        }
        let block = perElement[z]!
        let aos = (0..<basis.aoCount).filter { basis.aoAtom[$0] == atom }
        precondition(aos.count == block.rows, "atomic block size mismatch")
        for (a, mu) in aos.enumerated() { for (b, nu) in aos.enumerated() { d[mu, nu] = block[a, b] } }
    }
    return d
}

/// Fractional-occupation RHF for an isolated atom (occupations averaged over degenerate
/// levels, damped), returning its spin-summed density matrix.
func atomicDensity(atomicNumber z: Int, basisName: String, spherical: Bool) throws -> Matrix {
    let basis = try MolecularBasis(atoms: [(atomicNumber: z, position: .zero)],
                                   definitions: { try BasisSetLibrary.shells(basis: basisName, atomicNumber: $0) },
                                   spherical: spherical)
    let oneElectron = oneElectronMatrices(basis, charges: [Double(z)], positions: [.zero])
    let s = oneElectron.overlap
    let h = oneElectron.kinetic + oneElectron.nuclearAttraction
    let eri = makeTwoElectronOperator(basis: basis, memoryBudgetBytes: 1 << 28)
    var (e, c) = try generalizedSymmetricEigen(h, metric: s)
    var d = densityMatrix(orbitals: c, occupations: averagedOccupations(energies: e, electrons: Double(z), perOrbital: 2))
    var last = Double.infinity
    for _ in 0..<60 {
        let (j, k) = eri.coulombExchange(densities: [d], exchange: true)
        let f = h + j[0] - 0.5 * k[0]
        let energy = d.dot(h) + 0.5 * d.dot(f - h)
        (e, c) = try generalizedSymmetricEigen(f.symmetrized, metric: s)
        let occ = averagedOccupations(energies: e, electrons: Double(z), perOrbital: 2)
        d = 0.5 * densityMatrix(orbitals: c, occupations: occ) + 0.5 * d
        if abs(energy - last) < 1e-6 { break }
        last = energy
    }
    return d
}
