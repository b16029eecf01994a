#!/usr/bin/python3
"""Medians with their spread for the interleaved benchmarks under bench/.

  summarize.py train RESULTS.jsonl   (bench/run_train_bench.sh)
  summarize.py procs RESULTS.jsonl   (bench/run_procs_bench.sh)
  summarize.py flops PEAK.json CEILINGS.jsonl RESULTS.jsonl   (bench/run_flops_bench.sh)

RESULTS lines are the per-cell JSON lines of bench_train / train_peer.py with
"variant" and "round" added. Every figure is the median over rounds with the
smallest and largest round beside it; a ratio is taken within each round
(its two sides ran minutes apart at most, on the same load) and then the
median of those is printed. The last line is the same as one JSON object.
"""
import json
import statistics
import sys
from collections import defaultdict


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def spread(values):
    values = sorted(values)
    return {"median": statistics.median(values), "min": values[0], "max": values[-1], "n": len(values)}


def show(s, digits=1, suffix=""):
    f = f"{{:.{digits}f}}"
    return f"{f.format(s['median'])}{suffix} [{f.format(s['min'])}-{f.format(s['max'])}]"


def by_round(rows, variant):
    rounds = defaultdict(list)
    for r in rows:
        if r["variant"] == variant:
            rounds[r["round"]].append(r)
    return rounds


def mix_rate(cells):
    return sum(c["images"] for c in cells) / sum(c["seconds"] for c in cells)


def achieved_gflops(cells):
    # A training step costs about 3x the forward multiply-adds (forward, input
    # gradients, weight gradients), 2 FLOPs each.
    return sum(c["images"] * c["forward_mflops"] * 6 / 1e3 for c in cells) / sum(c["seconds"] for c in cells)


def complete_rounds(rows, variants, cells):
    """Rounds in which every variant timed every cell (a cut-short run leaves out the rest)."""
    done = defaultdict(set)
    for r in rows:
        done[r["round"]].add((r["variant"], r["arch"]))
    return sorted(k for k, v in done.items() if all((a, c) in v for a in variants for c in cells))


def train(path):
    rows = load(path)
    variants = [v for v in ("nasrank", "nasrank-every-edge", "peer", "peer-tuned") if any(r["variant"] == v for r in rows)]
    cells = list(dict.fromkeys(r["arch"] for r in rows))
    rounds = complete_rounds(rows, variants, cells)
    if not rounds:
        sys.exit("summarize: no round in which every variant timed every cell")
    rows = [r for r in rows if r["round"] in rounds]
    rate = {(r["variant"], r["round"], r["arch"]): r["images_per_second"] for r in rows}
    out = {"rounds": len(rounds), "cells": len(cells), "per_cell": [], "mix": {}, "ratios": {}}

    print(f"per cell images/s, median over {len(rounds)} round(s) [min-max]:")
    header = "  ".join(f"{v:>20s}" for v in variants)
    print(f"{'cell':62s}  {header}  {'nasrank/peer':>18s}  {'nasrank/peer-tuned':>18s}")
    for cell in cells:
        per = {v: spread([rate[(v, k, cell)] for k in rounds]) for v in variants}
        ratio = lambda other: spread([rate[("nasrank", k, cell)] / rate[(other, k, cell)] for k in rounds])
        r_peer, r_tuned = ratio("peer"), ratio("peer-tuned")
        print(f"{cell[:62]:62s}  " + "  ".join(f"{show(per[v]):>20s}" for v in variants) +
              f"  {show(r_peer, 2, 'x'):>18s}  {show(r_tuned, 2, 'x'):>18s}")
        out["per_cell"].append({"arch": cell, **{v: per[v] for v in variants}, "ratio_peer": r_peer,
                                "ratio_peer_tuned": r_tuned})

    mixes = {v: {k: mix_rate(c) for k, c in by_round(rows, v).items()} for v in variants}
    print("\nmix images/s (each round: all images / all seconds over the cells), median [min-max]:")
    for v in variants:
        out["mix"][v] = spread(list(mixes[v].values()))
        print(f"  {v:20s} {show(out['mix'][v])}")
    print()
    pairs = [("nasrank", "peer", "the benchmark's network as its own code runs it"),
             ("nasrank", "peer-tuned", "the same with malloc thresholds, passive OpenMP wait, channels-last"),
             ("nasrank-every-edge", "peer-tuned", "nasrank computing every edge, against the tuned peer")]
    for a, b, what in pairs:
        if a in variants and b in variants:
            s = spread([mixes[a][k] / mixes[b][k] for k in rounds])
            out["ratios"][f"{a}/{b}"] = s
            print(f"ratio {a} / {b} = {show(s, 2, 'x')}  ({what})")
    gflops = spread([achieved_gflops(c) for c in by_round(rows, "nasrank").values()])
    out["achieved_gflops"] = gflops
    print(f"achieved by nasrank over the mix: {show(gflops)} GFLOP/s (6 x forward multiply-adds per image)")
    print(json.dumps(out))


def procs(path):
    rows = load(path)
    rounds = sorted({r["round"] for r in rows})
    single, double, single_wall, double_wall = [], [], [], []
    for k in rounds:
        one = [r for r in rows if r["round"] == k and r["variant"] == "1x2"]
        two = [r for r in rows if r["round"] == k and r["variant"].startswith("2x1")]
        if not one or len({r["variant"] for r in two}) < 2:
            continue
        single.append(mix_rate(one))
        double.append(sum(mix_rate([r for r in two if r["variant"] == v]) for v in ("2x1-a", "2x1-b")))
        single_wall.append(sum(r["images"] for r in one) / one[0]["wall_seconds"])
        double_wall.append(sum(r["images"] for r in two) / two[0]["wall_seconds"])
    if not single:
        sys.exit("summarize: no complete round")
    out = {"rounds": len(single), "one_process_two_threads": spread(single),
           "two_processes_one_thread": spread(double),
           "one_process_wall_clock": spread(single_wall), "two_processes_wall_clock": spread(double_wall),
           "ratio": spread([d / s for d, s in zip(double, single)]),
           "ratio_wall_clock": spread([d / s for d, s in zip(double_wall, single_wall)])}
    print(f"over {len(single)} round(s), images/s median [min-max]:")
    print(f"  1 process x 2 threads:  {show(out['one_process_two_threads'])} timed steps, "
          f"{show(out['one_process_wall_clock'])} over the wall time (start-up and warm-up included)")
    print(f"  2 processes x 1 thread: {show(out['two_processes_one_thread'])} timed steps (sum of each process's rate), "
          f"{show(out['two_processes_wall_clock'])} both processes' images over the wall time of the pair")
    print(f"ratio 2x1 / 1x2 = {show(out['ratio'], 2, 'x')} (wall clock: {show(out['ratio_wall_clock'], 2, 'x')})")
    print(json.dumps(out))


def flops(peak_path, ceilings_path, results_path):
    peak = json.load(open(peak_path))
    ceilings = load(ceilings_path)
    rows = load(results_path)
    achieved = spread([achieved_gflops(c) for c in by_round(rows, "nasrank").values()])
    fma = next((c for c in ceilings if c["what"] == "fma_loop" and "gflops" in c), None)
    conv = {c["shape"]: c for c in ceilings if c["what"] == "conv"}
    print(f"CPU: {peak['model_name']} ({peak['vendor']} family {peak['family']} model {peak['model']}), "
          f"{peak['logical_cpus']} CPUs usable")
    print(f"computed FMA peak: {peak['formula']}")
    for key, source in peak["sources"].items():
        print(f"  {key}: {source}")
    if fma:
        print(f"measured FMA-loop peak ({fma['isa']}, {fma['threads']} threads): {fma['gflops']:.1f} GFLOP/s")
    for shape, c in conv.items():
        print(f"oneDNN 3x3 conv '{shape}' (batch {c['batch']}, C={c['channels']}, {c['pixels']}x{c['pixels']}, "
              f"channels-last): forward {c['forward_gflops']:.1f}, forward+backward {c['train_gflops']:.1f} GFLOP/s")
    print(f"\nachieved by nasrank's training steps over the mix: {show(achieved)} GFLOP/s "
          f"({achieved['n']} round(s); 6 x forward multiply-adds per image)")
    out = {"achieved_gflops": achieved, "computed_peak_gflops": peak["peak_gflops"]}
    m = achieved["median"]
    print(f"  = {100 * m / peak['peak_gflops']:.0f}% of the computed FMA peak ({peak['peak_gflops']:.1f})")
    out["fraction_of_computed_peak"] = m / peak["peak_gflops"]
    if fma:
        print(f"  = {100 * m / fma['gflops']:.0f}% of the measured FMA-loop peak ({fma['gflops']:.1f})")
        out["fma_loop_gflops"] = fma["gflops"]
        out["fraction_of_fma_loop"] = m / fma["gflops"]
    if "large" in conv:
        ceiling = conv["large"]["train_gflops"]
        print(f"  = {100 * m / ceiling:.0f}% of the oneDNN convolution ceiling (large conv, forward+backward, {ceiling:.1f})")
        out["conv_ceiling_gflops"] = ceiling
        out["fraction_of_conv_ceiling"] = m / ceiling
    print(json.dumps(out))


if __name__ == "__main__":
    commands = {"train": train, "procs": procs, "flops": flops}
    if len(sys.argv) < 3 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](*sys.argv[2:])
