#!/usr/bin/env bash
# Runs the built-in demo (`nasrank rerank` with no arguments) from an empty
# folder, times it, and rewrites the README's demo blocks from what it printed:
#   <!-- demo-result:begin --> ... <!-- demo-result:end -->         one sentence
#   <!-- demo-transcript:begin --> ... <!-- demo-transcript:end -->  the output
# Nothing in those blocks is written by hand; tests/cli/test_demo_readme.cpp
# retrains a run the transcript quotes and fails when the code no longer
# prints it.
#
#   tools/demo/regenerate-readme.sh [BUILD_DIR]     (default: build)
set -euo pipefail
repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build_dir="$(cd "${1:-$repo_dir/build}" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
start=$(date +%s.%N)
"$build_dir/nasrank" rerank >"$work/stdout.txt" 2>"$work/stderr.txt" || {
  cat "$work/stderr.txt" >&2
  echo "regenerate-readme: the demo failed; README left as it was" >&2
  exit 1
}
end=$(date +%s.%N)

python3 - "$repo_dir/README.md" "$work" "$start" "$end" <<'PY'
import json, os, re, sys
readme, work, start, end = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
stderr = open(os.path.join(work, "stderr.txt")).read().splitlines()
stdout = open(os.path.join(work, "stdout.txt")).read().splitlines()
report = json.load(open(os.path.join(work, "nasrank-demo", "report.json")))

cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown CPU")
cores = os.cpu_count()
seconds = end - start
minutes = f"{int(seconds // 60)} min {int(round(seconds % 60))} s"

# The transcript: every line but the per-run progress is kept; of the run
# lines, the first four and the last two (the README is no log).
runs = [i for i, l in enumerate(stderr) if re.match(r"\[\d+/\d+\] ", l)]
keep = set(runs[:4] + runs[-2:])
lines, skipped = [], False
for i, l in enumerate(stderr):
    if i in runs and i not in keep:
        if not skipped:
            lines.append("...")
        skipped = True
        continue
    skipped = False
    lines.append(l)
transcript = "\n".join(lines + stdout)

headline = report["headline"]
result = (f"On a {cores}-core {cpu}, quiet, the demo took **{minutes}** from an empty folder, "
          f"calibration included. Its report's headline: *{headline}*")

text = open(readme).read()
def replace(block, body):
    global text
    pattern = re.compile(rf"(<!-- {block}:begin -->\n).*?(<!-- {block}:end -->)", re.S)
    if not pattern.search(text):
        sys.exit(f"regenerate-readme: README.md has no '<!-- {block}:begin -->' block")
    text = pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)
replace("demo-result", result)
replace("demo-transcript", "```\n" + transcript + "\n```")
open(readme, "w").write(text)
print(result)
PY
