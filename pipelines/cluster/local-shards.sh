#!/usr/bin/env bash
# Runs N shards of `chemflow generate` as local processes and merges them.
#   bash pipelines/cluster/local-shards.sh INPUT.xyz OUT.h5 [N] [extra generate flags...]
set -euo pipefail
input="$1"; output="$2"; n="${3:-2}"; shift $(( $# >= 3 ? 3 : $# ))
chemflow="${CHEMFLOW:-chemflow}"
dir="$(mktemp -d)"
for i in $(seq 0 $((n - 1))); do
  OPENBLAS_NUM_THREADS=1 "$chemflow" generate --input "$input" --output "$dir/shard-$i.h5" \
    --threads 1 --shard "$i/$n" --resume "$@" &
done
wait
"$chemflow" merge "$output" "$dir"/shard-*.h5
rm -rf "$dir"
