#!/usr/bin/env bash
# Installs what is missing (Debian 12 packages, as root), configures and builds
# nasrank in ./build. Idempotent: a second run installs nothing and rebuilds
# only what changed.
#
#   bash tools/setup.sh            install + build
#   bash tools/setup.sh --test     install + build + run the test suite, then
#                                  `pip install .` in a fresh venv with the Python
#                                  tests (tools/ci/python_pip.sh), then the
#                                  sanitizer build, its fast suite and a short run of
#                                  every fuzz target (tools/ci/sanitizers.sh): what CI runs
#
# Environment: NASRANK_BUILD_DIR (default build), NASRANK_JOBS (default nproc).
set -euo pipefail

repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${NASRANK_BUILD_DIR:-$repo_dir/build}"
jobs="${NASRANK_JOBS:-$(nproc)}"
run_tests=0
for arg in "$@"; do
  case "$arg" in
    --test) run_tests=1 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option '$arg' (expected --test or --help)" >&2; exit 2 ;;
  esac
done

# Everything the build needs, then what the tests drive from outside
# (h5py/h5dump read our stores, chromium renders reports, Slurm runs shards).
build_packages=(build-essential cmake ninja-build libtorch-dev nlohmann-json3-dev libhdf5-dev
  libboost-graph-dev libgtest-dev libbenchmark-dev libcli11-dev libbz2-dev zlib1g-dev libssl-dev
  libopenblas0 dataset-fashion-mnist pybind11-dev python3-dev python3-numpy python3-pandas)
test_packages=(hdf5-tools python3-h5py python3-numpy python3-scipy python3-torch python3-pytest python3-venv
  python3-jsonschema chromium clang-format-14
  slurm-wlm slurmctld slurmd slurm-client munge clang-14 libclang-rt-14-dev)

wanted=("${build_packages[@]}")
[[ $run_tests == 1 ]] && wanted+=("${test_packages[@]}")
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  if [[ $(id -u) != 0 ]]; then
    echo "setup: missing packages and not root; run as root or install them: ${missing[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The test run leaves the benchmarks out (none of them is a test) to keep CI short.
cmake -S "$repo_dir" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DNASRANK_BUILD_BENCH=$([[ $run_tests == 1 ]] && echo OFF || echo ON) >/dev/null
cmake --build "$build_dir" -j "$jobs"
if compgen -G "$build_dir/python/nasrank/_core*.so" >/dev/null; then
  echo "setup: Python package built; use it with: export PYTHONPATH=$build_dir/python (or: pip install $repo_dir)" >&2
fi

if [[ $run_tests == 1 ]]; then
  # `slow` tests train real networks and start daemons; they are part of CI
  # too, so the whole suite runs here.
  ctest --test-dir "$build_dir" --output-on-failure -j "$jobs" --timeout 900
  NASRANK_JOBS="$jobs" bash "$repo_dir/tools/ci/python_pip.sh" "$build_dir"
  NASRANK_JOBS="$jobs" bash "$repo_dir/tools/ci/sanitizers.sh" "${build_dir}-asan"
fi
