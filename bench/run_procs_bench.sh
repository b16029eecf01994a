#!/usr/bin/env bash
# Two worker layouts on 2 cores, as `nasrank rerank` chooses between them:
# 1 process x 2 threads against 2 processes x 1 thread (the default: one
# single-threaded worker per core), on the mix of bench/run_train_bench.sh.
#
# Each round runs both layouts one after the other (which goes first
# alternates). The two single-threaded processes run at the same time, one
# through the mix forwards and one backwards; their throughput is the sum of
# each process's own timed images/s, and also (more conservatively) both
# processes' images over the wall time of the pair, start-up and warm-up
# included, against the same wall-time figure of the 2-thread process. The
# summary (bench/summarize.py procs) gives medians over the rounds with
# [min-max] and the ratio per round. Run it on a quiet machine.
#
# Usage: bench/run_procs_bench.sh [build-dir]
#   env: ROUNDS=5 STEPS=5 WARMUP=2 BATCH=256 CELLS=10 KEEP=file.jsonl
# Takes about 2 minutes per round on the 2-core AMD EPYC with the defaults.
set -euo pipefail
source "$(dirname "$0")/common.sh"
training_settings 5
bench="$build/bench/bench_train"
require_built run_procs_bench "$bench"
make_work_dir
open_results
use_train_mix
reversed=()
for ((c = ${#mix[@]} - 1; c >= 0; --c)); do reversed+=("${mix[c]}"); done
common=(--steps "$steps" --warmup "$warmup" --repeats 1 --batch "$batch")
args_of() { for a in "$@"; do printf -- '--arch\n%s\n' "$a"; done; }
mapfile -t forwards < <(args_of "${mix[@]}")
mapfile -t backwards < <(args_of "${reversed[@]}")

record() {  # variant round wall file: tag each cell line
  grep -v '"summary"' "$4" | sed "s/^{/{\"variant\":\"$1\",\"round\":$2,/; s/}\$/,\"wall_seconds\":$3}/" >>"$results"
}

one_by_two() {
  local start end
  start=$EPOCHREALTIME
  "$bench" "${forwards[@]}" "${common[@]}" --threads 2 >"$work/one.jsonl"
  end=$EPOCHREALTIME
  record 1x2 "$1" "$(awk "BEGIN { print $end - $start }")" "$work/one.jsonl"
}

two_by_one() {
  local start end wall
  start=$EPOCHREALTIME
  "$bench" "${forwards[@]}" "${common[@]}" --threads 1 >"$work/a.jsonl" &
  local a=$!
  "$bench" "${backwards[@]}" "${common[@]}" --threads 1 >"$work/b.jsonl" &
  local b=$!
  wait "$a"
  wait "$b"
  end=$EPOCHREALTIME
  wall=$(awk "BEGIN { print $end - $start }")
  record 2x1-a "$1" "$wall" "$work/a.jsonl"
  record 2x1-b "$1" "$wall" "$work/b.jsonl"
}

model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
echo "run_procs_bench: ${model:-unknown CPU}, $(nproc) CPUs; ${rounds} round(s), ${#mix[@]} cell(s), steps $steps" \
  "(warm-up $warmup), batch $batch" >&2
for ((round = 1; round <= rounds; ++round)); do
  if ((round % 2)); then one_by_two "$round"; two_by_one "$round"; else two_by_one "$round"; one_by_two "$round"; fi
  echo "  round $round/$rounds done" >&2
done
/usr/bin/python3 "$here/summarize.py" procs "$results"
