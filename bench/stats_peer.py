#!/usr/bin/python3
"""scipy.stats.kendalltau on the exact pairs bench/bench_stats.cpp times.

Run with Debian's /usr/bin/python3 (python3-scipy). Prints one JSON object:
n, tau_b, p_value and the best/median wall and CPU time over --repeat calls
(CPU time is the fairer number on a shared machine).
"""
import argparse
import json
import statistics
import sys
import time

import numpy as np
import scipy
from scipy import stats

GOLDEN_GAMMA = 0x9E3779B97F4A7C15


def splitmix64(count, seed=1):
    """The first `count` outputs of SplitMix64 from `seed`, as bench_stats.cpp draws them."""
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + np.arange(1, count + 1, dtype=np.uint64) * np.uint64(GOLDEN_GAMMA)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def make_pairs(n):
    """Accuracies in hundredths, 0.00..99.99; y = (7 x + 3 noise) / 10 in integer hundredths."""
    draws = splitmix64(2 * n)
    a = draws[0::2] % np.uint64(10000)
    noise = draws[1::2] % np.uint64(10000)
    b = (np.uint64(7) * a + np.uint64(3) * noise) // np.uint64(10)
    return a.astype(np.float64) / 100.0, b.astype(np.float64) / 100.0


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    x, y = make_pairs(args.pairs)
    wall = []
    cpu = []
    result = None
    for _ in range(args.repeat):
        wall_start, cpu_start = time.perf_counter(), time.process_time()
        result = stats.kendalltau(x, y)
        wall.append(time.perf_counter() - wall_start)
        cpu.append(time.process_time() - cpu_start)
    json.dump({"n": args.pairs, "tau_b": float(result.statistic), "p_value": float(result.pvalue),
               "wall_seconds_best": min(wall), "wall_seconds_median": statistics.median(wall),
               "cpu_seconds_best": min(cpu), "cpu_seconds_median": statistics.median(cpu),
               "scipy": scipy.__version__, "numpy": np.__version__}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
