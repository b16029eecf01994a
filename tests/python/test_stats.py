"""nasrank.stats on numpy arrays, checked against scipy.stats."""
import math

import numpy as np
import pytest
import scipy.stats

from nasrank import stats


def paired(n, ties, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(70, 8, n)
    y = x + rng.normal(0, 4, n)
    if ties:  # accuracies are reported to two decimals: ties are common
        x, y = np.round(x / 2) * 2, np.round(y / 2) * 2
    return x, y


@pytest.mark.parametrize("n,ties", [(10, False), (30, False), (200, False), (200, True), (15625, True)])
def test_kendall_tau_b_matches_scipy(n, ties):
    x, y = paired(n, ties, seed=n)
    ours = stats.kendall_tau_b(x, y)
    reference = scipy.stats.kendalltau(x, y)
    assert ours.n == n
    assert ours.tau_b == pytest.approx(reference.statistic, abs=1e-12)
    assert ours.statistic == ours.tau_b and ours.pvalue == ours.p_value
    assert ours.p_value == pytest.approx(reference.pvalue, rel=1e-6, abs=1e-300)
    assert ours.concordant + ours.discordant + ours.tied_x + ours.tied_y - ours.tied_both == n * (n - 1) // 2


@pytest.mark.parametrize("ties", [False, True])
def test_spearman_and_pearson_match_scipy(ties):
    x, y = paired(500, ties, seed=3)
    assert stats.spearman_rho(x, y) == pytest.approx(scipy.stats.spearmanr(x, y).statistic, abs=1e-12)
    assert stats.pearson_r(x, y) == pytest.approx(scipy.stats.pearsonr(x, y).statistic, abs=1e-12)


def test_inputs_may_be_lists_or_integer_arrays():
    x = [1, 2, 3, 4, 5]
    y = np.array([2, 1, 4, 3, 5], dtype=np.int64)
    assert stats.kendall_tau_b(x, y).tau_b == pytest.approx(scipy.stats.kendalltau(x, y).statistic)


def test_constant_input_gives_nan_like_scipy():
    assert math.isnan(stats.kendall_tau_b([1, 1, 1], [1, 2, 3]).tau_b)
    assert math.isnan(stats.spearman_rho(np.ones(4), np.arange(4.0)))


def test_bad_inputs_raise_value_error():
    with pytest.raises(ValueError, match="NaN|nan|finite"):
        stats.kendall_tau_b([1.0, float("nan"), 3.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="one-dimensional"):
        stats.spearman_rho(np.zeros((3, 2)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="expected a sequence of numbers"):
        stats.kendall_tau_b(["a", "b"], [1, 2])
    with pytest.raises(ValueError):
        stats.kendall_tau_b([1, 2, 3], [1, 2])
    with pytest.raises(ValueError):
        stats.top_k_overlap([1, 2, 3], [1, 2, 3], 0)


def top_k_by_hand(values, k):
    # Highest first, ties broken by the lower position.
    return set(sorted(range(len(values)), key=lambda i: (-values[i], i))[:k])


@pytest.mark.parametrize("k", [1, 10, 50, 200])
def test_top_k_overlap_counts_the_shared_best(k):
    a, b = paired(200, True, seed=k)
    result = stats.top_k_overlap(a, b, k)
    shared = len(top_k_by_hand(a, k) & top_k_by_hand(b, k))
    assert (result.k, result.shared) == (k, shared)
    assert result.fraction == pytest.approx(shared / k)


def test_top_percent_curve_is_kendall_within_the_reference_top():
    reference, other = paired(300, False, seed=11)
    curve = stats.top_percent_curve(reference, other)
    assert [p.percent for p in curve] == [100, 90, 80, 70, 60, 50, 40, 30, 20, 10, 5, 1]
    best_first = np.argsort(-reference, kind="stable")
    for point in curve:
        count = max(2, math.ceil(point.percent * 300 / 100))
        subset = best_first[:count]
        assert point.count == count
        assert point.kendall.tau_b == pytest.approx(scipy.stats.kendalltau(reference[subset], other[subset]).statistic,
                                                    abs=1e-12)
    custom = stats.top_percent_curve(reference, other, percents=np.array([50.0, 25.0]))
    assert [p.percent for p in custom] == [50.0, 25.0]
    assert custom[0].to_dict()["kendall"]["tau_b"] == pytest.approx(curve[5].kendall.tau_b)
