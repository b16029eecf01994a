#!/usr/bin/env bash
# Whole-process wall time of a one-architecture query against a store holding
# all 15,625 NAS-Bench-201 cells (both CSV exports: 12 and 200 epochs, 109,375
# runs) plus the NATS fixtures, versus Python reading the same numbers from
# the original pickle files. Target: nasrank query < 20 ms.
# Usage: bench/run_store_bench.sh [build-dir] [runs]
set -euo pipefail
source "$(dirname "$0")/common.sh"
runs="${2:-20}"
data="${NASRANK_SHARED_DIR:-$(dirname "$0")/../../shared}/data/nb201"
nasrank="$build/nasrank"
make_work_dir
store="$work/ref.h5"
target_ms=20

import_nb201_csv_exports "$nasrank" "$data" "$store"
"$nasrank" import nats "$data/nats-tss-fixtures" --out "$store" --on-conflict keep-first 2>/dev/null
echo "store: $(du -h "$store" | cut -f1), $("$nasrank" export "$store" --budget 200 | tail -n +2 | wc -l) runs at 200 epochs"

# Times commands (separated by ---) as processes, from spawn to exit, $runs
# times each, interleaved run by run so that a change in the machine's load
# hits all of them alike. Prints "wall-median wall-min cpu-median" in ms per
# command; CPU is user + system time of the process, which a busy machine
# inflates less than wall time. (bash's `time` would also count forking bash
# itself, several ms on a virtual machine.)
timer='import os, statistics, sys, time
runs, commands = int(sys.argv[1]), [[]]
for arg in sys.argv[2:]:
    if arg == "---":
        commands.append([])
    else:
        commands[-1].append(arg)
null = os.open(os.devnull, os.O_WRONLY)
walls, cpus = [[] for _ in commands], [[] for _ in commands]
for _ in range(runs):
    for command, wall, cpu in zip(commands, walls, cpus):
        start = time.perf_counter()
        pid = os.posix_spawn(command[0], command, os.environ,
                             file_actions=[(os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, null, 2)])
        _, status, usage = os.wait4(pid, 0)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((usage.ru_utime + usage.ru_stime) * 1000)
        if status != 0:
            sys.exit(f"{command[0]} failed (wait status {status})")
for wall, cpu in zip(walls, cpus):
    print(f"{statistics.median(wall):.1f} {min(wall):.1f} {statistics.median(cpu):.1f}")'
time_processes() { /usr/bin/python3 -c "$timer" "$runs" "$@"; }
summary() { printf 'wall median %7.1f ms  min %7.1f ms   cpu median %7.1f ms' "$1" "$2" "$3"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

py_pickle='import bz2, pickle, sys
d = pickle.loads(bz2.decompress(open(sys.argv[1], "rb").read()))
r = d["200"]["all_results"]
print([r[("cifar10", s)]["eval_acc1es"]["ori-test@199"] for s in (777, 888, 999)])'
py_h5py='import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r"); r = f["runs"]
rows = np.where((r["benchmark_index"][:] == 0) & (r["budget_epochs"][:] == 200))[0]
print(r["final_accuracy/ori-test"][rows])'

echo "one architecture (index 0, 200 epochs, all datasets), $runs runs each; load average before: $(load)"
mapfile -t results < <(time_processes \
  "$nasrank" query "$store" --index 0 --budget 200 --format csv --- \
  /usr/bin/python3 -c "$py_pickle" "$data/nats-tss-fixtures/000000.pickle.pbz2" --- \
  "$nasrank" --version --- \
  "$build/bench/bench_store_query" "$store" 0 200 --- \
  /usr/bin/python3 -c "$py_h5py" "$store" --- \
  /usr/bin/python3 -c pass --- \
  /bin/true)
[ "${#results[@]}" -eq 7 ] || { echo "timing failed" >&2; exit 1; }
read -r query_wall query_min query_cpu <<<"${results[0]}"
read -r peer_wall peer_min peer_cpu <<<"${results[1]}"
echo "  nasrank query                 : $(summary $query_wall $query_min $query_cpu)"
echo "  python3 pickle (fixture file) : $(summary $peer_wall $peer_min $peer_cpu)"
echo "  nasrank --version (start-up)  : $(summary ${results[2]})"
echo "  bench_store_query (no CLI)    : $(summary ${results[3]})"
echo "  python3 h5py on the store     : $(summary ${results[4]})"
echo "  python3 start-up only         : $(summary ${results[5]})"
echo "  /bin/true (process floor)     : $(summary ${results[6]})"
echo "top 10 of 15,625 on cifar10 at 200 epochs:"
echo "  nasrank query --top 10        : $(summary $(time_processes "$nasrank" query "$store" --dataset cifar10 --budget 200 --top 10 --format csv))"
echo "load average after: $(load)"

awk -v qw="$query_wall" -v qc="$query_cpu" -v pw="$peer_wall" -v pc="$peer_cpu" \
  'BEGIN { printf "side by side (median wall, CPU in parentheses): nasrank query %.1f ms (%.1f) vs python3 pickle %.1f ms (%.1f): nasrank/python = %.3f (%.3f), the Python peer takes %.1fx as long\n", qw, qc, pw, pc, qw / pw, qc / pc, pw / qw }'
awk -v qw="$query_wall" -v qc="$query_cpu" -v target="$target_ms" \
  'BEGIN { printf "target: one-architecture nasrank query < %d ms (median wall, start to exit): %s (%.1f ms; CPU %.1f ms)\n", target, qw < target ? "met" : "MISSED", qw, qc }'
"$build/bench/bench_store" --benchmark_min_time=0.5
