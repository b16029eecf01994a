#!/usr/bin/env bash
# Training-step throughput, nasrank vs. the PyTorch peer (bench/train_peer.py,
# Debian's python3-torch = the same LibTorch 1.13.1), on one mix of
# NAS-Bench-201 cells, C=16 N=5, 3x32x32, batch 256, 2 threads; then the
# machine's sgemm peak and 1 process x 2 threads vs 2 processes x 1 thread.
#
# Usage: bench/run_train_bench.sh [build-dir]   (env: STEPS=3 WARMUP=2 REPEATS=3 BATCH=256)
# Each cell's figure is the fastest of REPEATS timings of STEPS steps, which
# resists short bursts of other load; still, run it on a quiet machine: with
# 2 cores, steady other load distorts every number.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../build}"
bench="$build/bench/bench_train"
steps="${STEPS:-3}"
warmup="${WARMUP:-2}"
repeats="${REPEATS:-3}"
batch="${BATCH:-256}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# Ten cells: the benchmark's index 0, 1, 9, 14, 40, 78, 123, 1462, 6111 and
# 11472. 9, 14, 40 and 78 have dead conv edges; 9, 14, 40, 78, 123 and 11472
# have `none` edges; 1462 is the all-conv3x3 worst case, 6111 the best
# CIFAR-10 cell, 11472 the ResNet-like one.
mix=(
  '|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|'
  '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|'
  '|avg_pool_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|nor_conv_3x3~2|'
  '|nor_conv_3x3~0|+|none~0|nor_conv_1x1~1|+|nor_conv_3x3~0|none~1|none~2|'
  '|none~0|+|skip_connect~0|nor_conv_3x3~1|+|none~0|nor_conv_1x1~1|avg_pool_3x3~2|'
  '|nor_conv_1x1~0|+|nor_conv_1x1~0|nor_conv_1x1~1|+|nor_conv_3x3~0|none~1|none~2|'
  '|avg_pool_3x3~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|'
  '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|'
  '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|'
  '|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|'
)
common=(--steps "$steps" --warmup "$warmup" --repeats "$repeats" --batch "$batch")
# nasrank's process settings (trainer.h): malloc thresholds, passive OpenMP wait.
tuned_env=(MALLOC_MMAP_THRESHOLD_=268435456 MALLOC_TRIM_THRESHOLD_=1073741824 OMP_WAIT_POLICY=PASSIVE)

echo "== PyTorch peer, 2 threads (as a user runs it: default malloc)"
/usr/bin/python3 "$here/train_peer.py" --arch "${mix[@]}" --threads 2 "${common[@]}" | tee "$out/peer.jsonl"
echo "== PyTorch peer, 2 threads, with nasrank's process settings (${tuned_env[*]})"
env "${tuned_env[@]}" /usr/bin/python3 "$here/train_peer.py" --arch "${mix[@]}" --threads 2 "${common[@]}" |
  tee "$out/peer_malloc.jsonl"
echo "== nasrank, 2 threads (dead and none edges pruned)"
"$bench" --arch "${mix[@]}" --threads 2 "${common[@]}" --sgemm | tee "$out/nasrank.jsonl"
echo "== nasrank, 2 threads, every edge built (no pruning)"
"$bench" --arch "${mix[@]}" --threads 2 "${common[@]}" --every-edge | tee "$out/nasrank_every.jsonl"
echo "== nasrank, 2 processes x 1 thread (same mix in each, run at the same time; one timing each, so"
echo "   that neither is timed while the other is between cells)"
single=(--steps "$steps" --warmup "$warmup" --repeats 1 --batch "$batch")
"$bench" --arch "${mix[@]}" --threads 1 "${single[@]}" >"$out/p1.jsonl" &
"$bench" --arch "${mix[@]}" --threads 1 "${single[@]}" >"$out/p2.jsonl" &
wait
cat "$out/p1.jsonl" "$out/p2.jsonl" | grep '"summary"'

/usr/bin/python3 - "$out" <<'EOF'
import json, sys, os
out = sys.argv[1]
def lines(name):
    return [json.loads(l) for l in open(os.path.join(out, name)) if l.strip()]
def summary(name):
    return [l for l in lines(name) if l.get("summary")][0]
peer, peer_m, ours, every = (summary(n) for n in ("peer.jsonl", "peer_malloc.jsonl", "nasrank.jsonl", "nasrank_every.jsonl"))
two = summary("p1.jsonl")["images_per_second"] + summary("p2.jsonl")["images_per_second"]
print()
print("per cell images/s                                              peer  peer+tuned  nasrank  every-edge  nasrank/peer  nasrank/peer+tuned")
rows = zip(*(  [l for l in lines(n) if not l.get("summary")] for n in ("peer.jsonl", "peer_malloc.jsonl", "nasrank.jsonl", "nasrank_every.jsonl")))
for p, pm, o, e in rows:
    print(f"{o['arch'][:60]:60s} {p['images_per_second']:6.1f} {pm['images_per_second']:9.1f} {o['images_per_second']:9.1f} "
          f"{e['images_per_second']:9.1f} {o['images_per_second']/p['images_per_second']:9.2f}x {o['images_per_second']/pm['images_per_second']:13.2f}x")
print()
print(f"mix images/s: peer {peer['images_per_second']:.1f}, peer+tuned {peer_m['images_per_second']:.1f}, "
      f"nasrank {ours['images_per_second']:.1f}, nasrank every-edge {every['images_per_second']:.1f}")
print(f"ratio nasrank / peer            = {ours['images_per_second'] / peer['images_per_second']:.2f}x (target >= 1.3x)")
print(f"ratio nasrank / peer+tuned      = {ours['images_per_second'] / peer_m['images_per_second']:.2f}x")
print(f"ratio every-edge / peer+tuned   = {every['images_per_second'] / peer_m['images_per_second']:.2f}x (no pruning: channels-last etc. alone)")
flops = [l for l in lines("nasrank.jsonl") if not l.get("summary")]
achieved = sum(l["images_per_second"] * l["forward_mflops"] * 6 / 1e3 * l["seconds"] for l in flops) / sum(l["seconds"] for l in flops)
print(f"achieved {achieved:.1f} GFLOP/s (6 x forward multiply-adds per image) vs sgemm peak {ours['sgemm_gflops']:.1f} GFLOP/s"
      f" = {100 * achieved / ours['sgemm_gflops']:.0f}%")
print(f"1 process x 2 threads: {ours['images_per_second']:.1f} images/s; 2 processes x 1 thread: {two:.1f} images/s")
EOF
