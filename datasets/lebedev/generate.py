#!/usr/bin/env python3
"""Write the Lebedev-Laikov angular grids used by GaussianDFT as octahedral orbits.

Source of the numbers: `scipy.integrate.lebedev_rule` (scipy >= 1.15), which is a
translation of the Lebedev-Laikov C routines (via C. van Wuellen's Fortran and
R. Parrish's MATLAB `getLebedevSphere`).  Each grid is a union of orbits of the
octahedral group; every orbit is written as one line (its generator and weight), and
GaussianDFT expands the orbits at run time (`LebedevGrid.swift`).  The expansion order
is the one of the Lebedev-Laikov `gen_oh` routine as PySCF writes it (scipy enumerates
the signs in a different order); this script checks that every expanded orbit equals
scipy's set of points bit for bit and, when PySCF is importable, that the whole grid
equals PySCF's `MakeAngularGrid` point by point, in order.

Usage (from the repository root):
    /work/venv/bin/python datasets/lebedev/generate.py
writes Sources/GaussianDFT/Resources/Lebedev/lebedev_orbits.txt
"""
import math
import os
import sys

import numpy as np
import scipy
from scipy.integrate import lebedev_rule

# (number of points, algebraic degree) for every grid up to 1454 points.  PySCF's grid
# levels 0-9 use 50...1454 points and NWChem pruning steps down to 50, 74, 86 and the
# grid just below the level's maximum, so 38 and smaller are only here for completeness.
GRIDS = [(6, 3), (14, 5), (26, 7), (38, 9), (50, 11), (74, 13), (86, 15), (110, 17),
         (146, 19), (170, 21), (194, 23), (230, 25), (266, 27), (302, 29), (350, 31),
         (434, 35), (590, 41), (770, 47), (974, 53), (1202, 59), (1454, 65)]


def expand(code, a, b, c, v):
    """Points of one orbit in gen_oh order: patterns in a fixed order, signs of the
    non-zero coordinates enumerated with the first one varying fastest."""
    if code == 0:
        patterns = [(a, 0.0, 0.0), (0.0, a, 0.0), (0.0, 0.0, a)]
    elif code == 1:
        patterns = [(0.0, a, a), (a, 0.0, a), (a, a, 0.0)]
    elif code == 2:
        patterns = [(a, a, a)]
    elif code == 3:
        patterns = [(a, a, b), (a, b, a), (b, a, a)]
    elif code == 4:
        patterns = [(a, b, 0.0), (b, a, 0.0), (a, 0.0, b), (b, 0.0, a), (0.0, a, b), (0.0, b, a)]
    elif code == 5:
        patterns = [(a, b, c), (a, c, b), (b, a, c), (b, c, a), (c, a, b), (c, b, a)]
    else:
        raise ValueError(code)
    pts = []
    for p in patterns:
        nz = [i for i in range(3) if p[i] != 0.0]
        for s in range(1 << len(nz)):
            q = list(p)
            for k, i in enumerate(nz):
                if s >> k & 1:
                    q[i] = -q[i]
            pts.append((q[0], q[1], q[2], v))
    return pts


ORBIT_SIZE = {0: 6, 1: 12, 2: 8, 3: 24, 4: 24, 5: 48}


def classify(x, y, z):
    """Orbit code of a generator point with positive coordinates (x, y, z)."""
    vals = [x, y, z]
    nzero = sum(1 for t in vals if t == 0.0)
    distinct = len(set(t for t in vals if t != 0.0))
    if nzero == 2:
        return 0
    if nzero == 1:
        return 1 if distinct == 1 else 4
    if distinct == 1:
        return 2
    if distinct == 2:
        return 3
    return 5


def source_weights(n):
    """The weights v (normalised to 1) as the decimal constants printed in scipy's source,
    one per orbit in order.  (w / (4 pi) from the returned weights is sometimes 1 ulp off
    the table value, and two doubles can map to the same w.)"""
    import inspect
    import re
    from scipy.integrate import _lebedev
    src = inspect.getsource(_lebedev.get_lebedev_sphere)
    m = re.search(r"case %d:\n(.*?)(?:\n\s*case \d+:|\Z)" % n, src, re.S)
    assert m, n
    return [float(t) for t in re.findall(r"^\s*v = ([-+0-9.eE]+)\s*$", m.group(1), re.M)]


def orbits_of(n):
    x, w = lebedev_rule(dict(GRIDS)[n])
    pts = x.T
    assert pts.shape[0] == n
    vs = source_weights(n)
    orbits = []
    i = 0
    while i < n:
        px, py, pz = (float(t) for t in pts[i])
        assert px >= 0 and py >= 0 and pz >= 0, (n, i, pts[i])
        code = classify(px, py, pz)
        v = vs[len(orbits)]
        if code == 0:
            a, b, c = max(px, py, pz), 0.0, 0.0
        elif code == 1:
            a, b, c = max(px, py, pz), 0.0, 0.0
        elif code == 2:
            a, b, c = px, 0.0, 0.0
        elif code == 3:
            a, b, c = px, pz, 0.0          # first point is (a, a, b)
            assert px == py
        elif code == 4:
            a, b, c = px, py, 0.0          # first point is (a, b, 0)
            assert pz == 0.0
        else:
            a, b, c = px, py, pz
        exp = expand(code, a, b, c, v)
        m = ORBIT_SIZE[code]
        got = pts[i:i + m]
        assert len(exp) == m
        # scipy enumerates the signs in another order than gen_oh: compare as sets.
        assert sorted(tuple(float(t) for t in q) for q in got) == sorted(e[:3] for e in exp), (n, i)
        for k in range(m):
            assert 4.0 * math.pi * v == float(w[i + k]), (n, i, k)
        orbits.append((code, a, b, c, v))
        i += m
    assert len(orbits) == len(vs), n
    return orbits


def check_against_pyscf(n, orbits):
    try:
        from pyscf.dft.LebedevGrid import MakeAngularGrid
    except Exception:
        return None
    ref = MakeAngularGrid(n)
    ours = np.array([p for o in orbits for p in expand(*o)])
    return float(np.abs(ours - ref).max())


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = os.path.join(root, "Sources", "GaussianDFT", "Resources", "Lebedev", "lebedev_orbits.txt")
    lines = [
        "# Lebedev-Laikov angular grids on the unit sphere, written as octahedral orbits.",
        f"# Generated by datasets/lebedev/generate.py from scipy {scipy.__version__} "
        "scipy.integrate.lebedev_rule; do not edit.",
        "# 'grid N L': N points, exact for spherical harmonics of degree <= L.",
        "# orbit lines: code a b c v.  v is the weight normalised to sum 1 over the grid.",
        "#   code 0: (a,0,0) 6 points   code 1: (0,a,a) 12   code 2: (a,a,a) 8",
        "#   code 3: (a,a,b) 24         code 4: (a,b,0) 24   code 5: (a,b,c) 48",
        "# each orbit is all signed permutations of its generator, in Lebedev-Laikov gen_oh order.",
    ]
    for n, deg in GRIDS:
        orbits = orbits_of(n)
        assert sum(ORBIT_SIZE[o[0]] for o in orbits) == n
        diff = check_against_pyscf(n, orbits)
        print(f"grid {n:5d} degree {deg:3d}: {len(orbits):3d} orbits"
              + ("" if diff is None else f", max |ours - PySCF| = {diff:.1e}"))
        lines.append(f"grid {n} {deg}")
        for code, a, b, c, v in orbits:
            lines.append(f"{code} {a!r} {b!r} {c!r} {v!r}")
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote", out)


if __name__ == "__main__":
    sys.exit(main())
