"""Conformer sets for Hamiltonian learning: RDKit embedding + MMFF94 optimisation, then
Langevin molecular dynamics on the MMFF94 surface at 400 K, one frame every 10 fs.

    /work/venv/bin/python datasets/conformers/make_conformers.py   # from the repository root

Deterministic: fixed RDKit embedding seed and a fixed NumPy seed per molecule. Writes
{water,ethanol,malondialdehyde,uracil}.xyz next to this script (Å, one frame per conformer,
`name=<molecule>_<index> mmff_kcal_mol=<MMFF energy>` in the comment line).

Integrator: BAOAB Langevin (Leimkuhler & Matthews, J. Chem. Phys. 138, 174102 (2013)),
time step 0.5 fs, friction 0.02 fs⁻¹, atomic masses from RDKit, 4 ps of equilibration
before the first stored frame, then 500 frames 20 steps (10 fs) apart — 2,500 for ethanol, whose
longer trajectory gives SchNet enough labelled conformers to reach the dft-energy route's accuracy
in benchmarks/dft-energy-loss (its first 500 frames are the 500-frame trajectory's).
"""
import os

import numpy as np
from rdkit import Chem
from rdkit.Chem import AllChem

MOLECULES = {
    "water": "O",
    "ethanol": "CCO",
    # MD17's malonaldehyde: the enol tautomer (Z)-3-hydroxyprop-2-enal.
    "malondialdehyde": "O=C/C=C\\O",
    "uracil": "O=C1C=CNC(=O)N1",
}
TEMPERATURE = 400.0        # K
TIME_STEP = 0.5            # fs
FRICTION = 0.02            # 1/fs
EQUILIBRATION_STEPS = 8000 # 4 ps
STRIDE = 20                # steps between frames (10 fs)
FRAMES = 500
FRAMES_PER_MOLECULE = {"ethanol": 2500}
KB = 0.0019872041          # kcal/(mol K)
ACCEL = 4.184e-4           # (kcal/mol/Å)/amu in Å/fs²


def trajectory(smiles, seed, frame_count):
    mol = Chem.AddHs(Chem.MolFromSmiles(smiles))
    if AllChem.EmbedMolecule(mol, randomSeed=seed) != 0:
        raise RuntimeError(f"embedding failed for {smiles}")
    props = AllChem.MMFFGetMoleculeProperties(mol)
    AllChem.MMFFOptimizeMolecule(mol, mmffVariant="MMFF94", maxIters=2000)
    ff = AllChem.MMFFGetMoleculeForceField(mol, props)
    symbols = [a.GetSymbol() for a in mol.GetAtoms()]
    masses = np.array([a.GetMass() for a in mol.GetAtoms()])[:, None]
    rng = np.random.default_rng(seed)
    x = np.array(ff.Positions()).reshape(-1, 3)
    kt = KB * TEMPERATURE
    sigma = np.sqrt(kt / masses * ACCEL)  # Å/fs
    v = rng.standard_normal(x.shape) * sigma

    def accel(pos):
        flat = pos.ravel().tolist()
        # RDKit's CalcGrad(positions) reuses terms cached by the last CalcEnergy call; evaluating
        # the energy at the same positions first gives the correct gradient (checked against
        # finite differences).
        ff.CalcEnergy(flat)
        g = np.array(ff.CalcGrad(flat)).reshape(-1, 3)
        return -g / masses * ACCEL

    a = accel(x)
    c1 = np.exp(-FRICTION * TIME_STEP)
    c2 = np.sqrt(1 - c1 * c1)
    frames = []
    for step in range(EQUILIBRATION_STEPS + STRIDE * frame_count):
        v += 0.5 * TIME_STEP * a                   # B
        x += 0.5 * TIME_STEP * v                   # A
        v = c1 * v + c2 * sigma * rng.standard_normal(x.shape)  # O
        x += 0.5 * TIME_STEP * v                   # A
        a = accel(x)
        v += 0.5 * TIME_STEP * a                   # B
        if step >= EQUILIBRATION_STEPS and (step - EQUILIBRATION_STEPS) % STRIDE == STRIDE - 1:
            frames.append((x - x.mean(axis=0), ff.CalcEnergy(x.ravel().tolist())))
    return symbols, frames


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    for k, (name, smiles) in enumerate(MOLECULES.items()):
        symbols, frames = trajectory(smiles, seed=20240 + k,
                                    frame_count=FRAMES_PER_MOLECULE.get(name, FRAMES))
        with open(os.path.join(here, f"{name}.xyz"), "w") as out:
            for i, (x, e) in enumerate(frames):
                out.write(f"{len(symbols)}\nname={name}_{i:03d} mmff_kcal_mol={e:.4f}\n")
                for s, p in zip(symbols, x):
                    out.write(f"{s} {p[0]:.6f} {p[1]:.6f} {p[2]:.6f}\n")
        print(name, len(frames), "frames")


if __name__ == "__main__":
    main()
