#!/usr/bin/env bash
# Every C++ file git tracks is formatted as .clang-format says (clang-format
# 14, Debian 12's) and has no line over 120 columns. Lists the files that are
# not and how to fix them.
# Usage: tools/ci/check_format.sh [--fix]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
formatter="$(command -v clang-format-14 || true)"
# Exit 77 is "skipped" to ctest (style.format): the suite still runs where the
# formatter is not installed, and says why this check did not.
[[ -n $formatter ]] || { echo "check_format: SKIPPED: clang-format-14 not found (apt-get install clang-format-14)" >&2; exit 77; }
mapfile -t files < <(git ls-files '*.cpp' '*.h')
if [[ ${1:-} == --fix ]]; then
  "$formatter" -i --style=file "${files[@]}"
  exit 0
fi
# One process for all files; its diagnostics name file:line for each change.
if ! report="$("$formatter" --style=file --dry-run --Werror "${files[@]}" 2>&1)"; then
  printf 'check_format: not formatted as .clang-format says:\n' >&2
  grep -oE '^[^:]+:[0-9]+' <<<"$report" | sort -s -u -t: -k1,1 | sed 's/^/  first change at /' >&2
  echo "check_format: fix with tools/ci/check_format.sh --fix" >&2
  exit 1
fi
# clang-format cannot break raw strings or comments it must keep, so the
# column limit is checked on its own.
long_lines="$(awk 'length > 120 { print FILENAME ":" FNR ": " length " columns" }' "${files[@]}")"
if [[ -n $long_lines ]]; then
  printf 'check_format: lines over 120 columns:\n%s\n' "$long_lines" >&2
  exit 1
fi
echo "check_format: ${#files[@]} files formatted, no line over 120 columns"
