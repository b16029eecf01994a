#!/usr/bin/python3
"""scipy's values for the cases test_stats_scipy.cpp writes.

Input: one case per line, "x0 x1 ...|y0 y1 ..." (numbers in round-trip
precision). Output: one JSON object per case with scipy's kendalltau
(statistic, pvalue), spearmanr and pearsonr statistics; null where scipy
gives NaN.
"""
import json
import math
import sys
import warnings

from scipy import stats


def finite_or_none(value):
    value = float(value)
    return None if math.isnan(value) else value


def main():
    warnings.simplefilter("ignore")  # constant inputs warn; NaN is the answer
    for line in open(sys.argv[1]):
        left, right = line.split("|")
        x = [float(v) for v in left.split()]
        y = [float(v) for v in right.split()]
        tau = stats.kendalltau(x, y)
        print(json.dumps({
            "tau_b": finite_or_none(tau.statistic),
            "p_value": finite_or_none(tau.pvalue),
            "rho": finite_or_none(stats.spearmanr(x, y).statistic),
            "r": finite_or_none(stats.pearsonr(x, y).statistic),
        }))


if __name__ == "__main__":
    main()
