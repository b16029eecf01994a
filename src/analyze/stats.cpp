#include "nasrank/analyze/stats.h"

#include "analyze/rank_core.h"
#include "analyze/validate.h"
#include "nasrank/common/error.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <string>

namespace nasrank::analyze {
namespace {

// Indices from best (highest value) to worst; equal values keep index order.
std::vector<std::size_t> best_first(const std::vector<double>& values) {
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&values](std::size_t a, std::size_t b) {
    if (values[a] != values[b]) return values[a] > values[b];
    return a < b;
  });
  return order;
}

// Pairs i < j of the ascending `sorted` whose computed gap sorted[j] -
// sorted[i] satisfies `within(gap)`, which must be monotone (true up to some
// gap, false beyond). Floating subtraction is monotone in each operand, so
// the first failing j never moves left as i grows: one O(n) sweep, and the
// count agrees exactly with a pair-by-pair loop using the same subtraction.
template <typename Within>
std::uint64_t count_pairs_within(const std::vector<double>& sorted, Within within) {
  const std::size_t n = sorted.size();
  std::uint64_t total = 0;
  std::size_t j = 0;
  for (std::size_t i = 0; i < n; ++i) {
    j = std::max(j, i + 1);
    while (j < n && within(sorted[j] - sorted[i])) ++j;
    total += j - i - 1;
  }
  return total;
}

std::uint64_t count_gaps_below(const std::vector<double>& sorted, double limit) {
  return count_pairs_within(sorted, [limit](double gap) { return gap < limit; });
}

std::uint64_t count_gaps_at_most(const std::vector<double>& sorted, double limit) {
  return count_pairs_within(sorted, [limit](double gap) { return gap <= limit; });
}

std::uint64_t bits_of(double value) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

double double_from_bits(std::uint64_t bits) {
  double value = 0.0;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

// The rank-th smallest gap (0-based). Non-negative doubles order like their
// bit patterns, so bisecting the bits between 0 and the largest gap finds the
// smallest double t with count(gap <= t) > rank, which is a gap itself:
// at most 64 O(n) counts, exact, no sampling.
double gap_order_statistic(const std::vector<double>& sorted, std::uint64_t rank) {
  std::uint64_t low = bits_of(0.0);
  std::uint64_t high = bits_of(sorted.back() - sorted.front());
  while (low < high) {
    const std::uint64_t mid = low + (high - low) / 2;
    if (count_gaps_at_most(sorted, double_from_bits(mid)) > rank) {
      high = mid;
    } else {
      low = mid + 1;
    }
  }
  return double_from_bits(low);
}

// numpy.quantile's linear interpolation over the (implicit) sorted gaps.
double gap_quantile(const std::vector<double>& sorted, std::uint64_t pairs, double q) {
  const double position = q * static_cast<double>(pairs - 1);
  const auto below = static_cast<std::uint64_t>(std::floor(position));
  const double fraction = position - static_cast<double>(below);
  const double lower = gap_order_statistic(sorted, below);
  if (fraction == 0.0 || below + 1 >= pairs) return lower;
  const double upper = gap_order_statistic(sorted, below + 1);
  return lower + fraction * (upper - lower);
}

std::size_t top_count(double percent, std::size_t n) {
  // percent * n is exact for integer percents below 2^53 / n, and the one
  // rounding of the division cannot carry a non-integer quotient to an
  // integer, so the ceiling is exact.
  const double scaled = std::ceil(percent * static_cast<double>(n) / 100.0);
  const auto count = static_cast<std::size_t>(scaled);
  return std::min(n, std::max<std::size_t>(2, count));
}

}  // namespace

KendallResult kendall_tau_b(const std::vector<double>& x, const std::vector<double>& y) {
  detail::require_paired("kendall_tau_b", "x", x, "y", y);
  detail::RankScratch scratch;
  return detail::kendall_core(x.data(), y.data(), x.size(), scratch);
}

double spearman_rho(const std::vector<double>& x, const std::vector<double>& y) {
  detail::require_paired("spearman_rho", "x", x, "y", y);
  detail::RankScratch scratch;
  return detail::spearman_core(x.data(), y.data(), x.size(), scratch);
}

double pearson_r(const std::vector<double>& x, const std::vector<double>& y) {
  detail::require_paired("pearson_r", "x", x, "y", y);
  return detail::pearson_core(x.data(), y.data(), x.size());
}

std::vector<double> average_ranks(const std::vector<double>& values) {
  detail::require_finite("average_ranks", "values", values);
  std::vector<double> ranks(values.size());
  detail::RankScratch scratch;
  detail::average_ranks_core(values.data(), values.size(), ranks.data(), scratch);
  return ranks;
}

TopKOverlap top_k_overlap(const std::vector<double>& a, const std::vector<double>& b, std::size_t k) {
  detail::require_paired("top_k_overlap", "a", a, "b", b);
  const std::size_t n = a.size();
  if (k < 1 || k > n) {
    throw InputError("top_k_overlap: k = " + std::to_string(k) + " is outside 1.." + std::to_string(n) +
                     " (the number of pairs)");
  }
  const std::vector<std::size_t> order_a = best_first(a);
  const std::vector<std::size_t> order_b = best_first(b);
  std::vector<bool> in_top_a(n, false);
  for (std::size_t i = 0; i < k; ++i) in_top_a[order_a[i]] = true;
  TopKOverlap overlap;
  overlap.k = k;
  overlap.n = n;
  for (std::size_t i = 0; i < k; ++i) overlap.shared += in_top_a[order_b[i]] ? 1 : 0;
  overlap.fraction = static_cast<double>(overlap.shared) / static_cast<double>(k);
  return overlap;
}

std::vector<double> default_top_percents() { return {100, 90, 80, 70, 60, 50, 40, 30, 20, 10, 5, 1}; }

std::vector<TopPercentPoint> top_percent_kendall(const std::vector<double>& reference, const std::vector<double>& other,
                                                 const std::vector<double>& percents) {
  detail::require_paired("top_percent_kendall", "reference", reference, "other", other);
  detail::require_valid_percents("top_percent_kendall", percents);
  const std::size_t n = reference.size();
  const std::vector<std::size_t> order = best_first(reference);
  detail::RankScratch scratch;
  std::vector<double> subset_reference;
  std::vector<double> subset_other;
  std::vector<TopPercentPoint> curve;
  curve.reserve(percents.size());
  for (const double percent : percents) {
    TopPercentPoint point;
    point.percent = percent;
    point.nominal_count = top_count(percent, n);
    // Which of several tied architectures would fall inside the cut is an
    // accident of their order; keeping all of them makes the subset a
    // function of the values alone.
    std::size_t count = point.nominal_count;
    const double last_inside = reference[order[count - 1]];
    while (count < n && reference[order[count]] == last_inside) ++count;
    point.count = count;
    subset_reference.resize(count);
    subset_other.resize(count);
    for (std::size_t i = 0; i < count; ++i) {
      subset_reference[i] = reference[order[i]];
      subset_other[i] = other[order[i]];
    }
    point.kendall = detail::kendall_core(subset_reference.data(), subset_other.data(), count, scratch);
    curve.push_back(point);
  }
  return curve;
}

std::vector<TopPercentPoint> top_percent_curve(const std::vector<double>& reference, const std::vector<double>& other,
                                               const AnalysisOptions& options) {
  detail::require_valid("top_percent_curve", options);
  std::vector<TopPercentPoint> curve = top_percent_kendall(reference, other, options.top_percents);
  const std::vector<std::size_t> order = best_first(reference);
  for (TopPercentPoint& point : curve) {
    point.supported = point.count >= options.min_n;
    if (!point.supported) continue;
    std::vector<double> subset_reference(point.count);
    std::vector<double> subset_other(point.count);
    for (std::size_t i = 0; i < point.count; ++i) {
      subset_reference[i] = reference[order[i]];
      subset_other[i] = other[order[i]];
    }
    point.tau_b_interval = correlate(subset_reference, subset_other, options.bootstrap).tau_b_interval;
  }
  return curve;
}

AccuracyChange accuracy_change(const std::vector<double>& before, const std::vector<double>& after) {
  detail::require_paired("accuracy_change", "before", before, "after", after);
  const std::size_t n = before.size();
  std::vector<double> change(n);
  long double sum = 0.0L;
  AccuracyChange summary;
  summary.n = n;
  for (std::size_t i = 0; i < n; ++i) {
    change[i] = after[i] - before[i];
    sum += change[i];
    if (change[i] > 0.0) {
      ++summary.improved;
    } else if (change[i] < 0.0) {
      ++summary.worsened;
    } else {
      ++summary.unchanged;
    }
  }
  summary.mean = static_cast<double>(sum / static_cast<long double>(n));
  std::sort(change.begin(), change.end());
  summary.median = detail::quantile_of_sorted(change, 0.5);
  summary.min = change.front();
  summary.max = change.back();
  return summary;
}

std::vector<double> default_gap_edges() { return {0, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 50, 100}; }

GapDistribution pairwise_gaps(const std::vector<double>& values, const std::vector<double>& edges) {
  detail::require_sample("pairwise_gaps", "values", values);
  detail::require_valid_edges("pairwise_gaps", edges);
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  const std::size_t n = sorted.size();

  GapDistribution gaps;
  gaps.pairs = static_cast<std::uint64_t>(n) * (n - 1) / 2;
  gaps.edges = edges;
  gaps.counts.resize(edges.size() - 1);
  std::vector<std::uint64_t> below_edge(edges.size());
  for (std::size_t e = 0; e < edges.size(); ++e) below_edge[e] = count_gaps_below(sorted, edges[e]);
  const std::uint64_t up_to_last_edge = count_gaps_at_most(sorted, edges.back());
  for (std::size_t bin = 0; bin + 1 < edges.size(); ++bin) {
    const bool last = bin + 2 == edges.size();
    gaps.counts[bin] = (last ? up_to_last_edge : below_edge[bin + 1]) - below_edge[bin];
  }
  gaps.below_first_edge = below_edge.front();
  gaps.above_last_edge = gaps.pairs - up_to_last_edge;

  // sum_{i<j} (v_j - v_i) = sum_j v_j (2j - (n-1)) over the ascending order;
  // shifting by v_0 first keeps the terms small.
  long double sum = 0.0L;
  for (std::size_t j = 0; j < n; ++j) {
    const long double weight = 2.0L * static_cast<long double>(j) - static_cast<long double>(n - 1);
    sum += weight * (static_cast<long double>(sorted[j]) - static_cast<long double>(sorted[0]));
  }
  gaps.mean = static_cast<double>(sum / static_cast<long double>(gaps.pairs));
  gaps.q25 = gap_quantile(sorted, gaps.pairs, 0.25);
  gaps.median = gap_quantile(sorted, gaps.pairs, 0.5);
  gaps.q75 = gap_quantile(sorted, gaps.pairs, 0.75);
  gaps.max = sorted.back() - sorted.front();
  return gaps;
}

std::vector<RankMove> largest_rank_moves(const std::vector<double>& a, const std::vector<double>& b,
                                         std::size_t count) {
  detail::require_paired("largest_rank_moves", "a", a, "b", b);
  const std::size_t n = a.size();
  std::vector<double> ascending_a(n);
  std::vector<double> ascending_b(n);
  detail::RankScratch scratch;
  detail::average_ranks_core(a.data(), n, ascending_a.data(), scratch);
  detail::average_ranks_core(b.data(), n, ascending_b.data(), scratch);

  std::vector<RankMove> moves(n);
  const double reversal = static_cast<double>(n) + 1.0;  // average ranks reverse exactly
  for (std::size_t i = 0; i < n; ++i) {
    RankMove& move = moves[i];
    move.index = i;
    move.value_a = a[i];
    move.value_b = b[i];
    move.rank_a = reversal - ascending_a[i];
    move.rank_b = reversal - ascending_b[i];
    move.move = move.rank_a - move.rank_b;
  }
  const std::size_t kept = std::min(count, n);
  std::partial_sort(moves.begin(), moves.begin() + static_cast<std::ptrdiff_t>(kept), moves.end(),
                    [](const RankMove& x, const RankMove& y) {
                      const double size_x = std::abs(x.move);
                      const double size_y = std::abs(y.move);
                      if (size_x != size_y) return size_x > size_y;
                      return x.index < y.index;
                    });
  moves.resize(kept);
  return moves;
}

RankingComparison compare_rankings(const std::vector<double>& reference, const std::vector<double>& candidate,
                                   const AnalysisOptions& options) {
  detail::require_paired("compare_rankings", "reference", reference, "candidate", candidate);
  detail::require_valid("compare_rankings", options);
  const std::size_t n = reference.size();
  RankingComparison comparison;
  comparison.n = n;
  comparison.supported = n >= options.min_n;
  comparison.change = accuracy_change(reference, candidate);
  comparison.reference_gaps = pairwise_gaps(reference, options.gap_edges);
  comparison.candidate_gaps = pairwise_gaps(candidate, options.gap_edges);
  comparison.rank_moves = largest_rank_moves(reference, candidate, options.rank_moves);
  comparison.top_k.k = options.top_k;
  comparison.top_k.n = n;
  comparison.top_k.supported = n >= 2 * options.top_k;
  if (comparison.top_k.supported) comparison.top_k = top_k_overlap(reference, candidate, options.top_k);
  comparison.top_k.n = n;
  if (!comparison.supported) {
    // Below the minimum no rank statistic is computed at all, so none can be
    // printed by mistake; the curve still lists every point with its count.
    comparison.correlation.n = n;
    comparison.correlation.supported = false;
    comparison.correlation.bootstrap = options.bootstrap;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    comparison.correlation.kendall.n = n;
    comparison.correlation.kendall.tau_b = comparison.correlation.kendall.p_value = nan;
    comparison.correlation.spearman_rho = comparison.correlation.pearson_r = nan;
    comparison.correlation.tau_b_interval = comparison.correlation.rho_interval = {nan, nan};
    comparison.top_percent_curve = top_percent_kendall(reference, candidate, options.top_percents);
    for (TopPercentPoint& point : comparison.top_percent_curve) {
      point.supported = false;
      point.kendall.tau_b = point.kendall.p_value = nan;
    }
    return comparison;
  }
  comparison.correlation = correlate(reference, candidate, options.bootstrap);
  comparison.top_percent_curve = top_percent_curve(reference, candidate, options);
  return comparison;
}

}  // namespace nasrank::analyze
