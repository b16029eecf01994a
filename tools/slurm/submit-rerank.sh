#!/usr/bin/env bash
# Submits a re-rank to Slurm: an array of N shards (rerank-array.sbatch) and the
# merge of their stores (rerank-merge.sbatch) as a job that starts when every
# shard has succeeded.
#
#   tools/slurm/submit-rerank.sh --tasks N --out DIR [options] -- <nasrank rerank arguments>
#
#   --tasks N            number of shards = array tasks 0..N-1
#   --out DIR            shard stores DIR/shard-<i>-of-<N>.h5, merged DIR/runs.h5,
#                        report DIR/report, job logs DIR/logs
#   --cpus-per-task C    CPUs per shard (default 1); also its --threads
#   --gpus-per-task G    GPUs per shard (default 0): the shard runs with --device
#                        cuda and one worker per GPU, each seeing only its own
#                        (CUDA_VISIBLE_DEVICES); --workers-per-gpu K among the
#                        rerank arguments packs K workers on each
#   --partition P        partition of both jobs
#   --time T             time limit of each shard (sbatch --time format)
#   --merge-time T       time limit of the merge job
#   --max-running M      at most M shards at once (--array=...%M)
#   --only LIST          submit only these shards of the N, e.g. 3,7 or 2-5, to run
#                        failed ones again; the merge still joins all N
#   --no-report          only merge; no report (also when the rerank arguments
#                        say --no-report)
#   --report-arg ARG     extra argument of `nasrank report` (repeatable), e.g.
#                        --report-arg --baseline --report-arg nb201-200e
#   --sbatch-arg ARG     extra sbatch option for both jobs (repeatable), e.g.
#                        --sbatch-arg --account=myproj --sbatch-arg --mem=8G
#
# The report gets --dataset, --reference, --reference-budget and -o/--out from
# the rerank arguments. Prints "array_job=<id>" and "merge_job=<id>" on stdout
# and nothing else. Run it again with the same arguments to resume: finished
# runs are skipped, so complete shards end in seconds.
#
# The nasrank binaries: $NASRANK_BIN / $NASRANK_TORCH_BIN, default the build
# tree beside this script (../../build). Every node must see them and DIR at the
# same paths (a shared file system), as well as the rerank arguments' files.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

die() {
  echo "submit-rerank: $*" >&2
  exit 2
}
usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

tasks="" out="" cpus=1 gpus=0 partition="" time_limit="" merge_time="" max_running="" only="" report=1
report_extra=()
sbatch_extra=()
need_value() { (($2 >= 2)) || die "option $1 needs a value"; }
while (($#)); do
  case $1 in
    --tasks) need_value "$1" $#; tasks=$2; shift 2 ;;
    --out) need_value "$1" $#; out=$2; shift 2 ;;
    --cpus-per-task) need_value "$1" $#; cpus=$2; shift 2 ;;
    --gpus-per-task) need_value "$1" $#; gpus=$2; shift 2 ;;
    --partition) need_value "$1" $#; partition=$2; shift 2 ;;
    --time) need_value "$1" $#; time_limit=$2; shift 2 ;;
    --merge-time) need_value "$1" $#; merge_time=$2; shift 2 ;;
    --max-running) need_value "$1" $#; max_running=$2; shift 2 ;;
    --only) need_value "$1" $#; only=$2; shift 2 ;;
    --no-report) report=0; shift ;;
    --report-arg) need_value "$1" $#; report_extra+=("$2"); shift 2 ;;
    --sbatch-arg) need_value "$1" $#; sbatch_extra+=("$2"); shift 2 ;;
    -h | --help) usage; exit 0 ;;
    --) shift; break ;;
    *) die "unknown option '$1' (the rerank arguments go after --; see --help)" ;;
  esac
done
rerank_args=("$@")

[[ $tasks =~ ^[1-9][0-9]*$ ]] || die "--tasks '$tasks': expected a positive number of shards"
[[ -n $out ]] || die "--out DIR is required"
[[ $cpus =~ ^[1-9][0-9]*$ ]] || die "--cpus-per-task '$cpus': expected a positive integer"
[[ $gpus =~ ^[0-9]+$ ]] || die "--gpus-per-task '$gpus': expected a whole number of GPUs (0 for CPU shards)"
[[ -z $max_running || $max_running =~ ^[1-9][0-9]*$ ]] || die "--max-running '$max_running': expected a positive integer"
((${#rerank_args[@]})) || die "no rerank arguments after -- (e.g. -- --protocol nb201-200e --dataset cifar10)"
array_spec="0-$((tasks - 1))"
if [[ -n $only ]]; then
  [[ $only =~ ^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$ ]] || die "--only '$only': expected shard numbers like 3,7 or 2-5"
  for part in ${only//,/ }; do
    ((${part##*-} < tasks)) || die "--only '$only': shard ${part##*-} is outside 0-$((tasks - 1))"
  done
  array_spec=$only
fi
[[ -n $max_running ]] && array_spec+="%$max_running"

report_args=()
take_next=""
for arg in "${rerank_args[@]}"; do
  if [[ -n $take_next ]]; then
    report_args+=("$take_next" "$arg")
    take_next=""
    continue
  fi
  case $arg in
    --shard | --shard=* | --store | --store=*) die "rerank argument '$arg' is set per shard by rerank-array.sbatch; leave it out" ;;
    --no-report) report=0 ;;
    --dataset | --reference | --reference-budget | -o | --out) take_next=$arg ;;
    --dataset=* | --reference=* | --reference-budget=* | --out=*) report_args+=("$arg") ;;
  esac
done
# An lr-search's report is made from the merged store by the search's own
# arguments (NASRANK_SUBCOMMAND=lr-search, see submit-lr-search.sh).
if [[ ${NASRANK_SUBCOMMAND:-rerank} == lr-search ]]; then
  report_args=()
  for arg in "${rerank_args[@]}"; do [[ $arg == --no-report ]] || report_args+=("$arg"); done
fi
report_args+=("${report_extra[@]}")
((report)) || report_args=()

export NASRANK_BIN="${NASRANK_BIN:-$script_dir/../../build/nasrank}"
export NASRANK_TORCH_BIN="${NASRANK_TORCH_BIN:-$(dirname "$NASRANK_BIN")/nasrank-torch}"
[[ -x $NASRANK_BIN ]] || die "nasrank binary '$NASRANK_BIN' not found: build it (tools/setup.sh) or set NASRANK_BIN"
[[ -x $NASRANK_TORCH_BIN ]] || die "nasrank-torch binary '$NASRANK_TORCH_BIN' not found: build it or set NASRANK_TORCH_BIN"
NASRANK_BIN="$(cd "$(dirname "$NASRANK_BIN")" && pwd)/$(basename "$NASRANK_BIN")"
NASRANK_TORCH_BIN="$(cd "$(dirname "$NASRANK_TORCH_BIN")" && pwd)/$(basename "$NASRANK_TORCH_BIN")"
export NASRANK_SHARD_COUNT=$tasks
command -v sbatch >/dev/null || die "sbatch not found: run this on a Slurm submit host"

mkdir -p "$out/logs"
out="$(cd "$out" && pwd)"

common=(--parsable --export=ALL "${sbatch_extra[@]}")
[[ -n $partition ]] && common+=(--partition="$partition")

array_opts=(--array="$array_spec" --cpus-per-task="$cpus" --output="$out/logs/rerank-%A_%a.out")
((gpus > 0)) && array_opts+=(--gres="gpu:$gpus")
[[ -n $time_limit ]] && array_opts+=(--time="$time_limit")
array_job=$(sbatch "${common[@]}" "${array_opts[@]}" "$script_dir/rerank-array.sbatch" "$out" "${rerank_args[@]}")
array_job=${array_job%%;*}

# kill-on-invalid-dep: when a shard fails the merge is cancelled instead of
# pending forever; submit again to resume the failed shards and merge.
merge_opts=(--dependency="afterok:$array_job" --kill-on-invalid-dep=yes --output="$out/logs/merge-%j.out")
[[ -n $merge_time ]] && merge_opts+=(--time="$merge_time")
merge_job=$(sbatch "${common[@]}" "${merge_opts[@]}" "$script_dir/rerank-merge.sbatch" "$out" "$tasks" "${report_args[@]}")
merge_job=${merge_job%%;*}

echo "array_job=$array_job"
echo "merge_job=$merge_job"
