# What the bench/run_*.sh scripts start with, sourced after `set -euo pipefail`
# so that a fix to any of it (a message, the clean-up) reaches them all.
# Sets $here (this folder) and $build (the script's first argument, by default
# ../build).
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:-$here/../build}"

# training_settings DEFAULT_ROUNDS: the environment settings the training
# benchmarks share (each script's usage line lists the ones it reads).
training_settings() {
  rounds="${ROUNDS:-$1}"
  steps="${STEPS:-5}"
  warmup="${WARMUP:-2}"
  batch="${BATCH:-256}"
  threads="${THREADS:-2}"
  cells="${CELLS:-10}"
}

# use_train_mix: $mix, the first $cells cells of bench/train_mix.sh.
use_train_mix() {
  source "$here/train_mix.sh"
  mix=("${train_mix[@]:0:$cells}")
}

# require_built SCRIPT PROGRAM...: stops, naming the script, when a benchmark
# program was not built (bench targets are off by default).
require_built() {
  local script="$1" program
  shift
  for program in "$@"; do
    [[ -x $program ]] ||
      { echo "$script: $program not built (configure with -DNASRANK_BUILD_BENCH=ON)" >&2; exit 1; }
  done
}

# make_work_dir: $work, a temporary folder removed when the script exits.
make_work_dir() {
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
}

# open_results: $results, the raw timings as JSON lines, empty; kept in the
# file KEEP names, else in $work.
open_results() {
  results="${KEEP:-$work/results.jsonl}"
  : >"$results"
}

# import_nb201_csv_exports NASRANK DATA STORE: both NAS-Bench-201 CSV exports
# (200 epochs, 12 epochs: all 15,625 cells, 109,375 runs) into STORE, the
# reference store the query benchmarks read.
import_nb201_csv_exports() {
  local nasrank="$1" data="$2" store="$3"
  "$nasrank" import csv "$data/nats_bench_200ep_test.csv" --out "$store" --arch-column ArchitectureString \
    --metric CIFAR10TestAccuracy200Epochs=cifar10 --metric CIFAR100TestAccuracy200Epochs=cifar100 \
    --metric ImageNetTestAccuracy200Epochs=ImageNet16-120 --seeds-averaged 777,888,999 2>/dev/null
  "$nasrank" import csv "$data/mini_nasbench201_12ep.csv" --out "$store" --arch-column arch \
    --metric cifar10-test=cifar10 --metric cifar10-val=cifar10-valid:valid --metric cifar100-test=cifar100 \
    --metric cifar100-val=cifar100:valid --metric imagenet-test=ImageNet16-120 \
    --metric imagenet-val=ImageNet16-120:valid 2>/dev/null
}
