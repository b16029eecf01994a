#!/usr/bin/env bash
# Runs one of nasrank's built-in experiments from an empty folder, times it,
# and rewrites the documentation blocks that quote it. Nothing in those blocks
# is written by hand.
#
#   tools/demo/regenerate.sh demo [BUILD_DIR]        `nasrank rerank` (no arguments)
#       README.md     <!-- demo-result:begin -->          one sentence with the numbers
#       docs/demo.md  <!-- demo-transcript:begin -->      what it printed
#     tests/cli/test_demo_readme.cpp retrains a quoted run and fails when the
#     code no longer prints it.
#   tools/demo/regenerate.sh lr-search [BUILD_DIR]   `nasrank lr-search` (no arguments)
#       docs/lr-search.md  <!-- lr-search-transcript:begin -->  timing and stdout
#
# BUILD_DIR defaults to build/. Run it on a quiet machine: the time is quoted.
set -euo pipefail
mode="${1:-}"
case "$mode" in
  demo) command=rerank ;;
  lr-search) command=lr-search ;;
  *) echo "usage: tools/demo/regenerate.sh demo|lr-search [BUILD_DIR]" >&2; exit 2 ;;
esac
repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build_dir="$(cd "${2:-$repo_dir/build}" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
start=$(date +%s.%N)
"$build_dir/nasrank" "$command" >"$work/stdout.txt" 2>"$work/stderr.txt" || {
  cat "$work/stderr.txt" >&2
  echo "regenerate: 'nasrank $command' failed; the documentation is left as it was" >&2
  exit 1
}
end=$(date +%s.%N)

python3 - "$mode" "$repo_dir" "$work" "$start" "$end" <<'PY'
import json, os, re, sys
mode, repo, work, start, end = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
stderr = open(os.path.join(work, "stderr.txt")).read().splitlines()
stdout = open(os.path.join(work, "stdout.txt")).read().rstrip("\n").splitlines()
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown CPU")
machine = f"a {os.cpu_count()}-core {cpu}"
seconds = end - start
duration = f"{int(seconds // 60)} min {int(round(seconds % 60))} s"

def rewrite(relative, block, body):
    path = os.path.join(repo, relative)
    text = open(path).read()
    pattern = re.compile(rf"(<!-- {block}:begin -->\n).*?(<!-- {block}:end -->)", re.S)
    if not pattern.search(text):
        sys.exit(f"regenerate: {relative} has no '<!-- {block}:begin -->' block")
    open(path, "w").write(pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text))

# The run's temporary folder is not the reader's: print it as <folder>.
def anonymous(lines):
    return "\n".join(lines).replace(work + "/", "<folder>/")

if mode == "lr-search":
    out = anonymous(stdout)
    planned = re.search(r"(\d+) runs planned", out)
    rate = f" ({planned.group(1)} runs: about {int(planned.group(1)) * 3600 / seconds:,.0f} runs per hour)" if planned else ""
    timing = f"On {machine}, quiet, it took {duration} from an empty folder{rate}. It printed (stdout):"
    rewrite("docs/lr-search.md", "lr-search-transcript", timing + "\n\n```\n" + out + "\n```")
    print(timing)
    sys.exit(0)

report = json.load(open(os.path.join(work, "nasrank-demo", "report.json")))
# Every line but the per-run progress is kept; of the run lines, the first
# four and the last two (the documentation is no log).
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
transcript = anonymous(lines + stdout)

benchmark = sorted(a["reference"]["mean"] for a in report["architectures"])
n = len(benchmark)
median = (benchmark[(n - 1) // 2] + benchmark[n // 2]) / 2
seeds = {len(a["reference"]["seeds"]) for a in report["architectures"]}
seeds_text = f"mean over {min(seeds)} seeds" if len(seeds) == 1 else f"mean over {min(seeds)}-{max(seeds)} seeds"
result = (f"On {machine}, quiet, the demo took **{duration}** from an empty folder, "
          f"calibration included. Under the benchmark's protocol its {n} cells reached a median test accuracy "
          f"of {median:.2f}% (minimum {benchmark[0]:.2f}%, {seeds_text}). Its report's headline: "
          f"*{report['headline']}*")
rewrite("README.md", "demo-result", result)
rewrite("docs/demo.md", "demo-transcript", "```\n" + transcript + "\n```")
print(result)
PY
