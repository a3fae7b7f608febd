#!/usr/bin/env bash
# A discovery campaign whose DFT verification runs, round after round, as Slurm array jobs.
#
#   CONFIG=campaign.yaml CAMPAIGN=/scratch/run1/campaign.h5 SHARDS=32 bash pipelines/cluster/slurm-discover.sh
#
# Per round (a "cycle"):
#   1. (first cycle only) a prepare job: chemflow discover --until predict — the campaign file is
#      then complete up to the round's candidate selection;
#   2. an array job of SHARDS tasks: chemflow discover --stage verify --shard I/SHARDS, each writing
#      its own small shard file and only reading the campaign file;
#   3. a gather job that waits for every task (afterany: a failed or lost shard costs time, not
#      correctness — the gather job computes whatever no shard did), runs
#      chemflow discover --resume --gather SHARDS... --until predict (update, train, next round's
#      generate and predict) and, unless the campaign has finished, calls this script again to
#      submit the next cycle.
# A pre-empted shard task can be resubmitted unchanged (--resume continues its file). Options for
# every campaign run (e.g. EXTRA="--rounds 5 --budget 200") go in EXTRA and must stay the same.
set -euo pipefail
: "${CONFIG:?set CONFIG to the campaign YAML}"
CAMPAIGN="${CAMPAIGN:-$PWD/campaign.h5}"
OUTDIR="${OUTDIR:-$(dirname "$CAMPAIGN")/chemflow-shards}"
SHARDS="${SHARDS:-16}"
CPUS="${CPUS:-8}"
CYCLE="${CYCLE:-0}"
EXTRA="${EXTRA:-}"
CHEMFLOW="${CHEMFLOW:-chemflow}"
SCRIPT="$(readlink -f "$0")"
dir="$OUTDIR/cycle-$CYCLE"

if [ "${1:-}" = gather ]; then   # inside the gather job
  shopt -s nullglob
  shards=("$dir"/shard-*.h5)
  gather=(); [ ${#shards[@]} -gt 0 ] && gather=(--gather "${shards[@]}")
  # shellcheck disable=SC2086
  summary=$("$CHEMFLOW" discover --config "$CONFIG" --output "$CAMPAIGN" --resume "${gather[@]}" \
            --until predict --threads "$CPUS" --json $EXTRA)
  echo "$summary"
  case "$summary" in *'"finished":true'*) echo "campaign finished: $CAMPAIGN"; exit 0 ;; esac
  CYCLE=$((CYCLE + 1)) exec bash "$SCRIPT"
fi

mkdir -p "$dir/logs"
dependency=()
if [ "$CYCLE" = 0 ]; then
  resume=""; [ -e "$CAMPAIGN" ] && resume="--resume"
  prepare_id=$(sbatch --parsable --job-name=chemflow-discover-prepare --cpus-per-task="$CPUS" \
    --time="${TIME:-24:00:00}" --output="$dir/logs/prepare.out" --export=ALL,OPENBLAS_NUM_THREADS=1 \
    --wrap="$CHEMFLOW discover --config '$CONFIG' --output '$CAMPAIGN' $resume --until predict --threads $CPUS $EXTRA")
  dependency=(--dependency=afterok:"$prepare_id")
fi

array_id=$(sbatch --parsable "${dependency[@]}" \
  --job-name=chemflow-verify --array=0-$((SHARDS - 1)) --cpus-per-task="$CPUS" \
  --time="${TIME:-24:00:00}" --output="$dir/logs/shard-%a.out" \
  --export=ALL,OPENBLAS_NUM_THREADS=1 \
  --wrap="$CHEMFLOW discover --stage verify --campaign '$CAMPAIGN' --shard \${SLURM_ARRAY_TASK_ID}/$SHARDS \
          --output \"$dir/shard-\${SLURM_ARRAY_TASK_ID}.h5\" --threads $CPUS --resume")

gather_id=$(sbatch --parsable --job-name=chemflow-discover-gather --dependency=afterany:"$array_id" \
  --cpus-per-task="$CPUS" --time="${TIME:-24:00:00}" --output="$dir/logs/gather.out" \
  --export=ALL,CYCLE="$CYCLE",OPENBLAS_NUM_THREADS=1 \
  --wrap="bash '$SCRIPT' gather")
echo "cycle $CYCLE: submitted verify array $array_id ($SHARDS shards into $dir) and gather job $gather_id"
