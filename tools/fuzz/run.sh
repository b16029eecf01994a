#!/usr/bin/env bash
# Runs the fuzz targets of a -DNASRANK_FUZZ=ON build, each for a fixed time
# over its corpus, and prints what libFuzzer reached.
#
#   tools/fuzz/run.sh [--report DIR] BUILD_DIR SECONDS CORPUS_DIR [TARGET...]
#
# CORPUS_DIR holds one folder per target (tools/fuzz/make-corpus.sh makes
# them); new interesting inputs are added to it, so a later run starts from
# where this one stopped. TARGETs default to every fuzz_* program of the build
# (names with or without the fuzz_ prefix). Targets run one after the other
# with one process each, so that the whole run takes TARGETS x SECONDS.
#
# Leaks inside HDF5 are suppressed (tools/fuzz/lsan.supp) unless LSAN_OPTIONS
# is set. Logs and findings (crash-*, leak-*, timeout-*, oom-* inputs) go to
# $FUZZ_OUT_DIR (default BUILD_DIR/fuzz-runs/<target>/). Extra libFuzzer flags
# can be given in $FUZZ_FLAGS, e.g. "-fork=1 -ignore_crashes=1
# -ignore_timeouts=1" to go on after a finding. Exit status: 0 when no target
# found anything.
#
# Memory is part of the contract: every target runs with -rss_limit_mb
# ($FUZZ_RSS_LIMIT_MB, default 2560) and -malloc_limit_mb (one allocation;
# $FUZZ_MALLOC_LIMIT_MB, default: the RSS limit, and 128 for fuzz_nats, whose
# reads have a 64 MiB decode budget), so an input that makes a reader
# allocate past its budget is an oom-* finding.
#
# --report DIR writes one file per target, DIR/<date>-<target>.txt: date,
# commit, duration, executions, coverage, corpus size, findings and the
# flags used, the evidence for a campaign (tests/fuzz/campaigns/).
set -euo pipefail

report_dir=""
if [[ "${1:-}" == "--report" ]]; then
  report_dir="${2:?--report needs a directory}"
  shift 2
  mkdir -p "$report_dir"
  report_dir="$(cd "$report_dir" && pwd)"
fi
if [[ $# -lt 3 ]]; then
  echo "usage: $0 [--report DIR] BUILD_DIR SECONDS CORPUS_DIR [TARGET...]" >&2
  exit 2
fi
build="$(cd "$1" && pwd)"
seconds="$2"
corpus="$(cd "$3" && pwd)"
shift 3
out_root="${FUZZ_OUT_DIR:-$build/fuzz-runs}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lsan.supp}"

targets=()
if [[ $# -gt 0 ]]; then
  for name in "$@"; do targets+=("fuzz_${name#fuzz_}"); done
else
  for program in "$build"/tests/fuzz/fuzz_*; do
    [[ -x "$program" && -f "$program" ]] && targets+=("$(basename "$program")")
  done
fi
if [[ ${#targets[@]} -eq 0 ]]; then
  echo "run.sh: no fuzz targets in $build/tests/fuzz (configure with -DNASRANK_FUZZ=ON and build nasrank_fuzzers)" >&2
  exit 2
fi

failed=0
summary=()
for target in "${targets[@]}"; do
  program="$build/tests/fuzz/$target"
  seeds="$corpus/$target"
  out="$out_root/$target"
  if [[ ! -x "$program" ]]; then
    echo "run.sh: $program is not built" >&2
    failed=1
    continue
  fi
  mkdir -p "$seeds" "$out"
  rm -f "$out"/crash-* "$out"/leak-* "$out"/timeout-* "$out"/oom-* "$out"/slow-unit-*
  # libFuzzer caps inputs at 1 MB unless told; the store seeds are larger.
  largest="$(find "$seeds" -type f -printf '%s\n' | sort -n | tail -n 1)"
  max_len=()
  if [[ -n "$largest" && "$largest" -gt 1048576 ]]; then max_len=("-max_len=$((largest + 4096))"); fi
  rss_limit="${FUZZ_RSS_LIMIT_MB:-2560}"
  malloc_limit="${FUZZ_MALLOC_LIMIT_MB:-}"
  if [[ -z "$malloc_limit" ]]; then
    case "$target" in
      fuzz_nats) malloc_limit=128 ;;
      *) malloc_limit="$rss_limit" ;;
    esac
  fi
  corpus_before="$(find "$seeds" -type f | wc -l)"
  start=$SECONDS
  set +e
  # shellcheck disable=SC2086  # FUZZ_FLAGS is a list of flags
  # CPU seconds too: on a shared machine the wall-clock budget says little.
  TIMEFORMAT='%U %S'
  { time "$program" "$seeds" -max_total_time="$seconds" -timeout=25 -rss_limit_mb="$rss_limit" -malloc_limit_mb="$malloc_limit" -print_final_stats=1 \
      -artifact_prefix="$out/" "${max_len[@]}" ${FUZZ_FLAGS:-} >"$out/log.txt" 2>&1; } 2>"$out/cpu.txt"
  rc=$?
  set -e
  elapsed=$((SECONDS - start))
  cpu="$(awk '{printf "%d", $1 + $2}' "$out/cpu.txt" 2>/dev/null || echo '?')"
  stat() { sed -n "s/^stat::$1: *//p" "$out/log.txt" | tail -n 1; }
  execs="$(stat number_of_executed_units)"
  per_second="$(stat average_exec_per_sec)"
  # The last status line ("#123 REDUCE cov: 456 ft: 789 corp: ...") holds the final coverage.
  # (With FUZZ_FLAGS=-fork=N the lines read "#123: cov: ..." and there are no stat:: lines.)
  status_line="$(grep -E '^#[0-9]+[:[:space:]].*cov: [0-9]+' "$out/log.txt" | tail -n 1 || true)"
  if [[ -z "$execs" ]]; then execs="$(sed -n 's/^#\([0-9]*\).*/\1/p' <<<"$status_line")"; fi
  if [[ -z "$per_second" ]]; then per_second="$(sed -n 's/.* exec\/s: \([0-9]*\).*/\1/p' <<<"$status_line")"; fi
  cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$status_line")"
  ft="$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$status_line")"
  corp="$(sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p' <<<"$status_line")"
  findings="$(find "$out" -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)"
  verdict=ok
  if [[ $rc -ne 0 || $findings -ne 0 ]]; then
    verdict="FOUND (exit $rc, $findings inputs in $out)"
    failed=1
  fi
  summary+=("$(printf '%-18s %5ss (cpu %5ss) %12s execs %8s exec/s  cov: %-6s ft: %-7s corp: %-12s %s' \
    "$target" "$elapsed" "$cpu" "${execs:-?}" "${per_second:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$verdict")")
  echo "${summary[-1]}"
  if [[ -n "$report_dir" ]]; then
    repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
    commit="$(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)"
    if [[ -n "$(git -C "$repo" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then commit="$commit (with uncommitted changes)"; fi
    {
      echo "target:        $target"
      echo "date:          $(date -u +%Y-%m-%dT%H:%M:%SZ)"
      echo "commit:        $commit"
      echo "duration:      ${elapsed} s wall, ${cpu} s cpu (-max_total_time=$seconds)"
      echo "executions:    ${execs:-?} (${per_second:-?}/s)"
      echo "coverage:      cov ${cov:-?}, ft ${ft:-?}"
      echo "corpus:        ${corp:-?} in libFuzzer's last status line; $corpus_before files before, $(find "$seeds" -type f | wc -l) after"
      echo "findings:      $findings"
      echo "verdict:       $verdict"
      echo "flags:         -timeout=25 -rss_limit_mb=$rss_limit -malloc_limit_mb=$malloc_limit ${max_len[*]:-} ${FUZZ_FLAGS:-}"
      echo "host:          $(uname -srm), $(nproc) cores"
      echo
      echo "libFuzzer's final lines:"
      grep -E '^(stat::|#[0-9]+ +DONE|Done [0-9]+ runs|==[0-9]+== ERROR)' "$out/log.txt" | tail -n 12 | sed 's/^/  /'
    } >"$report_dir/$(date -u +%Y-%m-%d)-$target.txt"
  fi
  if [[ $verdict != ok ]]; then
    grep -m 3 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|nasrank fuzz finding|terminate called' \
      "$out/log.txt" | sed 's/^/    /' || true
  fi
done

echo
echo "summary ($seconds s per target, corpus $corpus):"
printf '%s\n' "${summary[@]}"
exit $failed
