#!/usr/bin/env bash
# Kendall tau-b on 1,000,000 tie-heavy pairs: nasrank (bench_stats) against
# scipy.stats.kendalltau (bench/stats_peer.py) on identical data, in one go.
# Usage: bench/run_stats_bench.sh [build-dir] [repetitions]
# Prints best and median wall and CPU times of both and their ratios (CPU
# time is the fairer one when other jobs share the cores). Fails if the two
# tau values differ by more than 1e-12 (not the same data or statistic).
set -euo pipefail
source "$(dirname "$0")/common.sh"
repetitions="${2:-5}"
make_work_dir

"$build/bench/bench_stats" --benchmark_filter='BM_KendallTauB/1000000$' \
  --benchmark_repetitions="$repetitions" --benchmark_format=json >"$work/nasrank.json" 2>/dev/null
/usr/bin/python3 "$here/stats_peer.py" --pairs 1000000 --repeat "$repetitions" >"$work/scipy.json"

/usr/bin/python3 - "$work/nasrank.json" "$work/scipy.json" <<'PY'
import json
import statistics
import sys

ours = json.load(open(sys.argv[1]))
peer = json.load(open(sys.argv[2]))
runs = [b for b in ours["benchmarks"] if b.get("run_type") == "iteration"]
assert runs and all(b["time_unit"] == "ms" for b in runs)
ours_ms = {
    "wall": (min(b["real_time"] for b in runs), statistics.median(b["real_time"] for b in runs)),
    "cpu": (min(b["cpu_time"] for b in runs), statistics.median(b["cpu_time"] for b in runs)),
}
peer_ms = {
    "wall": (peer["wall_seconds_best"] * 1e3, peer["wall_seconds_median"] * 1e3),
    "cpu": (peer["cpu_seconds_best"] * 1e3, peer["cpu_seconds_median"] * 1e3),
}
tau_ours = runs[0]["tau_b"]
print(f"pairs: {peer['n']:,} (values in hundredths 0.00..99.99, heavy ties), {len(runs)} repetitions")
print(f"{'':28s}{'wall best':>10s}{'median':>10s}{'cpu best':>10s}{'median':>10s}   tau_b")
for name, times, tau in (("nasrank kendall_tau_b", ours_ms, tau_ours),
                         (f"scipy {peer['scipy']} kendalltau", peer_ms, peer["tau_b"])):
    print(f"{name:28s}{times['wall'][0]:8.1f}ms{times['wall'][1]:8.1f}ms"
          f"{times['cpu'][0]:8.1f}ms{times['cpu'][1]:8.1f}ms   {tau!r}")
ratios = [peer_ms[k][i] / ours_ms[k][i] for k in ("wall", "cpu") for i in (0, 1)]
print(f"{'speed-up (scipy / nasrank)':28s}" + "".join(f"{r:9.2f}x" for r in ratios))
difference = abs(tau_ours - peer["tau_b"])
print(f"|tau difference|: {difference:.3g}")
sys.exit(0 if difference <= 1e-12 else 1)
PY
