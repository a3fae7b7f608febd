#!/usr/bin/env bash
# End-to-end demo run by `make run`: each stage of the chemflow pipeline that exists today.
#   1. chemflow dft on the shipped demo molecules (B3LYP5/STO-3G, the QM1B method)
#   2. chemflow dft on a crystal (silicon, plane waves), with forces and an equation-of-state volume relaxation
#   3. chemflow generate: a small DFT-labelled HDF5 dataset (QM1B preset), then inspect it
#   4. chemflow train / evaluate / predict: a small SchNet on that dataset
#   5. chemflow train --loss dft-energy: a Hamiltonian network on water conformers, no labels, then predict
#   6. chemflow discover: a short GNoME-style campaign (when it exists in this build)
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
echo "== chemflow dft --relax volume: silicon lattice from a Birch-Murnaghan fit (LDA, Ecut 15 Ha, 4x4x4) =="
"$bin" dft "$here/datasets/crystals/si.poscar" --xc lda --ecut 15 --kgrid 4x4x4 --relax volume

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

echo
echo "== chemflow train --loss dft-energy: Hamiltonian network on 40 water conformers (B3LYP5/STO-3G), no labels =="
head -n 200 "$here/datasets/conformers/water.xyz" > "$out/water40.xyz"
"$bin" train --loss dft-energy --input "$out/water40.xyz" --xc b3lyp5 --basis sto-3g --output "$out/water-hamiltonian.h5" \
  --epochs 8 --held-out 8
"$bin" predict --model "$out/water-hamiltonian.h5" --input "$out/water.xyz"

if "$bin" discover --help >/dev/null 2>&1; then
  echo
  echo "== chemflow discover: a short campaign (pipelines/demo-campaign.yaml) -> $out/campaign.h5 =="
  rm -f "$out/campaign.h5"
  "$bin" discover --config "$here/pipelines/demo-campaign.yaml" --output "$out/campaign.h5"
  "$bin" inspect "$out/campaign.h5"
fi
