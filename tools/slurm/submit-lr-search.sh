#!/usr/bin/env bash
# Submits a `nasrank lr-search` to Slurm exactly as submit-rerank.sh submits a
# re-rank: an array of N shards (each its own store, --shard i/N), then the
# merge of their stores into DIR/runs.h5 and the search's report from it
# (`nasrank lr-search <arguments> --store DIR/runs.h5 --report-only`, into
# DIR/report). Same options as submit-rerank.sh (see its --help):
#
#   tools/slurm/submit-lr-search.sh --tasks N --out DIR [options] -- <nasrank lr-search arguments>
#
# e.g.  tools/slurm/submit-lr-search.sh --tasks 20 --out /scratch/lrs -- \
#         --space nb201 --unique --sample 200 --protocol lr-search-nb201 --dataset cifar10
#
# The lr-search arguments must name the selection, protocol and dataset
# explicitly (the built-in experiment is for one machine). Run it again with
# the same arguments to resume.
set -euo pipefail
script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export NASRANK_SUBCOMMAND=lr-search
exec "$script_dir/submit-rerank.sh" "$@"
