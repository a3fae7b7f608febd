"""Builds the prototype files in this folder from their Wyckoff positions.

Run offline with pymatgen + spglib:  /work/venv/bin/python build_prototypes.py
For each prototype: the space group (international number; origin choice 2 for groups with two
origins, hexagonal axes for rhombohedral groups, as in the International Tables), the lattice
parameters of the named example compound (experimental room-temperature values rounded to
~0.01 Å; only the shape matters to chemflow, which rescales cells with its volume estimate), and
one representative position per Wyckoff orbit. pymatgen expands the orbits with the space
group's operations (Structure.from_spacegroup), reduces to the standard primitive cell
(SpacegroupAnalyzer.get_primitive_standard_structure), and spglib then checks that the space
group and every Wyckoff letter are the ones written here.
"""
import os
from pymatgen.core import Lattice, Structure
from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

# name, Strukturbericht, example, space group, (a, b, c, alpha, beta, gamma), orbits [(role, wyckoff, xyz)]
P = [
    ("fcc", "A1", "Cu", 225, (3.615,) * 3 + (90, 90, 90), [("A", "a", (0, 0, 0))]),
    ("bcc", "A2", "W", 229, (3.165,) * 3 + (90, 90, 90), [("A", "a", (0, 0, 0))]),
    ("hcp", "A3", "Mg", 194, (3.209, 3.209, 5.211, 90, 90, 120), [("A", "c", (1/3, 2/3, 1/4))]),
    ("diamond", "A4", "C", 227, (3.567,) * 3 + (90, 90, 90), [("A", "a", (1/8, 1/8, 1/8))]),
    ("rocksalt", "B1", "NaCl", 225, (5.640,) * 3 + (90, 90, 90), [("A", "a", (0, 0, 0)), ("B", "b", (1/2, 1/2, 1/2))]),
    ("CsCl", "B2", "CsCl", 221, (4.123,) * 3 + (90, 90, 90), [("A", "a", (0, 0, 0)), ("B", "b", (1/2, 1/2, 1/2))]),
    ("zincblende", "B3", "ZnS", 216, (5.409,) * 3 + (90, 90, 90), [("A", "a", (0, 0, 0)), ("B", "c", (1/4, 1/4, 1/4))]),
    ("wurtzite", "B4", "ZnO", 186, (3.250, 3.250, 5.207, 90, 90, 120), [("A", "b", (1/3, 2/3, 0)), ("B", "b", (1/3, 2/3, 0.382))]),
    ("NiAs", "B8_1", "NiAs", 194, (3.619, 3.619, 5.034, 90, 90, 120), [("A", "a", (0, 0, 0)), ("B", "c", (1/3, 2/3, 1/4))]),
    ("fluorite", "C1", "CaF2", 225, (5.463,) * 3 + (90, 90, 90), [("A", "a", (0, 0, 0)), ("X", "c", (1/4, 1/4, 1/4))]),
    ("antifluorite", "C1", "Li2O", 225, (4.611,) * 3 + (90, 90, 90), [("X", "a", (0, 0, 0)), ("A", "c", (1/4, 1/4, 1/4))]),
    ("perovskite", "E2_1", "SrTiO3", 221, (3.905,) * 3 + (90, 90, 90),
     [("A", "a", (0, 0, 0)), ("B", "b", (1/2, 1/2, 1/2)), ("X", "c", (0, 1/2, 1/2))]),
    ("spinel", "H1_1", "MgAl2O4", 227, (8.083,) * 3 + (90, 90, 90),
     [("A", "a", (1/8, 1/8, 1/8)), ("B", "d", (1/2, 1/2, 1/2)), ("X", "e", (0.2624, 0.2624, 0.2624))]),
    ("rutile", "C4", "TiO2", 136, (4.594, 4.594, 2.959, 90, 90, 90), [("A", "a", (0, 0, 0)), ("X", "f", (0.3049, 0.3049, 0))]),
    ("anatase", "C5", "TiO2", 141, (3.785, 3.785, 9.514, 90, 90, 90), [("A", "a", (0, 3/4, 1/8)), ("X", "e", (0, 1/4, 0.0833))]),
    ("corundum", "D5_1", "Al2O3", 167, (4.759, 4.759, 12.991, 90, 90, 120), [("A", "c", (0, 0, 0.3523)), ("X", "e", (0.3064, 0, 1/4))]),
    ("pyrite", "C2", "FeS2", 205, (5.417,) * 3 + (90, 90, 90), [("A", "a", (0, 0, 0)), ("X", "c", (0.385, 0.385, 0.385))]),
    ("full-Heusler", "L2_1", "Cu2MnAl", 225, (5.95,) * 3 + (90, 90, 90),
     [("X", "c", (1/4, 1/4, 1/4)), ("Y", "a", (0, 0, 0)), ("Z", "b", (1/2, 1/2, 1/2))]),
    ("half-Heusler", "C1_b", "TiNiSn", 216, (5.93,) * 3 + (90, 90, 90),
     [("X", "c", (1/4, 1/4, 1/4)), ("Y", "b", (1/2, 1/2, 1/2)), ("Z", "a", (0, 0, 0))]),
    ("Cu3Au", "L1_2", "Cu3Au", 221, (3.75,) * 3 + (90, 90, 90), [("A", "c", (0, 1/2, 1/2)), ("B", "a", (0, 0, 0))]),
    ("CuAu", "L1_0", "CuAu", 123, (2.80, 2.80, 3.67, 90, 90, 90), [("A", "d", (1/2, 1/2, 1/2)), ("B", "a", (0, 0, 0))]),
    ("AlB2", "C32", "MgB2", 191, (3.086, 3.086, 3.524, 90, 90, 120), [("A", "a", (0, 0, 0)), ("B", "d", (1/3, 2/3, 1/2))]),
    ("A15", "A15", "Cr3Si", 223, (4.56,) * 3 + (90, 90, 90), [("A", "c", (1/4, 0, 1/2)), ("B", "a", (0, 0, 0))]),
    ("CdI2", "C6", "CdI2", 164, (4.24, 4.24, 6.84, 90, 90, 120), [("A", "a", (0, 0, 0)), ("X", "d", (1/3, 2/3, 1/4))]),
    ("ReO3", "D0_9", "ReO3", 221, (3.75,) * 3 + (90, 90, 90), [("A", "a", (0, 0, 0)), ("X", "d", (1/2, 0, 0))]),
    ("Laves-C15", "C15", "MgCu2", 227, (7.05,) * 3 + (90, 90, 90), [("A", "a", (1/8, 1/8, 1/8)), ("B", "d", (1/2, 1/2, 1/2))]),
]
MARKERS = ["Na", "Cl", "K", "Br"]  # distinct species per orbit while building

here = os.path.dirname(os.path.abspath(__file__))
rows = []
for name, sb, example, sg, (a, b, c, al, be, ga), orbits in P:
    lat = Lattice.from_parameters(a, b, c, al, be, ga)
    # pymatgen expands integer space-group numbers in origin choice 1; the positions above are in
    # origin choice 2 (International Tables' standard for 227 and 141): x1 = x2 - p.
    p = {227: (-1/8, -1/8, -1/8), 141: (0, 3/4, 1/8)}.get(sg, (0, 0, 0))
    coords = [tuple(x - s for x, s in zip(o[2], p)) for o in orbits]
    conv = Structure.from_spacegroup(sg, lat, [MARKERS[i] for i in range(len(orbits))], coords)
    sga = SpacegroupAnalyzer(conv, symprec=1e-4)
    assert sga.get_space_group_number() == sg, (name, sga.get_space_group_number())
    prim = sga.get_primitive_standard_structure()
    ds = SpacegroupAnalyzer(prim, symprec=1e-4).get_symmetry_dataset()
    assert ds.number == sg, name
    marker_of = {MARKERS[i]: o for i, o in enumerate(orbits)}
    for site, w, sym in zip(prim, ds.wyckoffs, ds.site_symmetry_symbols):
        mine = marker_of[site.specie.symbol][1]
        # spglib picks one of the orbits that the Euclidean normaliser maps onto each other
        # (same site symmetry): 227 a<->b, c<->d; 216 a<->b<->c<->d. Anything else is an error.
        same = {227: [set("ab"), set("cd")], 216: [set("abcd")]}.get(sg, [])
        assert w == mine or any({w, mine} <= g for g in same), (name, mine, w, sym)
    nn = min(prim.get_distance(i, j, jimage=None) for i in range(len(prim)) for j in range(len(prim)) if i != j) if len(prim) > 1 else min(prim.lattice.abc)
    multiplicity = {o[1]: sum(1 for s in conv if s.specie.symbol == MARKERS[i]) for i, o in enumerate(orbits)}
    formula_counts = {}
    for site in prim:
        r = marker_of[site.specie.symbol][0]
        formula_counts[r] = formula_counts.get(r, 0) + 1
    lines = [f"# {name} ({sb}, {example}), space group {sg}; generated by build_prototypes.py from the Wyckoff positions",
             f"# " + ", ".join(f"{o[0]} {multiplicity[o[1]]}{o[1]} {tuple(round(x, 4) for x in o[2])}" for o in orbits)
             + f" in the conventional cell; a b c = {a} {b} {c} Å, angles {al} {be} {ga}",
             f"name {name}", f"strukturbericht {sb}", f"example {example}", f"spacegroup {sg}", "lattice"]
    for v in prim.lattice.matrix:
        lines.append("  " + " ".join(f"{x: .10f}" for x in v))
    lines.append("sites")
    order = sorted(range(len(prim)), key=lambda i: MARKERS.index(prim[i].specie.symbol))
    for i in order:
        role, w, _ = marker_of[prim[i].specie.symbol]
        f = [x % 1.0 for x in prim[i].frac_coords]
        f = [0.0 if abs(x - 1) < 1e-9 or abs(x) < 1e-9 else x for x in f]
        lines.append(f"  {role} {multiplicity[w]}{w} " + " ".join(f"{x:.10f}" for x in f))
    with open(os.path.join(here, f"{name}.prototype"), "w") as fh:
        fh.write("\n".join(lines) + "\n")
    formula = "".join(f"{r}{n if n > 1 else ''}" for r, n in formula_counts.items())
    rows.append(f"| `{name}.prototype` | {sb} | {example} | {sg} | " + ", ".join(f"{o[0]} {multiplicity[o[1]]}{o[1]}" for o in orbits)
                + f" | {len(prim)} | {nn:.3f} |")
    print(name, sg, len(prim), "atoms, shortest distance", round(nn, 3))
with open(os.path.join(here, "table.md"), "w") as fh:  # pasted into README.md
    fh.write("\n".join(rows) + "\n")
