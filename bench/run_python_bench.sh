#!/usr/bin/env bash
# `import nasrank` and a one-architecture NATS-style lookup from Python vs
# h5py on the same store: all 15,625 NAS-Bench-201 cells (both CSV exports,
# 12 and 200 epochs, 109,375 runs), as bench/run_store_bench.sh builds it
# without the three NATS fixtures (their per-seed runs beside the CSV's means
# would make the two readers' "mean" differ for those cells). Needs Debian's python3-h5py and the module in <build>/python.
# Usage: bench/run_python_bench.sh [build-dir] [lookups]
set -euo pipefail
source "$(dirname "$0")/common.sh"
build="$(cd "${1:-$(dirname "$0")/../build}" && pwd)"
lookups="${2:-200}"
data="${NASRANK_SHARED_DIR:-$(dirname "$0")/../../shared}/data/nb201"
nasrank="$build/nasrank"
make_work_dir
store="$work/ref.h5"

import_nb201_csv_exports "$nasrank" "$data" "$store"

# Debian's python3-h5py belongs to /usr/bin/python3 (not a pyenv interpreter earlier on PATH).
PYTHONPATH="$build/python" /usr/bin/python3 "$(dirname "$0")/python_peer.py" "$store" --lookups "$lookups"
