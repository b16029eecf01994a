#!/usr/bin/env bash
# GFLOP/s of nasrank's training steps against real ceilings of this machine:
#
#   computed FMA peak   cores x FMA units x FP32 lanes x 2 x clock, from
#                       /proc/cpuinfo and lscpu (bench/cpu_peak.py prints
#                       where each factor came from and what was assumed)
#   measured FMA loop   register-only vector FMAs on every thread
#                       (bench_conv_peak): the peak at the clock the cores
#                       really run at
#   oneDNN conv ceiling one large 3x3 convolution in LibTorch, forward+backward,
#                       channels-last (bench_conv_peak; also printed at the
#                       three NAS-Bench-201 stage shapes)
#
# and the GFLOP/s nasrank achieves over the ten-cell mix of
# bench/run_train_bench.sh (6 x forward multiply-adds per image; median over
# ROUNDS rounds), with the fraction of each ceiling. Run it on a quiet machine.
#
# Usage: bench/run_flops_bench.sh [build-dir]
#   env: ROUNDS=3 STEPS=5 WARMUP=2 BATCH=256 THREADS=2 CELLS=10 REPEATS=10 QUICK=0
# Takes about 3 minutes on the 2-core AMD EPYC with the defaults.
set -euo pipefail
source "$(dirname "$0")/common.sh"
training_settings 3
repeats="${REPEATS:-10}"
python=/usr/bin/python3
require_built run_flops_bench "$build/bench/bench_train" "$build/bench/bench_conv_peak"
make_work_dir
use_train_mix
arch_args=()
for a in "${mix[@]}"; do arch_args+=(--arch "$a"); done

"$python" "$here/cpu_peak.py" >"$work/peak.json"
quick=()
[[ ${QUICK:-0} == 1 ]] && quick=(--quick)
# Ceilings and training rounds alternate, so that both see the same load.
: >"$work/ceilings.jsonl"
: >"$work/results.jsonl"
for ((round = 1; round <= rounds; ++round)); do
  "$build/bench/bench_conv_peak" --threads "$threads" --repeats "$repeats" "${quick[@]}" >>"$work/ceilings.jsonl"
  "$build/bench/bench_train" "${arch_args[@]}" --threads "$threads" --batch "$batch" --steps "$steps" \
    --warmup "$warmup" --repeats 1 | grep -v '"summary"' |
    sed "s/^{/{\"variant\":\"nasrank\",\"round\":$round,/" >>"$work/results.jsonl"
  echo "  round $round/$rounds done" >&2
done
# The best of the rounds' ceilings: a ceiling is what the machine can do.
"$python" - "$work/ceilings.jsonl" >"$work/best.jsonl" <<'PY'
import json, sys
best = {}
for line in open(sys.argv[1]):
    c = json.loads(line)
    key = (c["what"], c.get("shape"))
    score = c.get("gflops", c.get("train_gflops", 0))
    if key not in best or score > best[key].get("gflops", best[key].get("train_gflops", 0)):
        best[key] = c
for c in best.values():
    print(json.dumps(c))
PY
"$python" "$here/summarize.py" flops "$work/peak.json" "$work/best.jsonl" "$work/results.jsonl"
