#!/usr/bin/env bash
# End-to-end demo run by `make run`: each stage of the chemflow pipeline that exists today.
#   1. chemflow dft on the shipped demo molecules (B3LYP5/STO-3G, the QM1B method)
# Stages still to come (see the open issues): generate -> train -> discover.
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
