"""chemflow's SchNet against torch_geometric's SchNet: same data, split, hyperparameters, epochs.

Driven by benchmarks/schnet-vs-pyg (which creates the virtualenv). Subcommands:

  qm9  WORK N_TRAIN N_VAL SEED      writes WORK/train.xyz and WORK/val.xyz: a seeded random QM9
                                    subset from the PyPI package qm9pack, energy= U0 in eV
  split H5 WORK N_VAL SEED          the same for a dataset written by `chemflow generate` (records
                                    with status ok), read with h5py as docs/hdf5-schema.md shows
  pyg  WORK EPOCHS BATCH LR F K R CUTOFF SEED THREADS
                                    trains PyG SchNet on WORK/{train,val}.xyz, prints one JSON line

Standardisation on the PyG side mirrors chemflow's (docs/training.md): per-element reference
energies by least squares on the training set (PyG's `atomref`), then the per-atom mean and
standard deviation of the residual (PyG's `mean`/`std`). Loss: MSE of the total energy; Adam with
reduce-on-plateau (factor 0.5, patience 5, threshold 1e-4 relative, min lr 1e-6) on the
validation MAE, as chemflow's trainer does. The interaction graph is every pair within the
cutoff inside a molecule (chemflow keeps all neighbours; PyG's default radius_graph would cap
them at 32 and needs torch-cluster).
"""
import ast
import glob
import json
import os
import sys
import time

import numpy as np

HARTREE_EV = 27.211386245988
SYMBOLS = {"H": 1, "C": 6, "N": 7, "O": 8, "F": 9}


def write_xyz(path, frames):
    with open(path, "w") as f:
        for name, z, pos, energy in frames:
            f.write(f"{len(z)}\nname={name} energy={energy:.10f}\n")
            inv = {v: k for k, v in SYMBOLS.items()}
            for zi, p in zip(z, pos):
                f.write(f"{inv[zi]} {p[0]:.10f} {p[1]:.10f} {p[2]:.10f}\n")


def read_xyz(path):
    frames, lines, i = [], open(path).read().split("\n"), 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        n = int(lines[i])
        props = dict(kv.split("=", 1) for kv in lines[i + 1].split() if "=" in kv)
        z, pos = [], []
        for line in lines[i + 2:i + 2 + n]:
            s = line.split()
            z.append(SYMBOLS[s[0]])
            pos.append([float(s[1]), float(s[2]), float(s[3])])
        frames.append((props.get("name", str(len(frames))), z, pos, float(props["energy"])))
        i += n + 2
    return frames


def qm9(work, n_train, n_val, seed):
    import importlib.util
    import pandas as pd
    # The CSV tables inside the package (importing qm9pack itself needs setuptools' pkg_resources).
    folder = os.path.join(importlib.util.find_spec("qm9pack").submodule_search_locations[0], "data")
    parts = sorted(glob.glob(os.path.join(folder, "qm9_part*.csv")))
    table = pd.concat([pd.read_csv(p, usecols=["Index", "Elements", "XYZ_Ang", "InternalEnergy_0K_au"]) for p in parts])
    rng = np.random.default_rng(seed)
    rows = table.iloc[rng.permutation(len(table))[: n_train + n_val]]
    frames = [(f"qm9_{r.Index}", [SYMBOLS[e] for e in ast.literal_eval(r.Elements)], ast.literal_eval(r.XYZ_Ang),
               r.InternalEnergy_0K_au * HARTREE_EV) for r in rows.itertuples()]
    write_xyz(os.path.join(work, "train.xyz"), frames[:n_train])
    write_xyz(os.path.join(work, "val.xyz"), frames[n_train:])
    print(f"QM9 U0: {n_train} training + {n_val} validation molecules of {len(table)} (seed {seed})")


def split(h5, work, n_val, seed):
    import h5py
    f = h5py.File(h5, "r")
    index = f["structures/index"][:]
    n = len(index) if (index >= 0).all() else int(np.argmax(index < 0))
    names, energy = f["structures/name"].asstr()[:n], f["labels/energy"][:n]
    status, offset, count = f["labels/status"][:n], f["structures/atom_offset"][:n], f["structures/n_atoms"][:n]
    z_all, r_all = f["structures/atomic_numbers"][:], f["structures/positions"][:]
    frames = [(names[i], [int(z) for z in z_all[offset[i]:offset[i] + count[i]]],
               r_all[offset[i]:offset[i] + count[i]].tolist(), float(energy[i]))
              for i in range(n) if status[i] == 0 and np.isfinite(energy[i])]
    order = np.random.default_rng(seed).permutation(len(frames))
    val, train = [frames[i] for i in order[:n_val]], [frames[i] for i in order[n_val:]]
    write_xyz(os.path.join(work, "train.xyz"), train)
    write_xyz(os.path.join(work, "val.xyz"), val)
    print(f"{h5}: {len(train)} training + {len(val)} validation structures (seed {seed})")


def pyg(work, epochs, batch_size, lr, features, interactions, radial, cutoff, seed, threads):
    import torch
    from torch_geometric.data import Data
    from torch_geometric.loader import DataLoader
    from torch_geometric.nn.models import SchNet

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    train, val = read_xyz(os.path.join(work, "train.xyz")), read_xyz(os.path.join(work, "val.xyz"))

    # Per-element references by least squares on the training set, then per-atom mean and std.
    elements = sorted({z for _, zs, _, _ in train for z in zs})
    counts = np.array([[zs.count(e) for e in elements] for _, zs, _, _ in train], dtype=float)
    energies = np.array([e for *_, e in train])
    refs, *_ = np.linalg.lstsq(counts, energies, rcond=None)
    natoms = counts.sum(axis=1)
    residual = (energies - counts @ refs) / natoms
    atomref = torch.zeros(100, 1)
    for e, r in zip(elements, refs):
        atomref[e, 0] = r

    def graph(frames):
        return [Data(z=torch.tensor(z), pos=torch.tensor(p, dtype=torch.float32), y=torch.tensor([e]))
                for _, z, p, e in frames]

    def pairs_within_cutoff(pos, batch):
        d = torch.cdist(pos, pos)
        mask = (batch[:, None] == batch[None, :]) & (d < cutoff)
        mask.fill_diagonal_(False)
        i, j = mask.nonzero(as_tuple=True)
        return torch.stack([i, j]), d[i, j]

    model = SchNet(hidden_channels=features, num_filters=features, num_interactions=interactions,
                   num_gaussians=radial, cutoff=cutoff, interaction_graph=pairs_within_cutoff,
                   readout="add", mean=float(residual.mean()), std=float(residual.std()), atomref=atomref)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=5, threshold=1e-4,
                                                         min_lr=1e-6)
    train_loader = DataLoader(graph(train), batch_size=batch_size, shuffle=True)
    val_loader = DataLoader(graph(val), batch_size=batch_size)

    def validate():
        model.eval()
        errors, start = [], time.perf_counter()
        with torch.no_grad():
            for b in val_loader:
                errors.append((model(b.z, b.pos, b.batch).view(-1) - b.y).abs())
        return torch.cat(errors).mean().item(), time.perf_counter() - start

    train_seconds, best = 0.0, float("inf")
    for epoch in range(epochs):
        model.train()
        start = time.perf_counter()
        for b in train_loader:
            optimizer.zero_grad()
            loss = ((model(b.z, b.pos, b.batch).view(-1) - b.y) ** 2).mean()
            loss.backward()
            optimizer.step()
        train_seconds += time.perf_counter() - start
        mae, _ = validate()
        best = min(best, mae)
        plateau.step(mae)
        print(f"  pyg epoch {epoch + 1}: val MAE {mae:.4f} eV", file=sys.stderr)
    mae, seconds = validate()
    print(json.dumps({"code": "pyg", "train_molecules_per_s": epochs * len(train) / train_seconds,
                      "inference_molecules_per_s": len(val) / seconds, "val_mae_ev": mae, "best_val_mae_ev": best,
                      "train_seconds": train_seconds, "parameters": sum(p.numel() for p in model.parameters()),
                      "torch": torch.__version__}))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "qm9":
        qm9(args[0], int(args[1]), int(args[2]), int(args[3]))
    elif cmd == "split":
        split(args[0], args[1], int(args[2]), int(args[3]))
    elif cmd == "pyg":
        pyg(args[0], int(args[1]), int(args[2]), float(args[3]), int(args[4]), int(args[5]), int(args[6]),
            float(args[7]), int(args[8]), int(args[9]))
    else:
        sys.exit(f"unknown subcommand {cmd}")
