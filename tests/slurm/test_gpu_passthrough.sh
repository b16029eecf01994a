#!/usr/bin/env bash
# The Slurm scripts pass a shard's GPUs through to nasrank's worker placement,
# with no Slurm and no GPU: rerank-array.sbatch runs with the variables Slurm
# sets for an array task given GPUs, the real nasrank places the workers, a
# folder stands in for the driver's /proc/driver/nvidia/gpus
# (NASRANK_NVIDIA_GPUS_DIR) and a script stands in for nasrank-torch, recording
# the CUDA_VISIBLE_DEVICES and arguments each worker got. A fake sbatch checks
# that submit-rerank.sh --gpus-per-task N asks Slurm for N GPUs per shard.
#
#   bash tests/slurm/test_gpu_passthrough.sh BUILD_DIR
set -euo pipefail

repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build_dir="$(cd "${1:?usage: test_gpu_passthrough.sh BUILD_DIR}" && pwd)"
[[ -x $build_dir/nasrank ]] || { echo "FAILED: $build_dir/nasrank not built" >&2; exit 1; }

work="$(mktemp -d /tmp/nasrank-gpu-passthrough.XXXXXX)"
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
  echo "FAILED: $*" >&2
  failures=$((failures + 1))
}

mkdir -p "$work/driver"
for k in 0 1 2 3 4 5 6 7; do mkdir -p "$work/driver/0000:1$k:00.0"; done
cat >"$work/fake-torch" <<'SCRIPT'
#!/bin/sh
echo "${CUDA_VISIBLE_DEVICES-unset} $*" >> "$NASRANK_FAKE_WORKER_LOG"
while IFS= read -r job; do
  id=$(printf '%s\n' "$job" | sed -n 's/.*"id":\([0-9]*\),"protocol".*/\1/p')
  printf '{"event":"error","id":%s,"message":"fake worker"}\n' "$id"
done
SCRIPT
chmod +x "$work/fake-torch"
cat >"$work/tiny.json" <<'JSON'
{"name": "tiny", "network": {"channels": 4, "cells_per_stage": 1}, "batch_size": 64, "epochs": 1,
 "learning_rate": {"fixed": 0.05}, "data": {"train_subset": 256, "eval_subset": 128, "loader_workers": 0},
 "seeds": [1, 2, 3, 4]}
JSON
rerank_args=(--arch '|nor_conv_3x3~0|+|nor_conv_3x3~0|none~1|+|none~0|nor_conv_3x3~1|nor_conv_3x3~2|'
  --arch '|nor_conv_1x1~0|+|nor_conv_3x3~0|skip_connect~1|+|skip_connect~0|none~1|nor_conv_3x3~2|'
  --protocol "$work/tiny.json" --dataset synthetic)

# One array task; $1: name, then env assignments, then -- and extra rerank arguments.
run_task() {
  local name=$1
  shift
  local assignments=()
  while (($#)) && [[ $1 != -- ]]; do assignments+=("$1"); shift; done
  (($#)) && shift
  rm -f "$work/$name.workers"
  env -u CUDA_VISIBLE_DEVICES -u SLURM_GPUS_ON_NODE -u SLURM_JOB_GPUS -u SLURM_CPUS_PER_TASK \
    SLURM_ARRAY_TASK_ID=0 SLURM_ARRAY_TASK_COUNT=1 NASRANK_BIN="$build_dir/nasrank" \
    NASRANK_TORCH_BIN="$work/fake-torch" NASRANK_NVIDIA_GPUS_DIR="$work/driver" \
    NASRANK_FAKE_WORKER_LOG="$work/$name.workers" "${assignments[@]}" \
    bash "$repo_dir/tools/slurm/rerank-array.sbatch" "$work/out-$name" "${rerank_args[@]}" "$@" \
    >"$work/$name.out" 2>"$work/$name.err" || true
  sort "$work/$name.workers" 2>/dev/null || true
}

expect() {
  local name=$1 expected=$2 got=$3
  [[ $got == "$expected" ]] || fail "$name: workers started as
$got
expected
$expected
(stderr: $(tail -3 "$work/$name.err"))"
}

# Slurm gave the task GPUs 2 and 5 of the node and 8 CPUs: two workers, one per GPU, 4 threads each.
got=$(run_task two-gpus SLURM_GPUS_ON_NODE=2 CUDA_VISIBLE_DEVICES=2,5 SLURM_CPUS_PER_TASK=8)
expect two-gpus $'2 worker --threads 4 --device cuda\n5 worker --threads 4 --device cuda' "$got"

# The same with --workers-per-gpu 2: four workers, two per GPU, the CPUs split four ways.
got=$(run_task packed SLURM_GPUS_ON_NODE=2 CUDA_VISIBLE_DEVICES=2,5 SLURM_CPUS_PER_TASK=8 -- --workers-per-gpu 2)
expect packed $'2 worker --threads 2 --device cuda\n2 worker --threads 2 --device cuda\n5 worker --threads 2 --device cuda\n5 worker --threads 2 --device cuda' "$got"

# An explicit --workers is the total, spread over the GPUs.
got=$(run_task explicit SLURM_GPUS_ON_NODE=2 CUDA_VISIBLE_DEVICES=2,5 SLURM_CPUS_PER_TASK=8 -- --workers 3)
expect explicit $'2 worker --threads 2 --device cuda\n2 worker --threads 2 --device cuda\n5 worker --threads 2 --device cuda' "$got"

# GPUs allocated but --device cpu asked for: the CPU layout (one worker, the task's CPUs).
got=$(run_task gpus-but-cpu SLURM_GPUS_ON_NODE=2 CUDA_VISIBLE_DEVICES=2,5 SLURM_CPUS_PER_TASK=8 -- --device cpu)
expect gpus-but-cpu '2,5 worker --threads 8 --device cpu' "$got"

# No GPU allocated: one CPU worker with the task's CPUs, environment untouched.
got=$(run_task cpu SLURM_CPUS_PER_TASK=3)
expect cpu 'unset worker --threads 3 --device cpu' "$got"

# Slurm says GPUs were allocated but the node's driver shows none: refused
# before any work, with the reason.
rm -rf "$work/driver"/*
got=$(run_task no-driver-gpus SLURM_GPUS_ON_NODE=1 CUDA_VISIBLE_DEVICES=0 SLURM_CPUS_PER_TASK=2)
[[ -z $got ]] || fail "no-driver-gpus: workers started: $got"
grep -q "error: --device cuda, but no GPU is visible" "$work/no-driver-gpus.err" ||
  fail "no-driver-gpus: no clear error: $(cat "$work/no-driver-gpus.err")"
[[ ! -e $work/out-no-driver-gpus/shard-0-of-1.h5 ]] || fail "no-driver-gpus: a store was written"

# submit-rerank.sh --gpus-per-task 4 asks Slurm for 4 GPUs per shard.
mkdir -p "$work/bin"
cat >"$work/bin/sbatch" <<'SCRIPT'
#!/bin/sh
echo "$*" >> "$FAKE_SBATCH_LOG"
echo "4242"
SCRIPT
chmod +x "$work/bin/sbatch"
touch "$work/fake-nasrank"
chmod +x "$work/fake-nasrank"
PATH="$work/bin:$PATH" FAKE_SBATCH_LOG="$work/sbatch.log" NASRANK_BIN="$work/fake-nasrank" \
  NASRANK_TORCH_BIN="$work/fake-torch" bash "$repo_dir/tools/slurm/submit-rerank.sh" --tasks 2 --out "$work/submitted" \
  --gpus-per-task 4 -- "${rerank_args[@]}" >"$work/submit.out" 2>"$work/submit.err" ||
  fail "submit-rerank.sh --gpus-per-task 4 refused: $(cat "$work/submit.err")"
grep -q -- "--array=0-1 .*--gres=gpu:4 " "$work/sbatch.log" ||
  fail "submit-rerank.sh did not ask for 4 GPUs per shard: $(cat "$work/sbatch.log" 2>/dev/null)"
if bash "$repo_dir/tools/slurm/submit-rerank.sh" --tasks 2 --out "$work/submitted" --gpus-per-task two -- \
  "${rerank_args[@]}" 2>"$work/submit-bad.err"; then
  fail "submit-rerank.sh accepted --gpus-per-task two"
fi
grep -q "gpus-per-task 'two'" "$work/submit-bad.err" || fail "no clear error for --gpus-per-task two"

((failures == 0)) || exit 1
echo "OK: GPUs pass through rerank-array.sbatch and submit-rerank.sh"
