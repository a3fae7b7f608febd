#!/usr/bin/env bash
# Sharded dataset generation as a Slurm array job, then a merge job that waits for it.
#
#   INPUT=molecules.xyz OUTDIR=/scratch/run1 SHARDS=64 bash pipelines/cluster/slurm-generate.sh
#
# Each array task runs one shard on one node's cores; a task that is killed or pre-empted can be
# resubmitted unchanged (--resume continues its file). The merge job combines the shards once
# every task has succeeded.
set -euo pipefail
: "${INPUT:?set INPUT to a multi-frame XYZ or SDF file}"
OUTDIR="${OUTDIR:-$PWD/chemflow-shards}"
SHARDS="${SHARDS:-16}"
PRESET="${PRESET:-qm1b}"
CPUS="${CPUS:-8}"
CHEMFLOW="${CHEMFLOW:-chemflow}"
mkdir -p "$OUTDIR/logs"

array_id=$(sbatch --parsable \
  --job-name=chemflow-generate --array=0-$((SHARDS - 1)) --cpus-per-task="$CPUS" \
  --time="${TIME:-24:00:00}" --output="$OUTDIR/logs/shard-%a.out" \
  --export=ALL,OPENBLAS_NUM_THREADS=1 \
  --wrap="$CHEMFLOW generate --input '$INPUT' --output \"$OUTDIR/shard-\${SLURM_ARRAY_TASK_ID}.h5\" \
          --preset $PRESET --threads $CPUS --shard \${SLURM_ARRAY_TASK_ID}/$SHARDS --resume")

sbatch --job-name=chemflow-merge --dependency=afterok:"$array_id" --output="$OUTDIR/logs/merge.out" \
  --wrap="$CHEMFLOW merge '$OUTDIR/dataset.h5' \$(ls '$OUTDIR'/shard-*.h5)"
echo "submitted array job $array_id ($SHARDS shards) and its merge into $OUTDIR/dataset.h5"
