import ArgumentParser
import ChemistryCore
import Foundation
import HamiltonianLearning

/// `chemflow predict` for a Hamiltonian model (train --loss dft-energy): energy, HOMO and LUMO of the
/// predicted density, no SCF (or after `scfSteps` damped Roothaan steps). One JSON line per structure with --json.
func predictWithHamiltonianModel(modelPath: String, structures: [Structure], scfSteps: Int, mixing: Double, json: Bool) throws {
    let (model, _) = try HamiltonianModelStore.read(modelPath)
    if !json {
        print("name".padding(toLength: 24, withPad: " ", startingAt: 0) + " atoms   energy_hartree   homo_hartree   lumo_hartree")
    }
    for s in structures {
        let p = try model.predict(s, scfSteps: scfSteps, mixing: mixing)
        if json {
            print(Terminal.jsonLine(jsonSafe(["name": s.name, "n_atoms": s.count, "energy_hartree": p.energy,
                                              "homo_hartree": p.homo, "lumo_hartree": p.lumo])))
        } else {
            print(s.name.padding(toLength: max(24, s.name.count), withPad: " ", startingAt: 0)
                  + String(format: " %5d %16.8f %14.6f %14.6f", s.count, p.energy, p.homo, p.lumo))
        }
    }
}
