"""Reference analytic nuclear gradients for GradientTests.swift (PySCF 2.14, /work/venv).

Run offline:  /work/venv/bin/python Tests/GaussianDFTTests/Reference/gradients_pyscf.py
The printed Swift literals are pasted into GradientTests.swift (PySCFGradientReference).

Same setup as chemflow: the basis sets are read from chemflow's bundled NWChem files (so
both codes use identical contraction coefficients), spherical AOs, PySCF's default grids at the
given level (Treutler-Ahlrichs radial, Lebedev, NWChem pruning, Becke partition with Treutler
radii adjustment), small_rho_cutoff = 0 (no density-based grid pruning: the same grid as
chemflow's), conv_tol 1e-11, and the analytic gradient without grid-weight response
(PySCF's default grids.response = False).
"""
import os
import numpy as np
from pyscf import gto, dft, scf

HERE = os.path.dirname(os.path.abspath(__file__))
BASIS_DIR = os.path.join(HERE, "..", "..", "..", "Sources", "GaussianDFT", "Resources", "BasisSets")
FILES = {"sto-3g": "sto-3g.nw", "6-31g": "6-31g.nw", "6-31g*": "6-31g_st_.nw"}

WATER = "O 0.02 -0.03 0.05; H 0.1 -0.74 0.62; H -0.05 0.78 0.55"
HYDROXYL = "O 0.0 0.0 0.0; H 0.05 0.1 0.97"

CASES = [
    # HF/STO-3G: used by Tests/ChemflowCLITests/ForcesCLITests.swift (converted to eV/Å there).
    ("water-distorted", WATER, "sto-3g", "hf", 0, 3),
    # (name, atoms, basis, xc, spin, grid level)
    ("water-distorted", WATER, "6-31g*", "lda,vwn", 0, 3),
    ("water-distorted", WATER, "6-31g*", "pbe", 0, 3),
    ("water-distorted", WATER, "6-31g*", "b3lyp", 0, 3),
    ("water-distorted", WATER, "sto-3g", "b3lyp", 0, 3),
    ("hydroxyl", HYDROXYL, "6-31g", "pbe", 1, 3),
    ("hydroxyl", HYDROXYL, "6-31g", "b3lyp", 1, 3),
]


def basis_for(atoms, name):
    text = open(os.path.join(BASIS_DIR, FILES[name])).read()
    symbols = {a.split()[0] for a in atoms.split(";")}
    return {s: gto.basis.parse(text, s) for s in symbols}


for name, atoms, basis, xc, spin, level in CASES:
    mol = gto.M(atom=atoms, basis=basis_for(atoms, basis), spin=spin, unit="Angstrom", verbose=0)
    if xc == "hf":
        mf = scf.RHF(mol) if spin == 0 else scf.UHF(mol)
    else:
        mf = dft.RKS(mol) if spin == 0 else dft.UKS(mol)
        mf.xc = xc
        mf.grids.level = level
        mf.small_rho_cutoff = 0
    mf.conv_tol = 1e-11
    mf.max_cycle = 300
    e = mf.kernel()
    assert mf.converged
    g = mf.nuc_grad_method().kernel()
    chem_xc = {"lda,vwn": "lda"}.get(xc, xc)
    rows = ", ".join("SIMD3(%.12f, %.12f, %.12f)" % tuple(r) for r in g)
    print('("%s", "%s", "%s", %d, %d, %.12f, [%s]),' % (name, chem_xc, basis, spin, level, e, rows))
