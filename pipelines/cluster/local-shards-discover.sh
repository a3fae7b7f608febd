#!/usr/bin/env bash
# Runs a discovery campaign with the DFT of every round's verify stage split over N local
# processes, the way a cluster runs it (slurm-discover.sh, kubernetes-discover-*.yaml):
#   1. chemflow discover --until predict        (up to the round's candidate selection)
#   2. N × chemflow discover --stage verify --shard I/N   (independent jobs; read the campaign only)
#   3. chemflow discover --resume --gather SHARDS --until predict   (add them, go on to the next round)
# and repeats 2–3 until the campaign has finished. Prints the final JSON summary.
#   bash pipelines/cluster/local-shards-discover.sh CONFIG.yaml CAMPAIGN.h5 [N] [extra discover flags, e.g. --rounds 1]
# An existing CAMPAIGN.h5 is continued (--resume).
set -euo pipefail
config="$1"; campaign="$2"; n="${3:-2}"; shift $(( $# >= 3 ? 3 : $# ))
chemflow="${CHEMFLOW:-chemflow}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
resume=(); [ -e "$campaign" ] && resume=(--resume)
gather=()
while :; do
  summary=$("$chemflow" discover --config "$config" --output "$campaign" "${resume[@]}" "${gather[@]}" \
            --until predict --json "$@")
  case "$summary" in *'"finished":true'*) break ;; esac
  resume=(--resume)
  rm -f "$dir"/shard-*.h5
  pids=()
  for i in $(seq 0 $((n - 1))); do
    OPENBLAS_NUM_THREADS=1 "$chemflow" discover --stage verify --campaign "$campaign" --shard "$i/$n" \
      --output "$dir/shard-$i.h5" --threads 1 --resume > /dev/null &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  gather=(--gather "$dir"/shard-*.h5)
done
echo "$summary"
