#!/usr/bin/env bash
# Two builds of the cell and scale code, A against B, interleaved (the order
# alternates per round), on what `nasrank space nb201` and `nasrank scale
# --space nb201` do: the whole commands (CPU time, user + sys, of the process)
# and the in-process benchmarks bench_cell / bench_scale (CPU time each
# reports). Prints the median and [min-max] over the rounds for each.
#
# Usage: bench/compare_cell_builds.sh A B [rounds]
#   A, B: a build folder (nasrank and bench/bench_cell, bench/bench_scale) or a
#   folder holding the three programs side by side (a copy of an older build).
# Keep a build before a change with: mkdir old && cp build/nasrank build/bench/bench_{cell,scale} old/
set -euo pipefail
[[ $# -ge 2 ]] || { sed -n '2,12p' "$0" >&2; exit 2; }
rounds="${3:-8}"
program() {  # folder name -> path
  local dir="$1" name="$2"
  for candidate in "$dir/$name" "$dir/bench/$name"; do
    [[ -x $candidate ]] && { echo "$candidate"; return; }
  done
  echo "compare_cell_builds: no $name in $dir" >&2
  exit 1
}
for side in "$1" "$2"; do for p in nasrank bench_cell bench_scale; do program "$side" "$p" >/dev/null; done; done

cpu_ms() {  # CPU time of one run of a command, in ms
  local out
  out=$( { TIMEFORMAT='%U %S'; time "$@" >/dev/null 2>&1; } 2>&1 )
  awk '{printf "%.0f\n", ($1 + $2) * 1000}' <<<"$out"
}
bench_ms() {  # CPU time of one benchmark as the program reports it, in ms
  "$1" --benchmark_filter="^$2\$" --benchmark_format=json 2>/dev/null |
    /usr/bin/python3 -c 'import json,sys; b=json.load(sys.stdin)["benchmarks"][0]; s={"ns":1e-6,"us":1e-3,"ms":1,"s":1e3}[b["time_unit"]]; print(round(b["cpu_time"]*s, 2))'
}

results="$(mktemp)"
trap 'rm -f "$results"' EXIT
for ((r = 0; r < rounds; ++r)); do
  order=("$1" "$2")
  ((r % 2)) && order=("$2" "$1")
  for side in "${order[@]}"; do
    label=$([[ $side == "$1" ]] && echo A || echo B)
    nasrank="$(program "$side" nasrank)"
    echo "$label|nasrank space nb201 (process)|$(cpu_ms "$nasrank" space nb201)" >>"$results"
    echo "$label|nasrank scale --space nb201 (process)|$(cpu_ms "$nasrank" scale --space nb201)" >>"$results"
    for b in BM_ParseCanonicalizePathsWholeSpace BM_EnumerateSpaceSummaries; do
      echo "$label|$b|$(bench_ms "$(program "$side" bench_cell)" "$b")" >>"$results"
    done
    for b in BM_ScaleWholeSpace/0 BM_ScaleWholeSpace/1; do
      echo "$label|$b|$(bench_ms "$(program "$side" bench_scale)" "$b")" >>"$results"
    done
  done
done

echo "A = $1, B = $2; $rounds interleaved rounds; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load average $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 - "$results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    side, what, ms = line.rstrip("\n").split("|")
    rows.setdefault(what, {}).setdefault(side, []).append(float(ms))
print("| CPU time, ms, median [min-max] | A | B | B / A (medians) |")
print("| --- | --- | --- | --- |")
for what, sides in rows.items():
    cell = lambda v: f"{statistics.median(v):.1f} [{min(v):.1f}-{max(v):.1f}]"
    print(f"| {what} | {cell(sides['A'])} | {cell(sides['B'])} | {statistics.median(sides['B']) / statistics.median(sides['A']):.2f} |")
PY
