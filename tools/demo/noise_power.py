#!/usr/bin/env python3
"""How well can a ranking experiment of this size tell cells apart?

Reads one protocol's runs (two or more seeds per cell) from a results store
through `nasrank export`, and estimates
* the seed noise of one run (sd of a single run's accuracy around its cell's
  mean, pooled over cells),
* the true spread of the cells (sd of the cell means with the noise's share
  taken out),
* the seed-to-seed Kendall tau-b this gives for a sample of N such cells with
  S seeds averaged on each side: by simulation, drawing N true qualities from
  the measured cell means (with replacement, shrunk to the true spread) and
  adding the measured noise; its mean and 10th/90th percentiles.

It is what data/protocols/README.md ("The demo's budget") quotes. Usage:

  tools/demo/noise_power.py STORE --protocol demo-benchmark [--nasrank build/nasrank]
      [--split ori-test] [--cells 10,12,20] [--seeds-per-side 1,2,3] [--draws 4000]
"""
import argparse
import csv
import io
import math
import random
import statistics
import subprocess
import sys


def kendall_tau_b(x, y):
    concordant = discordant = ties_x = ties_y = 0
    for i in range(len(x)):
        for j in range(i + 1, len(x)):
            dx, dy = x[i] - x[j], y[i] - y[j]
            if dx == 0 and dy == 0:
                continue
            if dx == 0:
                ties_x += 1
            elif dy == 0:
                ties_y += 1
            elif (dx > 0) == (dy > 0):
                concordant += 1
            else:
                discordant += 1
    denominator = math.sqrt((concordant + discordant + ties_x) * (concordant + discordant + ties_y))
    return (concordant - discordant) / denominator if denominator else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store")
    parser.add_argument("--protocol", required=True)
    parser.add_argument("--nasrank", default="build/nasrank")
    parser.add_argument("--split", default="ori-test")
    parser.add_argument("--cells", default="10,12,20")
    parser.add_argument("--seeds-per-side", default="1,2,3")
    parser.add_argument("--draws", type=int, default=4000)
    args = parser.parse_args()

    exported = subprocess.run([args.nasrank, "export", args.store, "--format", "csv"], check=True,
                              capture_output=True, text=True).stdout
    rows = csv.DictReader(io.StringIO("\n".join(l for l in exported.splitlines() if not l.startswith("#"))))
    by_cell = {}
    for row in rows:
        if row["protocol"] == args.protocol and row["split"] == args.split and row["status"] == "ok":
            by_cell.setdefault(row["arch"], {})[int(row["seed"])] = float(row["accuracy"])
    # In seed order, so that the observed tau pairs the same two seeds in every cell.
    cells = [[seeds[k] for k in sorted(seeds)] for seeds in by_cell.values() if len(seeds) >= 2]
    if len(cells) < 3:
        sys.exit(f"noise_power: {args.store}: fewer than 3 cells with two or more ok seeds of '{args.protocol}'")

    # Pooled within-cell variance: the noise of one run.
    within = sum(sum((a - statistics.fmean(c)) ** 2 for a in c) for c in cells) / sum(len(c) - 1 for c in cells)
    means = [statistics.fmean(c) for c in cells]
    seeds_per_cell = statistics.fmean(len(c) for c in cells)
    spread = max(statistics.variance(means) - within / seeds_per_cell, 0.0)
    noise_sd, true_sd = math.sqrt(within), math.sqrt(spread)
    centre = statistics.fmean(means)
    shrink = true_sd / statistics.stdev(means)
    observed = [kendall_tau_b([c[0] for c in cells], [c[1] for c in cells])]
    print(f"{args.protocol} on {args.split}: {len(cells)} cells, {seeds_per_cell:.1f} seeds each; "
          f"median of the cell means {statistics.median(means):.2f}%, range {min(means):.2f}-{max(means):.2f}%")
    print(f"seed noise of one run: sd {noise_sd:.2f} points; true spread of the cells: sd {true_sd:.2f} points")
    print(f"observed seed-to-seed tau-b (first two seeds, all {len(cells)} cells): {observed[0]:.3f}")
    print("simulated seed-to-seed tau-b (mean [10th, 90th percentile]):")
    rng = random.Random(2024)
    for n in (int(v) for v in args.cells.split(",")):
        line = f"  {n:>3} cells:"
        for s in (int(v) for v in args.seeds_per_side.split(",")):
            taus = []
            for _ in range(args.draws):
                truth = [centre + (rng.choice(means) - centre) * shrink for _ in range(n)]
                side = [[t + statistics.fmean(rng.gauss(0, noise_sd) for _ in range(s)) for t in truth]
                        for _ in range(2)]
                taus.append(kendall_tau_b(side[0], side[1]))
            taus.sort()
            line += (f"  {s} seed(s) per side {statistics.fmean(taus):.2f} "
                     f"[{taus[len(taus) // 10]:.2f}, {taus[len(taus) * 9 // 10]:.2f}]")
        print(line)


if __name__ == "__main__":
    main()
