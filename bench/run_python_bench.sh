#!/usr/bin/env bash
# `import nasrank` and a one-architecture NATS-style lookup from Python vs
# h5py on the same store: all 15,625 NAS-Bench-201 cells (both CSV exports,
# 12 and 200 epochs, 109,375 runs), as bench/run_store_bench.sh builds it
# without the three NATS fixtures (their per-seed runs beside the CSV's means
# would make the two readers' "mean" differ for those cells). Needs Debian's python3-h5py and the module in <build>/python.
# Usage: bench/run_python_bench.sh [build-dir] [lookups]
set -euo pipefail
build="$(cd "${1:-$(dirname "$0")/../build}" && pwd)"
lookups="${2:-200}"
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

# Debian's python3-h5py belongs to /usr/bin/python3 (not a pyenv interpreter earlier on PATH).
PYTHONPATH="$build/python" /usr/bin/python3 "$(dirname "$0")/python_peer.py" "$store" --lookups "$lookups"
