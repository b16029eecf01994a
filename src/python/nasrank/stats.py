"""Ranking statistics on paired arrays (numpy arrays, lists, pandas Series).

Element i of both inputs belongs to the same architecture. NaN or infinite
values raise ValueError naming the position (a NaN accuracy is a failed run;
drop it explicitly); a constant input gives NaN correlations, as scipy does.
The numbers match scipy.stats (kendalltau's tau-b and p-value, spearmanr,
pearsonr) and are the ones ``nasrank compare`` reports.
"""
from __future__ import annotations

TYPE_CHECKING = False  # `import typing` alone costs more than the rest of the package

from . import _core
from ._core import KendallResult, TopKOverlap, TopPercentPoint

if TYPE_CHECKING:
    from typing import List, Optional, Sequence

__all__ = [
    "KendallResult",
    "TopKOverlap",
    "TopPercentPoint",
    "kendall_tau_b",
    "pearson_r",
    "spearman_rho",
    "top_k_overlap",
    "top_percent_curve",
]


def kendall_tau_b(x: Sequence[float], y: Sequence[float]) -> KendallResult:
    """Kendall's tau-b in O(n log n), with scipy.stats.kendalltau's p-value
    (exact without ties for small n, else the tie-corrected normal
    approximation) and the concordant / discordant / tied pair counts.
    ``result.statistic`` and ``result.pvalue`` are scipy's names."""
    return _core.kendall_tau_b(x, y)


def spearman_rho(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rho: Pearson's r of the average ranks (scipy.stats.spearmanr)."""
    return _core.spearman_rho(x, y)


def pearson_r(x: Sequence[float], y: Sequence[float]) -> float:
    """Pearson's r (scipy.stats.pearsonr's statistic)."""
    return _core.pearson_r(x, y)


def top_k_overlap(a: Sequence[float], b: Sequence[float], k: int) -> TopKOverlap:
    """How many of the k highest values of ``a`` are among the k highest of
    ``b`` (ties at the boundary broken by lower position); 1 <= k <= n."""
    return _core.top_k_overlap(a, b, k)


def top_percent_curve(
    reference: Sequence[float], other: Sequence[float], percents: Optional[Sequence[float]] = None
) -> List[TopPercentPoint]:
    """The paper's curve: for each K in ``percents`` (default 100, 90, ..., 10,
    5, 1), Kendall's tau-b between ``reference`` and ``other`` on the
    max(2, ceil(K/100 * n)) architectures with the highest reference value."""
    return _core.top_percent_curve(reference, other, percents)
