#!/usr/bin/env bash
# End-to-end demo run by `make run`: each stage of the chemflow pipeline that exists today.
#   1. chemflow dft on the shipped demo molecules (B3LYP5/STO-3G, the QM1B method)
#   2. chemflow dft on a crystal (silicon, plane waves)
#   3. chemflow generate: a small DFT-labelled HDF5 dataset (QM1B preset), then inspect it
#   4. chemflow train / evaluate / predict: a small SchNet on that dataset
# Stage still to come (see the open issues): discover.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bin="${CHEMFLOW_BIN:-$here/.build/release/chemflow}"
out="${CHEMFLOW_OUT:-$here/out}"
mkdir -p "$out"
export OPENBLAS_NUM_THREADS=1

echo "== chemflow dft: B3LYP5/STO-3G on datasets/molecules/demo.xyz =="
"$bin" dft "$here/datasets/molecules/demo.xyz" --xc b3lyp5 --basis sto-3g
echo
echo "== chemflow dft --json: PBE/6-31G* on water (JSON Lines -> $out/water_pbe.jsonl) =="
head -5 "$here/datasets/molecules/demo.xyz" > "$out/water.xyz"
"$bin" dft "$out/water.xyz" --xc pbe --basis 6-31g* --json | tee "$out/water_pbe.jsonl"

echo
echo "== chemflow dft: silicon crystal, PBE plane waves (Ecut 10 Ha, 2x2x2 k-points) =="
"$bin" dft "$here/datasets/crystals/si.poscar" --xc pbe --ecut 10 --kgrid 2x2x2

echo
echo "== chemflow generate --preset qm1b: first 40 shipped GDB-9 molecules -> $out/demo.h5 =="
head -n "$(awk 'BEGIN{n=0} {if (state==0) {c=$1; state=1; n++; if (n>40) {print NR-1; exit}} else if (++k==c+1) {state=0; k=0}}' "$here/datasets/molecules/gdb9-1000.xyz")" \
  "$here/datasets/molecules/gdb9-1000.xyz" > "$out/demo40.xyz"
"$bin" generate --input "$out/demo40.xyz" --output "$out/demo.h5" --preset qm1b --overwrite
"$bin" inspect "$out/demo.h5"

echo
echo "== chemflow train: SchNet on $out/demo.h5 (40 molecules, 20 epochs) -> $out/demo-model.h5 =="
"$bin" train --data "$out/demo.h5" --output "$out/demo-model.h5" --epochs 20 --features 32 --interactions 2
echo
echo "== chemflow evaluate / predict with the trained model =="
"$bin" evaluate --model "$out/demo-model.h5" --data "$out/demo.h5"
"$bin" predict --model "$out/demo-model.h5" --input "$here/datasets/molecules/demo.xyz"
