#!/usr/bin/env python3
"""Build the shipped GDB-like molecule sets as 3D conformers (run once, offline).

Outputs (next to this script):
  gdb9-1000.xyz            1,000 QM9 (GDB-9 subset) molecules, stratified over 1-9 heavy atoms
  gdb-like-9to11-200.xyz   200 GDB-*like* molecules with 9-11 heavy atoms (QM1B-style range):
                           QM9 9-heavy-atom molecules plus 10/11-heavy-atom molecules made from
                           QM9 molecules by adding one or two substituents (CH3, OH, NH2, F) on C-H.

SMILES source: the `SMILES` column of the QM9 tables shipped in the PyPI package `qm9pack`
(QM9: Ramakrishnan, Dral, Rupp, von Lilienfeld, Sci. Data 1, 140022 (2014); its molecules are
the <=9-heavy-atom C/N/O/F subset of GDB-17, Ruddigkeit et al., J. Chem. Inf. Model. 52, 2864 (2012)).

Every molecule: RDKit AddHs -> ETKDGv3 embedding (fixed randomSeed, 1 thread) -> MMFF94
optimisation -> one conformer, written as multi-frame extended XYZ (Angstrom, 8 decimals) with
    name=<id> smiles="<canonical smiles>" heavy_atoms=<n> source=<qm9:index or derivation>

Everything is seeded, so a rerun with the same qm9pack and RDKit versions gives the same files.

    python datasets/molecules/make_gdb_conformers.py            # writes both files, prints stats
    python datasets/molecules/make_gdb_conformers.py --check    # only re-verifies the written files
"""

import argparse
import collections
import csv
import importlib.metadata
import os
import random
import sys

import numpy as np
import rdkit
from rdkit import Chem, RDLogger
from rdkit.Chem import AllChem, rdDistGeom

RDLogger.DisableLog("rdApp.*")

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_GDB9 = os.path.join(HERE, "gdb9-1000.xyz")
OUT_LIKE = os.path.join(HERE, "gdb-like-9to11-200.xyz")

SELECT_SEED = 20240917      # molecule selection (Python random.Random)
EMBED_SEED = 0xC0FFEE       # ETKDGv3 randomSeed (same for every molecule)
N_GDB9 = 1000
N_LIKE = {9: 67, 10: 67, 11: 66}  # 200 in all
ALLOWED = {"C", "N", "O", "F"}    # heavy elements (H added by RDKit)
SUBSTITUENTS = [("CH3", 6), ("OH", 8), ("NH2", 7), ("F", 9)]
MIN_DIST = 0.5              # Angstrom, hard floor for any atom pair
QM9_FILES = ["qm9_part1.csv", "qm9_part2.csv", "qm9_part3.csv"]


# --------------------------------------------------------------------------- QM9 input

def read_qm9():
    """(qm9_index, smiles) for every QM9 molecule in qm9pack, in index order."""
    csv.field_size_limit(1 << 30)
    # locate the data files without importing qm9pack (its __init__ needs pandas and pkg_resources)
    dist = importlib.metadata.distribution("qm9pack")
    rows = []
    for name in QM9_FILES:
        with open(dist.locate_file(f"qm9pack/data/{name}"), newline="") as fh:
            for row in csv.DictReader(fh):
                rows.append((int(row["Index"]), row["SMILES"]))
    rows.sort()
    return rows


def ok_composition(mol):
    """Neutral, closed-shell, only C/N/O/F heavy atoms."""
    for a in mol.GetAtoms():
        if a.GetSymbol() not in ALLOWED or a.GetFormalCharge() != 0 or a.GetNumRadicalElectrons():
            return False
    return True


def canonical(mol):
    return Chem.MolToSmiles(mol)


# --------------------------------------------------------------------------- 3D

def embed(mol):
    """AddHs + ETKDGv3 + MMFF94. Returns the H-complete mol with one conformer, or None."""
    molh = Chem.AddHs(mol)
    params = rdDistGeom.ETKDGv3()
    params.randomSeed = EMBED_SEED
    params.numThreads = 1
    if AllChem.EmbedMolecule(molh, params) != 0:
        params.useRandomCoords = True       # fallback for strained cages, still seeded
        if AllChem.EmbedMolecule(molh, params) != 0:
            return None
    props = AllChem.MMFFGetMoleculeProperties(molh, mmffVariant="MMFF94")
    if props is None:
        return None
    ff = AllChem.MMFFGetMoleculeForceField(molh, props)
    if ff is None:
        return None
    converged = False
    for _ in range(5):
        if ff.Minimize(maxIts=2000) == 0:
            converged = True
            break
    if not converged:
        return None
    if not geometry_ok(molh):
        return None
    return molh


def geometry_ok(molh):
    """No atom pair < MIN_DIST; every graph bond within 1.3x the covalent-radius sum; no
    non-bonded pair within 1.1x of it (the tighter factor lets strained small rings, whose
    1,3 distances can be ~1.9 A, through)."""
    pos = molh.GetConformer().GetPositions()
    if len(pos) > 1:
        d = np.sqrt(((pos[:, None, :] - pos[None, :, :]) ** 2).sum(-1))
        d[np.diag_indices(len(pos))] = np.inf
        if d.min() < MIN_DIST:
            return False
    want = {tuple(sorted((b.GetBeginAtomIdx(), b.GetEndAtomIdx()))) for b in molh.GetBonds()}
    return want <= perceived_bonds(molh, 1.3) and perceived_bonds(molh, 1.1) <= want


COVALENT_RADIUS = {1: 0.31, 6: 0.76, 7: 0.71, 8: 0.66, 9: 0.57}   # Cordero et al. 2008, Angstrom


def perceived_bonds(molh, cov_factor):
    """Atom pairs closer than cov_factor x (sum of covalent radii)."""
    pos = molh.GetConformer().GetPositions()
    r = np.array([COVALENT_RADIUS[a.GetAtomicNum()] for a in molh.GetAtoms()])
    d = np.sqrt(((pos[:, None, :] - pos[None, :, :]) ** 2).sum(-1))
    i, j = np.nonzero(np.triu(d < cov_factor * (r[:, None] + r[None, :]), 1))
    return {(int(a), int(b)) for a, b in zip(i, j)}


def frame(name, smiles, heavy, source, molh):
    pos = molh.GetConformer().GetPositions()
    lines = [str(molh.GetNumAtoms()),
             f'name={name} smiles="{smiles}" heavy_atoms={heavy} source={source}']
    for a, (x, y, z) in zip(molh.GetAtoms(), pos):
        lines.append(f"{a.GetSymbol():<2s} {x:14.8f} {y:14.8f} {z:14.8f}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- set 1: gdb9-1000

def stratified_quotas(available, total):
    """Water-filling: equal share per heavy-atom count, small strata taken whole."""
    keys = sorted(available)
    quota = {k: 0 for k in keys}
    left = total
    open_keys = list(keys)
    while left > 0 and open_keys:
        share = left // len(open_keys)
        extra = left % len(open_keys)
        full = [k for k in open_keys if available[k] <= share]
        if full:
            for k in full:
                quota[k] = available[k]
                left -= available[k]
                open_keys.remove(k)
            continue
        # the largest strata get the remainder, one each
        for i, k in enumerate(sorted(open_keys, key=lambda k: (-available[k], k))):
            quota[k] = share + (1 if i < extra else 0)
        left = 0
    return quota


def build_gdb9(qm9, rng):
    by_heavy = collections.defaultdict(list)
    for idx, smi in qm9:
        mol = Chem.MolFromSmiles(smi)
        if mol is None or not ok_composition(mol):
            continue
        by_heavy[mol.GetNumHeavyAtoms()].append((idx, mol))
    for k in by_heavy:
        rng.shuffle(by_heavy[k])

    # embed lazily in shuffled order; strata that run out hand their share to the others
    chosen = {k: [] for k in by_heavy}
    pos = {k: 0 for k in by_heavy}
    failed = collections.Counter()
    exhausted = set()
    while True:
        avail = {k: (len(chosen[k]) if k in exhausted else len(by_heavy[k]) - failed[k])
                 for k in by_heavy}
        quota = stratified_quotas(avail, N_GDB9)
        progress = False
        for k in sorted(by_heavy):
            while len(chosen[k]) < quota[k] and pos[k] < len(by_heavy[k]):
                idx, mol = by_heavy[k][pos[k]]
                pos[k] += 1
                progress = True
                molh = embed(mol)
                if molh is None:
                    failed[k] += 1
                    print(f"  skip qm9:{idx:06d} {canonical(mol)} (embedding/MMFF failed)",
                          file=sys.stderr)
                    continue
                chosen[k].append((idx, mol, molh))
            if pos[k] >= len(by_heavy[k]):
                exhausted.add(k)
        if not progress:
            break
    frames, stats, used = [], [], set()
    for k in sorted(chosen):
        for idx, mol, molh in sorted(chosen[k], key=lambda t: t[0]):
            smi = canonical(mol)
            used.add(idx)
            frames.append(frame(f"gdb9_{idx:06d}", smi, k, f"qm9:{idx:06d}", molh))
            stats.append((k, molh))
    return frames, stats, used, {k: len(v) for k, v in by_heavy.items()}, failed


# --------------------------------------------------------------------------- set 2: 9-11 heavy atoms

def substitution_sites(mol, sub_z, parent_n):
    """Carbon atoms of the parent (index < parent_n) carrying H where sub_z may go.

    GDB-style stability rules (GDB excludes such unstable motifs):
      * a heteroatom substituent (O, N, F) never goes on an sp3 carbon that already has a
        heteroatom neighbour (no new hemiacetals, hemiaminals, aminals, gem-diols, alpha-halo ethers);
      * OH / NH2 never go on a non-aromatic carbon with a C=C or C=N double bond (no enols, enamines);
      * no heteroatom substituent on an sp carbon (no ynols, ynamines, fluoroalkynes).
    Methyl may go on any C-H.
    """
    sites = []
    for a in mol.GetAtoms():
        if a.GetIdx() >= parent_n or a.GetAtomicNum() != 6 or a.GetTotalNumHs() == 0:
            continue
        if sub_z != 6:
            if a.GetHybridization() == Chem.HybridizationType.SP:
                continue
            hetero_nb = any(n.GetAtomicNum() != 6 for n in a.GetNeighbors())
            if hetero_nb and a.GetHybridization() == Chem.HybridizationType.SP3:
                continue
            if sub_z in (7, 8) and not a.GetIsAromatic():
                if any(b.GetBondType() == Chem.BondType.DOUBLE
                       and b.GetOtherAtom(a).GetAtomicNum() in (6, 7) for b in a.GetBonds()):
                    continue
        sites.append(a.GetIdx())
    return sites


def add_substituent(mol, site, sub_z):
    """Replace one H on carbon `site` by a heavy atom sub_z; RDKit fills its Hs."""
    rw = Chem.RWMol(mol)
    new = Chem.Atom(sub_z)
    j = rw.AddAtom(new)
    rw.AddBond(site, j, Chem.BondType.SINGLE)
    c = rw.GetAtomWithIdx(site)
    if c.GetNumExplicitHs() > 0:
        c.SetNumExplicitHs(c.GetNumExplicitHs() - 1)
    out = rw.GetMol()
    try:
        Chem.SanitizeMol(out)
    except Exception:
        return None
    return out


def build_like(qm9, rng, exclude):
    pool9 = []
    for idx, smi in qm9:
        if idx in exclude:
            continue
        mol = Chem.MolFromSmiles(smi)
        if mol is None or not ok_composition(mol) or mol.GetNumHeavyAtoms() != 9:
            continue
        pool9.append((idx, mol))
    rng.shuffle(pool9)

    seen = set()
    picked = {9: [], 10: [], 11: []}
    rejected = collections.Counter()
    it = iter(pool9)

    # 9 heavy atoms: QM9 molecules as they are
    while len(picked[9]) < N_LIKE[9]:
        idx, mol = next(it)
        smi = canonical(mol)
        if smi in seen:
            continue
        molh = embed(mol)
        if molh is None:
            rejected["embed"] += 1
            continue
        seen.add(smi)
        picked[9].append((smi, f"qm9:{idx:06d}", molh))

    # 10 and 11 heavy atoms: one or two substituents on C-H of a (different) QM9 9-atom parent
    for target, nsub in ((10, 1), (11, 2)):
        while len(picked[target]) < N_LIKE[target]:
            idx, parent = next(it)
            mol, tags = parent, []
            for _ in range(nsub):
                name, z = SUBSTITUENTS[rng.randrange(len(SUBSTITUENTS))]
                sites = substitution_sites(mol, z, parent.GetNumAtoms())
                if not sites:
                    mol = None
                    break
                site = sites[rng.randrange(len(sites))]
                mol = add_substituent(mol, site, z)
                if mol is None:
                    break
                tags.append(f"{name}@C{site}")
            if mol is None:
                rejected["no site / not sanitizable"] += 1
                continue
            # round trip through SMILES: sanitizable, neutral, C/N/O/F only, right size
            mol = Chem.MolFromSmiles(Chem.MolToSmiles(mol))
            if mol is None or not ok_composition(mol) or mol.GetNumHeavyAtoms() != target:
                rejected["composition"] += 1
                continue
            smi = canonical(mol)
            if smi in seen:
                rejected["duplicate"] += 1
                continue
            molh = embed(mol)
            if molh is None:
                rejected["embed"] += 1
                continue
            seen.add(smi)
            picked[target].append((smi, f"qm9:{idx:06d}+" + "+".join(tags), molh))

    frames, stats, n = [], [], 0
    for k in (9, 10, 11):
        for smi, source, molh in picked[k]:
            n += 1
            frames.append(frame(f"gdb11like_{n:04d}", smi, k, source, molh))
            stats.append((k, molh))
    return frames, stats, rejected


# --------------------------------------------------------------------------- verification

Z = {"H": 1, "C": 6, "N": 7, "O": 8, "F": 9}


def verify(path):
    """Re-read a written file as plain XYZ and check it. Returns per-frame (name, heavy, natoms, electrons)."""
    with open(path) as fh:
        lines = fh.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    out, names, i = [], set(), 0
    while i < len(lines):
        n = int(lines[i].strip())
        assert n > 0, f"{path}:{i + 1}: bad atom count"
        comment = lines[i + 1]
        kv = dict(tok.split("=", 1) for tok in comment.replace('"', "").split(" "))
        name = kv["name"]
        assert name not in names, f"{path}: duplicate name {name}"
        names.add(name)
        syms, xyz = [], []
        for line in lines[i + 2:i + 2 + n]:
            f = line.split()
            assert len(f) == 4 and f[0] in Z, f"{path}: bad atom line {line!r}"
            assert all(len(v.split(".")[1]) == 8 for v in f[1:]), f"{path}: not 8 decimals"
            syms.append(f[0])
            xyz.append([float(v) for v in f[1:]])
        assert len(syms) == n, f"{path}: frame {name} truncated"
        xyz = np.array(xyz)
        if n > 1:
            d = np.sqrt(((xyz[:, None] - xyz[None]) ** 2).sum(-1))
            d[np.diag_indices(n)] = np.inf
            assert d.min() >= MIN_DIST, f"{path}: {name} has atoms {d.min():.3f} A apart"
        electrons = sum(Z[s] for s in syms)
        assert electrons % 2 == 0, f"{path}: {name} has an odd electron count"
        heavy = sum(s != "H" for s in syms)
        assert heavy == int(kv["heavy_atoms"]), f"{path}: {name} heavy_atoms mismatch"
        mol = Chem.MolFromSmiles(kv["smiles"])
        assert mol is not None and Chem.AddHs(mol).GetNumAtoms() == n, f"{path}: {name} smiles/atoms mismatch"
        out.append((name, heavy, n, electrons))
        i += 2 + n
    return out


def report(path, rows):
    counts = collections.Counter(h for _, h, _, _ in rows)
    atoms = [n for _, _, n, _ in rows]
    elec = [e for _, _, _, e in rows]
    print(f"{os.path.basename(path)}: {len(rows)} molecules, {sum(atoms)} atoms "
          f"({min(atoms)}-{max(atoms)} per molecule), electrons {min(elec)}-{max(elec)}, "
          f"{os.path.getsize(path)} bytes")
    print("  heavy atoms: " + ", ".join(f"{k}: {counts[k]}" for k in sorted(counts)))


# --------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="only verify the existing output files")
    args = ap.parse_args()

    if not args.check:
        print(f"RDKit {rdkit.__version__}, qm9pack {importlib.metadata.version('qm9pack')}, "
              f"numpy {np.__version__}")
        qm9 = read_qm9()
        print(f"QM9 molecules read: {len(qm9)}")
        rng = random.Random(SELECT_SEED)

        frames, _, used, avail, failed = build_gdb9(qm9, rng)
        print("neutral C/N/O/F QM9 molecules per heavy-atom count: "
              + ", ".join(f"{k}: {avail[k]}" for k in sorted(avail)))
        if failed:
            print("embedding/MMFF failures skipped: " + ", ".join(f"{k}: {failed[k]}" for k in sorted(failed)))
        with open(OUT_GDB9, "w", newline="\n") as fh:
            fh.writelines(frames)

        frames, _, rejected = build_like(qm9, rng, used)
        if rejected:
            print("9-11 candidates rejected: " + ", ".join(f"{k}: {v}" for k, v in sorted(rejected.items())))
        with open(OUT_LIKE, "w", newline="\n") as fh:
            fh.writelines(frames)

    for path in (OUT_GDB9, OUT_LIKE):
        report(path, verify(path))
    print("checks passed: standard XYZ frames, unique names, no atom pair < 0.5 A, "
          "even electron counts, heavy_atoms and smiles consistent")


if __name__ == "__main__":
    main()
