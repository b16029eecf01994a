#!/usr/bin/env bash
# Whole-process wall time of a one-architecture query against a store holding
# all 15,625 NAS-Bench-201 cells (both CSV exports: 12 and 200 epochs, 109,375
# runs) plus the NATS fixtures, versus Python reading the same numbers from
# the original pickle files. Target: nasrank query < 20 ms.
# Usage: bench/run_store_bench.sh [build-dir] [runs]
set -euo pipefail
build="${1:-$(dirname "$0")/../build}"
runs="${2:-20}"
data="${NASRANK_SHARED_DIR:-$(dirname "$0")/../../shared}/data/nb201"
nasrank="$build/nasrank"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
store="$work/ref.h5"

"$nasrank" import csv "$data/nats_bench_200ep_test.csv" --out "$store" --arch-column ArchitectureString \
  --metric CIFAR10TestAccuracy200Epochs=cifar10 --metric CIFAR100TestAccuracy200Epochs=cifar100 \
  --metric ImageNetTestAccuracy200Epochs=ImageNet16-120 --seeds-averaged 777,888,999 2>/dev/null
"$nasrank" import csv "$data/mini_nasbench201_12ep.csv" --out "$store" --arch-column arch \
  --metric cifar10-test=cifar10 --metric cifar10-val=cifar10-valid:valid --metric cifar100-test=cifar100 \
  --metric cifar100-val=cifar100:valid --metric imagenet-test=ImageNet16-120 \
  --metric imagenet-val=ImageNet16-120:valid 2>/dev/null
"$nasrank" import nats "$data/nats-tss-fixtures" --out "$store" --on-conflict keep-first 2>/dev/null
echo "store: $(du -h "$store" | cut -f1), $("$nasrank" export "$store" --budget 200 | tail -n +2 | wc -l) runs at 200 epochs"

# Prints the median and minimum wall time and the median CPU time (user +
# system, which a busy machine inflates less) over $runs runs of the command.
time_ms() {
  local walls=() cpus=()
  local TIMEFORMAT='%3R %3U %3S'
  for _ in $(seq "$runs"); do
    local line real user sys
    line=$( { time "$@" >/dev/null 2>&1; } 2>&1 )
    read -r real user sys <<<"$line"
    walls+=("$real")
    cpus+=("$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')")
  done
  local wall_median wall_min cpu_median
  wall_median=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] * 1000 }')
  wall_min=$(printf '%s\n' "${walls[@]}" | sort -g | head -1 | awk '{ print $1 * 1000 }')
  cpu_median=$(printf '%s\n' "${cpus[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] * 1000 }')
  printf 'wall median %7.1f ms  min %7.1f ms   cpu median %7.1f ms' "$wall_median" "$wall_min" "$cpu_median"
}

py_pickle='import bz2, pickle, sys
d = pickle.loads(bz2.decompress(open(sys.argv[1], "rb").read()))
r = d["200"]["all_results"]
print([r[("cifar10", s)]["eval_acc1es"]["ori-test@199"] for s in (777, 888, 999)])'
py_h5py='import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r"); r = f["runs"]
rows = np.where((r["benchmark_index"][:] == 0) & (r["budget_epochs"][:] == 200))[0]
print(r["final_accuracy/ori-test"][rows])'

echo "one architecture (index 0, 200 epochs, all datasets), $runs runs each:"
echo "  nasrank query                 : $(time_ms "$nasrank" query "$store" --index 0 --budget 200 --format csv)"
echo "  nasrank --version (start-up)  : $(time_ms "$nasrank" --version)"
echo "  bench_store_query (no torch)  : $(time_ms "$build/bench/bench_store_query" "$store" 0 200)"
echo "  python3 pickle (fixture file) : $(time_ms /usr/bin/python3 -c "$py_pickle" "$data/nats-tss-fixtures/000000.pickle.pbz2")"
echo "  python3 h5py on the store     : $(time_ms /usr/bin/python3 -c "$py_h5py" "$store")"
echo "  python3 start-up only         : $(time_ms /usr/bin/python3 -c pass)"
echo "top 10 of 15,625 on cifar10 at 200 epochs:"
echo "  nasrank query --top 10        : $(time_ms "$nasrank" query "$store" --dataset cifar10 --budget 200 --top 10 --format csv)"
"$build/bench/bench_store" --benchmark_min_time=0.5
