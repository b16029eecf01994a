#!/usr/bin/env bash
# An lr-search split in shards as rerank-array.sbatch runs it (--shard i/n,
# one store each), then rerank-merge.sbatch with NASRANK_SUBCOMMAND=lr-search:
# the merged store holds every planned run once and the report is made from
# it. No Slurm needed (the scripts are run with bash, as their usage says).
set -euo pipefail
build=$1
source_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat >"$dir/tiny.json" <<'JSON'
{"name": "tiny-search", "network": {"channels": 8, "cells_per_stage": 1, "dag_network": "mlp"}, "batch_size": 64,
 "epochs": 1, "learning_rate": {"scaler": {"base_lr": 0.5, "convention": "dag-reference"}},
 "data": {"train_subset": 256, "eval_subset": 128, "loader_workers": 0}, "seeds": [1],
 "optimizer": {"momentum": 0.0, "nesterov": false, "weight_decay": 0.0}, "initialization": "principled",
 "augmentation": false, "schedule": {"type": "constant"}}
JSON
args=(--space dag --arch dag:1_01_001_0002 --arch dag:2_02_002_0002 --arch dag:2_12_012_0012
      --protocol "$dir/tiny.json" --dataset synthetic --grid 0.01,0.1,1 --seeds 1 2)
mkdir -p "$dir/out"
for i in 0 1 2; do
  "$build/nasrank" lr-search "${args[@]}" --workers 1 --threads 1 --device cpu --shard "$i/3" \
    --store "$dir/out/shard-$i-of-3.h5" --no-report 2>/dev/null >/dev/null
done
NASRANK_BIN="$build/nasrank" NASRANK_SUBCOMMAND=lr-search \
  bash "$source_dir/tools/slurm/rerank-merge.sbatch" "$dir/out" 3 "${args[@]}" >"$dir/merge.out" 2>"$dir/merge.err"
counts=$("$build/nasrank" export "$dir/out/runs.h5" --format json |
  python3 -c 'import json, sys; rows = json.load(sys.stdin); print(len(rows), len({(r["arch"], r["protocol"], r["seed"]) for r in rows}))')
[[ $counts == "18 18" ]] || { echo "merged store: $counts (runs, distinct runs); expected 3 x 3 x 2 = 18 once each"; exit 1; }
[[ -f $dir/out/report/lr-search.json ]] || { echo "no report in $dir/out/report"; cat "$dir/merge.err"; exit 1; }
grep -q '"search_id": "tiny-search"' "$dir/out/report/lr-search.json" || { echo "report is not the search's"; exit 1; }
echo "lr-search shards merged: 18 runs once each, report written"
