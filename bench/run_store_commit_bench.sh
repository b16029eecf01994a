#!/usr/bin/env bash
# Commit cost and bytes written per commit into stores of 1k, 10k and 100k
# runs: one run (12-epoch curves) per commit, as `nasrank rerank` commits,
# for this build's store and, given a second binary, for another (e.g. the
# same bench built against main's libnasrank_store.a). The stores are built
# once by the first binary and copied for each measurement, so both start
# from identical files. Bytes are /proc/self/io write_bytes: what reached the
# storage layer, copies and fsyncs included (0 on tmpfs: keep TMPDIR on disk).
# Usage: bench/run_store_commit_bench.sh BENCH [OTHER_BENCH] [commits] [other-commits]
set -euo pipefail
new="$1"
old="${2:-}"
commits="${3:-100}"
old_commits="${4:-10}"
work="$(mktemp -d -p "${TMPDIR:-/var/tmp}")"
trap 'rm -rf "$work"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for runs in 1000 10000 100000; do
  base="$work/base-$runs.h5"
  "$new" "$base" "$runs" 0
  echo "store of $runs runs: $(du -k "$base" | cut -f1) kB"
  for side in new old; do
    bin="$new"; n="$commits"
    if [ "$side" = old ]; then
      [ -n "$old" ] || continue
      bin="$old"; n="$old_commits"
    fi
    cp "$base" "$work/store.h5"
    printf '  %s: ' "$side"
    "$bin" "$work/store.h5" "$runs" "$n"
    rm -f "$work"/store.h5*
  done
  rm -f "$base"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
