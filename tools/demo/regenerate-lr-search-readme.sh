#!/usr/bin/env bash
# Runs the built-in learning-rate-law experiment (`nasrank lr-search` with no
# arguments) from an empty folder, times it, and rewrites the README's
#   <!-- lr-search-transcript:begin --> ... <!-- lr-search-transcript:end -->
# block with what it printed (stdout) and how long it took on which machine.
#
#   tools/demo/regenerate-lr-search-readme.sh [BUILD_DIR]     (default: build)
set -euo pipefail
repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build_dir="$(cd "${1:-$repo_dir/build}" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
start=$(date +%s.%N)
"$build_dir/nasrank" lr-search >"$work/stdout.txt" 2>"$work/stderr.txt" || {
  cat "$work/stderr.txt" >&2
  echo "regenerate-lr-search-readme: the experiment failed; README left as it was" >&2
  exit 1
}
end=$(date +%s.%N)

python3 - "$repo_dir/README.md" "$work" "$start" "$end" <<'PY'
import os, re, sys
readme, work, start, end = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
stdout = open(os.path.join(work, "stdout.txt")).read().rstrip("\n")
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown CPU")
seconds = end - start
timing = (f"On a {os.cpu_count()}-core {cpu}, quiet, it took {int(seconds // 60)} min {int(round(seconds % 60))} s "
          f"from an empty folder. It printed (stdout):")
body = timing + "\n\n```\n" + stdout + "\n```"
text = open(readme).read()
pattern = re.compile(r"(<!-- lr-search-transcript:begin -->\n).*?(<!-- lr-search-transcript:end -->)", re.S)
if not pattern.search(text):
    sys.exit("regenerate-lr-search-readme: README.md has no '<!-- lr-search-transcript:begin -->' block")
open(readme, "w").write(pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text))
print(timing)
PY
