#!/usr/bin/env bash
# Wall time of whole CLI runs over the NAS-Bench-201 space (best of 10), and
# the in-process parser benchmark. Usage: bench/run_cell_bench.sh [build-dir]
set -euo pipefail
build="${1:-$(dirname "$0")/../build}"
best_ms() {
  local best=999999
  for _ in $(seq 10); do
    local t0 t1
    t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N)
    local ms=$(( (t1 - t0) / 1000000 ))
    (( ms < best )) && best=$ms
  done
  echo "$best"
}
echo "nasrank space nb201 --format csv : $(best_ms "$build/nasrank" space nb201 --format csv) ms (target < 100 ms)"
echo "nasrank space nb201 --unique     : $(best_ms "$build/nasrank" space nb201 --unique --format csv) ms"
echo "nasrank scale --space nb201 --format csv : $(best_ms "$build/nasrank" scale --space nb201 --format csv) ms (target < 200 ms)"
"$build/bench/bench_cell" --benchmark_min_time=0.5
"$build/bench/bench_scale" --benchmark_min_time=0.5
