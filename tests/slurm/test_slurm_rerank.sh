#!/usr/bin/env bash
# A sharded re-rank on a real single-node Slurm cluster on localhost: submits
# a 3-task array with tools/slurm/submit-rerank.sh (6 architectures x 2 tiny
# protocols x 2 seeds on synthetic data), waits for the dependent merge and
# report, checks that every planned run is in the merged store exactly once
# and that the shard stores are non-empty and disjoint, then resubmits one
# shard and checks that it resumes without training again.
#
#   bash tests/slurm/test_slurm_rerank.sh BUILD_DIR
#
# Exit 77 (ctest: skipped) without the Slurm/munge packages or root. The
# cluster is stopped on every exit; jobs still running are cancelled first and
# any process left from them is reported as a failure.
set -euo pipefail

repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build_dir="$(cd "${1:?usage: test_slurm_rerank.sh BUILD_DIR}" && pwd)"
python=/usr/bin/python3
wait_limit_seconds=${NASRANK_SLURM_TEST_WAIT:-420}

skip() {
  echo "SKIPPED: $*"
  exit 77
}
fail() {
  echo "FAILED: $*" >&2
  exit 1
}

for tool in slurmctld slurmd sbatch scontrol squeue scancel sinfo; do
  command -v "$tool" >/dev/null || skip "$tool not found (apt-get install slurm-wlm slurmctld slurmd slurm-client munge)"
done
[[ -x /usr/sbin/munged ]] || skip "munged not found (apt-get install munge)"
[[ $(id -u) == 0 ]] || skip "starting slurmd and munged needs root"
[[ -x $python ]] || skip "$python not found"
for binary in nasrank nasrank-torch; do
  [[ -x $build_dir/$binary ]] || fail "$build_dir/$binary not built"
done

work="$(mktemp -d /tmp/nasrank-slurm-test.XXXXXX)"
# munged runs as user munge and must reach its key and socket inside.
chmod 755 "$work"
cluster="$work/cluster"
out="$work/out"
# Every process of our jobs inherits this from sbatch; nothing else has it.
tag="NASRANK_SLURM_TEST_TAG=$work"
jobs_submitted=()

processes_left() {
  grep -lzxF -e "$tag" -e "SLURM_CONF=$cluster/slurm.conf" /proc/[0-9]*/environ 2>/dev/null |
    sed -n 's|^/proc/\([0-9]*\)/environ$|\1|p' | grep -vx "$$"
}

dump_diagnostics() {
  echo "---- diagnostics (work dir $work) ----" >&2
  [[ -n ${SLURM_CONF:-} ]] && scontrol -o show job 2>&1 | cut -c1-600 >&2
  for file in "$cluster/slurmctld.log" "$cluster/slurmd.log"; do
    [[ -f $file ]] && { echo "---- tail $file" >&2; tail -40 "$file" >&2; }
  done
  for file in "$out"/logs/* "$out"/*.workers.log; do
    [[ -f $file ]] && { echo "---- $file" >&2; tail -40 "$file" >&2; }
  done
  return 0
}

cleanup() {
  local status=$?
  trap - EXIT
  set +e
  ((status == 0)) || dump_diagnostics
  if [[ -f $cluster/slurm.conf ]]; then
    ((${#jobs_submitted[@]})) && scancel "${jobs_submitted[@]}" 2>/dev/null
    for _ in $(seq 60); do
      [[ -z $(squeue -h -o %i 2>/dev/null) ]] && break
      sleep 0.5
    done
  fi
  "$repo_dir/tools/slurm/local-cluster.sh" stop "$cluster"
  # Not exported any more, so the scan below does not find its own grep.
  unset SLURM_CONF
  sleep 0.5
  local left
  left=$(processes_left)
  if [[ -n $left ]]; then
    echo "FAILED: processes of the test cluster still running after stop (killed now):" >&2
    # shellcheck disable=SC2086
    ps -o pid,ppid,args -p ${left//$'\n'/,} >&2
    # shellcheck disable=SC2086
    kill -9 $left 2>/dev/null
    status=1
  fi
  if ((status == 0)); then rm -rf "$work"; else echo "work dir kept: $work" >&2; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# Argument checks of the scripts that need no cluster.
if env -u SLURM_ARRAY_TASK_ID -u SLURM_ARRAY_TASK_COUNT bash "$repo_dir/tools/slurm/rerank-array.sbatch" "$out" \
  --protocol x 2>"$work/not-array.err"; then
  fail "rerank-array.sbatch ran outside an array job"
fi
grep -q "not a Slurm array task" "$work/not-array.err" || fail "unclear error outside an array job: $(cat "$work/not-array.err")"
mkdir -p "$work/partial"
: >"$work/partial/shard-0-of-2.h5"
if NASRANK_BIN="$build_dir/nasrank" bash "$repo_dir/tools/slurm/rerank-merge.sbatch" "$work/partial" 2 2>"$work/missing.err"; then
  fail "rerank-merge.sbatch merged with a shard store missing"
fi
grep -q "shard(s) 1 " "$work/missing.err" || fail "the merge did not name the missing shard: $(cat "$work/missing.err")"

# Jobs start in the submit directory; keep everything they might write in here.
cd "$work"
started=$SECONDS
"$repo_dir/tools/slurm/local-cluster.sh" start "$cluster" >"$work/cluster-start.log" 2>&1 ||
  fail "local Slurm cluster did not start: $(cat "$work/cluster-start.log")"
export SLURM_CONF="$cluster/slurm.conf"
echo "cluster up after $((SECONDS - started)) s"

tiny_protocol() {
  cat >"$work/$1.json" <<JSON
{"name": "$1", "network": {"channels": 4, "cells_per_stage": 1}, "batch_size": 64, "epochs": 2,
 "learning_rate": {"fixed": $2},
 "data": {"train_subset": 256, "eval_subset": 128, "loader_workers": 0}, "seeds": [1]}
JSON
}
tiny_protocol tiny-a 0.05
tiny_protocol tiny-b 0.1
archs=(
  '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|'
  '|nor_conv_1x1~0|+|nor_conv_1x1~0|nor_conv_1x1~1|+|nor_conv_1x1~0|nor_conv_1x1~1|nor_conv_1x1~2|'
  '|nor_conv_1x1~0|+|skip_connect~0|nor_conv_3x3~1|+|none~0|nor_conv_1x1~1|avg_pool_3x3~2|'
  '|nor_conv_3x3~0|+|avg_pool_3x3~0|none~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|'
  '|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_3x3~0|none~1|nor_conv_1x1~2|'
  '|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|skip_connect~1|none~2|'
)
protocols=(tiny-a tiny-b)
seeds=(1 2)
tasks=3
rerank_args=(--protocol "$work/tiny-a.json" --protocol "$work/tiny-b.json" --seeds "${seeds[@]}" --dataset synthetic)
for arch in "${archs[@]}"; do rerank_args+=(--arch "$arch"); done

# Submits; sets array_job and merge_job. Its stdout must be exactly the two ids.
submit() {
  local printed pattern=$'^array_job=([0-9]+)\nmerge_job=([0-9]+)$'
  printed=$(env "$tag" NASRANK_BIN="$build_dir/nasrank" NASRANK_TORCH_BIN="$build_dir/nasrank-torch" \
    "$repo_dir/tools/slurm/submit-rerank.sh" --tasks "$tasks" --out "$out" --cpus-per-task 1 --time 10 "$@" \
    -- "${rerank_args[@]}") || fail "submit-rerank.sh failed"
  [[ $printed =~ $pattern ]] || fail "unexpected submit-rerank.sh output: '$printed'"
  array_job=${BASH_REMATCH[1]}
  merge_job=${BASH_REMATCH[2]}
  jobs_submitted+=("$array_job" "$merge_job")
}

job_state() {
  scontrol show job -o "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -1
}

# Waits for a job to end; fails unless it COMPLETED. Without slurmdbd, scontrol
# is the only record and it keeps ended jobs for MinJobAge (300 s), ample here.
wait_for() {
  local job=$1 what=$2 state=""
  local deadline=$((SECONDS + wait_limit_seconds))
  while ((SECONDS < deadline)); do
    state=$(job_state "$job")
    case $state in
      COMPLETED) return 0 ;;
      PENDING | RUNNING | CONFIGURING | COMPLETING | "") sleep 1 ;;
      *) fail "$what (job $job) ended $state" ;;
    esac
  done
  fail "$what (job $job) not finished after $wait_limit_seconds s (state ${state:-unknown})"
}

submit
echo "submitted array job $array_job and merge job $merge_job"
wait_for "$merge_job" "merge of the re-rank array"
echo "array and merge finished after $((SECONDS - started)) s"

for ((i = 0; i < tasks; ++i)); do
  [[ $(job_state "${array_job}_$i") == COMPLETED ]] || fail "array task ${array_job}_$i is $(job_state "${array_job}_$i")"
done
[[ -f $out/report/report.html || -n $(find "$out/report" -name '*.html' 2>/dev/null) ]] ||
  fail "the merge job wrote no report in $out/report"

export_json() {
  "$build_dir/nasrank" export "$1" --format json >"$2" || fail "nasrank export $1 failed"
}
export_json "$out/runs.h5" "$work/merged.json"
shard_files=()
for ((i = 0; i < tasks; ++i)); do
  shard="$out/shard-$i-of-$tasks.h5"
  [[ -f $shard ]] || fail "shard store $shard missing"
  export_json "$shard" "$work/shard-$i.json"
  shard_files+=("$work/shard-$i.json")
done
[[ $(find "$out" -maxdepth 1 -name 'shard-*.h5' | wc -l) == "$tasks" ]] || fail "unexpected shard stores: $(ls "$out")"

check_runs() {
  "$python" - "$work/merged.json" "$(printf '%s\n' "${archs[@]}")" "${protocols[*]}" "${seeds[*]}" "${shard_files[@]}" <<'PY'
import collections, json, sys
merged_file, archs, protocols, seeds, *shard_files = sys.argv[1:]
expected = {(a, p, int(s)) for a in archs.split("\n") for p in protocols.split() for s in seeds.split()}

def keys(path):
    with open(path) as f:
        rows = json.load(f)
    for r in rows:
        if r["dataset"] != "synthetic" or r["budget_epochs"] != 2 or r["status"] != "ok":
            sys.exit(f"{path}: unexpected run {r['arch']} {r['protocol']} seed {r['seed']}: "
                     f"dataset {r['dataset']}, budget {r['budget_epochs']}, status {r['status']} {r['error_message']}")
    return [(r["arch"], r["protocol"], r["seed"]) for r in rows]

merged = keys(merged_file)
counts = collections.Counter(merged)
twice = sorted(k for k, n in counts.items() if n > 1)
missing = sorted(expected - counts.keys())
extra = sorted(counts.keys() - expected)
if twice or missing or extra:
    sys.exit(f"merged store: {len(merged)} runs for {len(expected)} planned; "
             f"twice: {twice}; missing: {missing}; not planned: {extra}")
seen = {}
for path in shard_files:
    runs = keys(path)
    if not runs:
        sys.exit(f"{path}: shard store is empty")
    for k in runs:
        if k in seen:
            sys.exit(f"run {k} is in both {seen[k]} and {path}")
        seen[k] = path
if set(seen) != expected:
    sys.exit(f"the shards hold {len(seen)} runs, not the {len(expected)} planned")
print(f"ok: {len(merged)} runs, each planned run once; shards of "
      + ", ".join(str(sum(1 for v in seen.values() if v == p)) for p in shard_files) + " runs, disjoint")
PY
}
check_runs || fail "the merged or shard stores do not hold the plan"

# Shard 1 again, as after a failure: it must find all its runs stored.
submit --only 1 --no-report
wait_for "$merge_job" "merge after resubmitting shard 1"
log="$out/logs/rerank-${array_job}_1.out"
grep -Eq "[1-9][0-9]* already stored, 0 trained," "$log" || fail "the resubmitted shard trained again: $(cat "$log")"
[[ -z $(find "$out/logs" -name "rerank-${array_job}_[02].out") ]] || fail "--only 1 ran other shards"
export_json "$out/runs.h5" "$work/merged.json"
check_runs || fail "the stores changed when shard 1 was resubmitted"
echo "resubmitted shard 1 resumed with nothing to train"
echo "PASSED in $((SECONDS - started)) s"
