#!/usr/bin/env bash
# CI: the library and its tests under AddressSanitizer + UndefinedBehaviorSanitizer,
# then every fuzz target briefly over its seed corpus.
#
#   tools/ci/sanitizers.sh [BUILD_DIR]      (default: build-asan beside the sources)
#
# One clang-14 build serves both: -DNASRANK_FUZZ=ON instruments every library
# with ASan + UBSan (+ libFuzzer coverage) and leaves out the LibTorch targets
# (Debian's LibTorch is not instrumented; see tests/fuzz/README.md for which
# fast tests that excludes). Steps:
#   1. configure and build everything the configuration has (libraries,
#      the nasrank CLI, tests, fuzz targets);
#   2. ctest -L fast: any sanitizer report fails the test;
#   3. seed corpora (tools/fuzz/make-corpus.sh, plus tests/fuzz/regressions)
#      and FUZZ_SECONDS (default 20) of each fuzz target (tools/fuzz/run.sh)
#      under RSS and single-allocation limits.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-$repo/build-asan}"
fuzz_seconds="${FUZZ_SECONDS:-20}"
jobs="${NASRANK_JOBS:-2}"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$repo/tools/fuzz/lsan.supp}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

step() { printf '\n== %s (%ds)\n' "$1" "$SECONDS"; }

step "configure $build"
cmake -S "$repo" -B "$build" -G Ninja \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_BUILD_TYPE=None -DCMAKE_C_FLAGS="-O1 -gline-tables-only -DNDEBUG" -DCMAKE_CXX_FLAGS="-O1 -gline-tables-only -DNDEBUG" \
  -DNASRANK_FUZZ=ON -DNASRANK_SANITIZE=ON >/dev/null

step "build"
cmake --build "$build" -j "$jobs"

step "fast tests under ASan + UBSan"
ctest --test-dir "$build" -L fast -j "$jobs" --output-on-failure

step "fuzz targets, ${fuzz_seconds} s each, memory-limited"
corpus="$build/fuzz-corpus"
rm -rf "$corpus"
"$repo/tools/fuzz/make-corpus.sh" "$corpus" "$build/nasrank"
# The regression seeds (inputs that once found a bug) run first, with the rest.
for kept in "$repo"/tests/fuzz/regressions/*/; do
  [[ -d "$kept" ]] && mkdir -p "$corpus/$(basename "$kept")" && cp "$kept"* "$corpus/$(basename "$kept")/" 2>/dev/null || true
done
# An input that makes a reader allocate beyond its budget is a finding
# (-rss_limit_mb / -malloc_limit_mb, see tools/fuzz/run.sh).
FUZZ_RSS_LIMIT_MB="${FUZZ_RSS_LIMIT_MB:-2048}" "$repo/tools/fuzz/run.sh" "$build" "$fuzz_seconds" "$corpus"

step "sanitizers: all clean"
