#!/usr/bin/env bash
# Training-step throughput: nasrank against two PyTorch peers on a mix of ten
# NAS-Bench-201 cells (C=16 N=5, 3x32x32, batch 256, 2 threads), interleaved.
#
#   peer        bench/train_peer.py: the benchmark's network as its own code
#               runs it (every edge computed), Debian's python3-torch (the
#               same LibTorch 1.13.1), default process settings
#   peer-tuned  the same network given what a Python user can do without
#               touching it: MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_,
#               OMP_WAIT_POLICY=PASSIVE, and --channels-last
#   nasrank     bench_train, nasrank's trainer as `nasrank train` runs it
#   nasrank-every-edge  the same computing every edge (EVERY_EDGE=0 leaves it out)
#
# Interleaved: each round times every variant on the first cell, then on the
# next cell, ..., in an order that rotates from cell to cell and round to
# round, so that load drifting over minutes hits every variant alike. Each
# timing is its own process (WARMUP untimed steps, then STEPS timed). The
# summary (bench/summarize.py train) gives per-cell and whole-mix medians over
# the rounds with [min-max], and each ratio as the median of its per-round
# ratios. Run it on a quiet machine: with 2 cores, any other load distorts
# every figure.
#
# Usage: bench/run_train_bench.sh [build-dir]
#   env: ROUNDS=5 STEPS=5 WARMUP=2 BATCH=256 THREADS=2 CELLS=10 EVERY_EDGE=1
#        KEEP=file.jsonl (keep the raw timings)
# Takes about 5 minutes per round on the 2-core AMD EPYC with the defaults.
set -euo pipefail
source "$(dirname "$0")/common.sh"
training_settings 5
every_edge="${EVERY_EDGE:-1}"
python=/usr/bin/python3
bench="$build/bench/bench_train"
require_built run_train_bench "$bench"
make_work_dir
open_results
use_train_mix
common=(--steps "$steps" --warmup "$warmup" --repeats 1 --batch "$batch" --threads "$threads")
# What nasrank sets inside its own process (trainer.h); the tuned peer gets it from outside.
tuned_env=(MALLOC_MMAP_THRESHOLD_=268435456 MALLOC_TRIM_THRESHOLD_=1073741824 OMP_WAIT_POLICY=PASSIVE)
plain_env=(-u MALLOC_MMAP_THRESHOLD_ -u MALLOC_TRIM_THRESHOLD_ -u OMP_WAIT_POLICY)

variants=(nasrank peer peer-tuned)
((every_edge)) && variants+=(nasrank-every-edge)

time_one() {  # variant arch -> one JSON line on stdout
  case $1 in
    nasrank) env "${plain_env[@]}" "$bench" --arch "$2" "${common[@]}" ;;
    nasrank-every-edge) env "${plain_env[@]}" "$bench" --arch "$2" "${common[@]}" --every-edge ;;
    peer) env "${plain_env[@]}" "$python" "$here/train_peer.py" --arch "$2" "${common[@]}" ;;
    peer-tuned) env "${tuned_env[@]}" "$python" "$here/train_peer.py" --arch "$2" "${common[@]}" --channels-last ;;
  esac | grep -v '"summary"'
}

model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
echo "run_train_bench: ${model:-unknown CPU}, $(nproc) CPUs; ${rounds} round(s) x ${#mix[@]} cell(s) x ${#variants[@]} variants;" \
  "steps $steps (warm-up $warmup), batch $batch, $threads thread(s)" >&2
n=${#variants[@]}
for ((round = 1; round <= rounds; ++round)); do
  for ((c = 0; c < ${#mix[@]}; ++c)); do
    for ((k = 0; k < n; ++k)); do
      variant=${variants[$(((k + c + round) % n))]}
      line=$(time_one "$variant" "${mix[c]}")
      printf '{"variant":"%s","round":%d,%s\n' "$variant" "$round" "${line#\{}" >>"$results"
    done
    echo "  round $round/$rounds: cell $((c + 1))/${#mix[@]} done" >&2
  done
done
"$python" "$here/summarize.py" train "$results"
