"""Per-molecule wall time of chemflow vs PySCF (both single-threaded) and energy agreement.

Run through `benchmarks/dft-vs-pyscf`, which sets up the virtualenv and thread counts.
"""
import argparse
import json
import statistics
import subprocess
import tempfile
import time

from pyscf import dft, gto, scf

XC = {"hf": None, "lda": "LDA_X,LDA_C_VWN", "pbe": "GGA_X_PBE,GGA_C_PBE",
      "b3lyp": "HYB_GGA_XC_B3LYP", "b3lyp5": "B3LYP5", "pbe0": "HYB_GGA_XC_PBEH"}


def frames(path):
    lines = open(path).read().split("\n")
    i = 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        n = int(lines[i])
        comment = lines[i + 1]
        name = next((t[5:] for t in comment.split() if t.startswith("name=")), str(i))
        yield name, "\n".join(lines[i:i + n + 2]) + "\n", [l.split()[0] for l in lines[i + 2:i + 2 + n]]
        i += n + 2


def run_pyscf(block, functional, basis, level, tol):
    atoms = "\n".join(block.split("\n")[2:])
    mol = gto.M(atom=atoms, basis=basis, verbose=0)
    start = time.perf_counter()
    if XC[functional] is None:
        mf = scf.RHF(mol)
    else:
        mf = dft.RKS(mol)
        mf.xc = XC[functional]
        mf.grids.level = level
    mf.conv_tol = tol
    e = mf.kernel()
    return e, time.perf_counter() - start, mol.nao


def run_chemflow(binary, block, functional, basis, level, tol):
    with tempfile.NamedTemporaryFile("w", suffix=".xyz") as f:
        f.write(block)
        f.flush()
        start = time.perf_counter()
        out = subprocess.run([binary, "dft", f.name, "--xc", functional, "--basis", basis,
                              "--grid-level", str(level), "--conv-tol", str(tol), "--json"],
                             capture_output=True, text=True)
        wall = time.perf_counter() - start
    if out.returncode not in (0, 3):
        raise RuntimeError(out.stderr)
    r = json.loads(out.stdout.splitlines()[0])
    return r["energy_hartree"], wall


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--chemflow", required=True)
    p.add_argument("--xyz", required=True)
    p.add_argument("--methods", nargs="+", required=True)
    p.add_argument("--grid-level", type=int, default=3)
    p.add_argument("--conv-tol", type=float, default=1e-9)
    a = p.parse_args()
    for method in a.methods:
        functional, basis = method.split("/")
        print(f"\n{method}, grid level {a.grid_level}, conv_tol {a.conv_tol}, 1 thread each")
        print(f"{'molecule':16s} {'heavy':>5s} {'nao':>4s} {'pyscf s':>8s} {'chemflow s':>10s} {'ratio':>6s} {'dE Ha':>9s}")
        ratios = []
        for name, block, symbols in frames(a.xyz):
            heavy = sum(1 for s in symbols if s != "H")
            e_ref, t_ref, nao = run_pyscf(block, functional, basis, a.grid_level, a.conv_tol)
            e, t = run_chemflow(a.chemflow, block, functional, basis, a.grid_level, a.conv_tol)
            ratio = t / t_ref
            if heavy >= 9:
                ratios.append(ratio)
            print(f"{name:16s} {heavy:5d} {nao:4d} {t_ref:8.2f} {t:10.2f} {ratio:6.2f} {e - e_ref:9.1e}", flush=True)
        if ratios:
            print(f"median ratio chemflow/PySCF, >= 9 heavy atoms: {statistics.median(ratios):.2f} ({len(ratios)} molecules)")


if __name__ == "__main__":
    main()
