#pragma once
// Ranking statistics for comparing two trainings of the same architectures:
// rank correlations, top-k agreement, how accuracies and ranks moved, and
// seeded bootstrap uncertainty. Plain C++; no LibTorch, no HDF5.
//
// Inputs are PAIRED vectors: element i of both vectors belongs to the same
// architecture. Pairing by architecture key is the caller's job;
// match_by_key() below does it for keyed maps and orders the pairs by key, so
// "lower index" in a tie-break means "smaller key".
//
// Non-finite values: every statistic REJECTS NaN and +-inf with InputError
// naming the vector and position. A NaN accuracy means a failed run, and a
// silently shortened ranking would misstate n; match_by_key() is the one place
// that drops such pairs, and it counts them so the caller can report it.
// Fewer than two pairs, or vectors of different lengths: InputError.
// A constant vector makes a correlation undefined: it is returned as NaN (as
// scipy does), not thrown, so that one degenerate subset does not abort a
// whole report.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <map>
#include <random>
#include <vector>

namespace nasrank::analyze {

// ---------------------------------------------------------------- correlation

struct KendallResult {
  std::size_t n = 0;
  double tau_b = 0.0;  // NaN when either vector is constant
  // Two-sided p-value against independence, chosen as scipy.stats.kendalltau's
  // method='auto' does: exact null distribution when neither vector has ties
  // and (n <= 33 or at most one pair is discordant/concordant), otherwise the
  // normal approximation with the tie-corrected variance.
  double p_value = 0.0;
  // Pair counts over all n(n-1)/2 pairs. A pair tied in both vectors is in
  // all three tie counts.
  std::int64_t concordant = 0;
  std::int64_t discordant = 0;
  std::int64_t tied_x = 0;
  std::int64_t tied_y = 0;
  std::int64_t tied_both = 0;
};

// Kendall's tau-b in O(n log n): Knight's (1966) algorithm, with radix sorts
// and a Fenwick-tree count of the discordant pairs (derivation in
// src/analyze/rank_core.cpp). Matches scipy.stats.kendalltau(x, y)
// (variant 'b') to 1e-12.
KendallResult kendall_tau_b(const std::vector<double>& x, const std::vector<double>& y);

// Spearman's rho: Pearson's r of the average ranks (ties share the mean of
// the ranks they span); matches scipy.stats.spearmanr. NaN if a side is
// constant.
double spearman_rho(const std::vector<double>& x, const std::vector<double>& y);

// Pearson's r; matches scipy.stats.pearsonr's statistic. NaN if a side is
// constant.
double pearson_r(const std::vector<double>& x, const std::vector<double>& y);

// Ranks 1..n in ascending order of value, ties given their average rank
// (scipy.stats.rankdata's 'average').
std::vector<double> average_ranks(const std::vector<double>& values);

// ---------------------------------------------------- agreement among the best

struct Interval {
  double lower = 0.0;
  double upper = 0.0;
};

struct TopKOverlap {
  std::size_t k = 0;
  std::size_t shared = 0;  // |top-k(a) ∩ top-k(b)|
  double fraction = 0.0;   // shared / k
  std::size_t n = 0;       // architectures ranked
  // False when n < 2k: two top-k sets drawn from fewer than 2k architectures
  // must overlap, so the fraction says nothing (compare_rankings sets it).
  bool supported = true;
};

// Higher value = better. Ties at the top-k boundary are broken by lower index
// first, so the result is deterministic and, for match_by_key() output,
// independent of the order the runs were produced in. Requires 1 <= k <= n.
TopKOverlap top_k_overlap(const std::vector<double>& a, const std::vector<double>& b, std::size_t k);

// The paper's "Kendall tau within the top K%" curve.
struct TopPercentPoint {
  double percent = 0.0;
  std::size_t nominal_count = 0;  // max(2, ceil(K/100 * n))
  // Architectures in the subset: nominal_count plus every architecture tied
  // (in the reference value) with the last one inside the cut.
  std::size_t count = 0;
  KendallResult kendall;  // between reference and other on the subset
  // Percentile bootstrap interval of tau-b over the subset's pairs (NaN when
  // not computed or not supported).
  Interval tau_b_interval{std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
  // False when count < the minimum n (AnalysisOptions::min_n): the point is
  // not shown, the JSON holds null and the count.
  bool supported = true;
};

struct AnalysisOptions;

// 100, 90, ..., 10, 5, 1.
std::vector<double> default_top_percents();

// For each percent K: the max(2, ceil(K/100 * n)) architectures with the
// highest REFERENCE value, extended by every architecture whose reference
// value equals the last one inside the cut (so the subset never depends on
// how ties happen to be ordered, and may hold slightly more than K%), and
// Kendall tau-b between reference and other on them. The nominal count is
// computed as ceil(K * n / 100), which is exact for integer K (no
// 0.9 * 100 = 90.000001 surprise). Each percent must lie in (0, 100]. No
// intervals; every point is marked supported.
std::vector<TopPercentPoint> top_percent_kendall(const std::vector<double>& reference, const std::vector<double>& other,
                                                 const std::vector<double>& percents = default_top_percents());

// The same curve with the minimum-n rule (points with count < options.min_n
// are marked unsupported and get no interval) and a percentile bootstrap
// interval of tau-b per supported point (options.bootstrap; the subset is
// fixed by the reference ranking, its pairs are resampled).
std::vector<TopPercentPoint> top_percent_curve(const std::vector<double>& reference, const std::vector<double>& other,
                                               const AnalysisOptions& options);

// ----------------------------------------------------- how accuracies moved

// Statistics of after[i] - before[i].
struct AccuracyChange {
  std::size_t n = 0;
  double mean = 0.0;
  double median = 0.0;  // mean of the two middle values when n is even
  double min = 0.0;
  double max = 0.0;
  std::size_t improved = 0;   // after > before
  std::size_t worsened = 0;   // after < before
  std::size_t unchanged = 0;  // after == before
};
AccuracyChange accuracy_change(const std::vector<double>& before, const std::vector<double>& after);

// The distribution of |v_i - v_j| over all n(n-1)/2 pairs i < j of ONE
// vector, computed exactly (no sampling) in O(n log n + n * (bins + 384)):
// counts below a threshold by a two-pointer sweep over the sorted values,
// order statistics by bisection over the bit patterns of non-negative
// doubles (at most 64 steps of one O(n) count each; the three quantiles
// need at most six order statistics). 15,625 values: ~40 ms; 10^6: ~0.6 s.
struct GapDistribution {
  std::uint64_t pairs = 0;
  // Bins [edges[i], edges[i+1]); the last bin also holds gaps equal to its
  // right edge (numpy.histogram's convention).
  std::vector<double> edges;
  std::vector<std::uint64_t> counts;  // edges.size() - 1 entries
  std::uint64_t below_first_edge = 0;
  std::uint64_t above_last_edge = 0;
  double mean = 0.0;
  // Quantiles with linear interpolation between order statistics
  // (numpy.quantile's default).
  double q25 = 0.0;
  double median = 0.0;
  double q75 = 0.0;
  double max = 0.0;
};

// Bin edges in accuracy POINTS (accuracies on a 0..100 scale, as the
// benchmark stores them): 0, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 50, 100.
std::vector<double> default_gap_edges();

// Edges must be finite and strictly increasing, at least two of them.
GapDistribution pairwise_gaps(const std::vector<double>& values,
                              const std::vector<double>& edges = default_gap_edges());

// One architecture's rank in both vectors. Rank 1 = highest value; tied
// values share their average rank, so ties never look like moves.
struct RankMove {
  std::size_t index = 0;
  double value_a = 0.0;
  double value_b = 0.0;
  double rank_a = 0.0;
  double rank_b = 0.0;
  double move = 0.0;  // rank_a - rank_b: positive = climbed in b
};

// The `count` architectures with the largest |move|, largest first, ties
// broken by lower index. count is clamped to n.
std::vector<RankMove> largest_rank_moves(const std::vector<double>& a, const std::vector<double>& b, std::size_t count);

// ------------------------------------------------------------- uncertainty

struct BootstrapOptions {
  std::size_t resamples = 1000;  // bootstrap replicates; >= 1
  double level = 0.95;           // central confidence level, in (0, 1)
  std::uint64_t seed = 0;        // same seed + same data = same interval
  std::size_t threads = 1;       // worker threads; never changes the result
};

// tau-b, rho and r of the paired vectors, with percentile bootstrap intervals
// for tau-b and rho (pairs resampled with replacement).
struct CorrelationSummary {
  std::size_t n = 0;
  KendallResult kendall;
  double spearman_rho = 0.0;
  double pearson_r = 0.0;
  Interval tau_b_interval;
  Interval rho_interval;
  // False when n < the minimum n (AnalysisOptions::min_n): the report shows
  // "n too small" instead of the numbers (compare_rankings sets it).
  bool supported = true;
  // Replicates where a resample was constant on one side (tau/rho undefined);
  // they are left out of the percentiles. NaN interval if all are.
  std::size_t degenerate_resamples = 0;
  BootstrapOptions bootstrap;
};

CorrelationSummary correlate(const std::vector<double>& a, const std::vector<double>& b,
                             const BootstrapOptions& bootstrap = {});

// The noise ceiling: the same summary between two seeds of ONE protocol (same
// architectures, same training recipe, different seeds). A ranking change is
// only meaningful where it falls below this agreement.
CorrelationSummary noise_ceiling(const std::vector<double>& seed_a, const std::vector<double>& seed_b,
                                 const BootstrapOptions& bootstrap = {});

// True when the change's tau-b interval lies entirely below the ceiling's.
// Non-overlap of two 95% intervals is a conservative test, and it is only
// meaningful when both summaries have the same noise per value; the report
// uses seed_noise_test() instead. NaN bounds -> false.
bool exceeds_seed_noise(const CorrelationSummary& change, const CorrelationSummary& ceiling);

// Does the ranking change exceed seed noise, comparing like with like?
// `half_a` and `half_b` are one protocol's values from two DISJOINT sets of
// h seeds each (each value the mean over its h seeds); `other` is the other
// protocol's value from h seeds as well (the caller says so when it cannot).
// Under "the protocols are the same", half_b and other are exchangeable, so
//   D = tau_b(half_a, half_b) - tau_b(half_a, other)
// is centred on 0. D is bootstrapped over architectures (the same resample
// for both taus) and the change exceeds seed noise when the lower bound of
// its central `level` interval is above 0: a one-sided test whose false-
// positive rate for identical protocols is (1 - level) / 2 (2.5% at 95%),
// up to the bootstrap's approximation (checked by simulation in the tests).
struct SeedNoiseTest {
  std::size_t n = 0;
  double ceiling_tau_b = 0.0;  // tau_b(half_a, half_b)
  double cross_tau_b = 0.0;    // tau_b(half_a, other)
  double difference = 0.0;     // ceiling - cross
  Interval difference_interval;
  double false_positive_rate = 0.0;  // (1 - level) / 2
  bool exceeds = false;              // difference_interval.lower > 0
  bool supported = true;             // false below the minimum n: never exceeds
  BootstrapOptions bootstrap;
};
SeedNoiseTest seed_noise_test(const std::vector<double>& half_a, const std::vector<double>& half_b,
                              const std::vector<double>& other, const BootstrapOptions& bootstrap = {});

// Uniform integer in [0, bound) from a 64-bit engine, by rejection of the
// incomplete top range. Spelled out because std::uniform_int_distribution is
// implementation-defined, and bootstrap intervals must not change with the
// standard library. bound >= 1.
std::uint64_t uniform_below(std::mt19937_64& engine, std::uint64_t bound);

// The resample indices of bootstrap replicate `replicate`: n draws of
// uniform_below(n) from an mt19937_64 seeded with a mix of (seed, replicate).
// Each replicate has its own stream, so threads cannot change the result.
std::vector<std::size_t> bootstrap_indices(std::uint64_t seed, std::size_t replicate, std::size_t n);

// ------------------------------------------------------- everything at once

struct AnalysisOptions {
  BootstrapOptions bootstrap;                                 // intervals for tau-b and rho
  std::vector<double> top_percents = default_top_percents();  // the top-K% curve
  std::size_t top_k = 10;                                     // top-k overlap (clamped to n)
  std::vector<double> gap_edges = default_gap_edges();        // pairwise-gap histogram
  std::size_t rank_moves = 20;                                // largest rank moves listed
  // Smallest n a rank statistic is shown for: tau/rho need n >= min_n, a
  // top-K% point needs >= min_n architectures; top-k overlap needs n >= 2k.
  // >= 2.
  std::size_t min_n = 8;
};

// Reference (e.g. the benchmark) against candidate (e.g. re-trained).
// Below options.min_n matched architectures no rank statistic is supported:
// `supported` is false, correlation/top_k/curve are left at n only, and the
// accuracy change is still computed.
struct RankingComparison {
  std::size_t n = 0;
  bool supported = true;  // n >= options.min_n
  CorrelationSummary correlation;
  TopKOverlap top_k;
  std::vector<TopPercentPoint> top_percent_curve;
  AccuracyChange change;  // candidate - reference
  GapDistribution reference_gaps;
  GapDistribution candidate_gaps;
  std::vector<RankMove> rank_moves;  // a = reference, b = candidate
};

RankingComparison compare_rankings(const std::vector<double>& reference, const std::vector<double>& candidate,
                                   const AnalysisOptions& options = {});

// ------------------------------------------------------------ pairing input

template <typename Key>
struct MatchedPairs {
  std::vector<Key> keys;  // ascending
  std::vector<double> a;
  std::vector<double> b;
  std::size_t only_in_a = 0;
  std::size_t only_in_b = 0;
  // Keys present on both sides where either value is NaN or infinite
  // (failed runs); not in keys/a/b.
  std::size_t dropped_non_finite = 0;
};

// Pairs the values of keys present in both maps, in ascending key order. Key
// is e.g. std::string (a canonical architecture string) or an integer
// benchmark index.
template <typename Key, typename Compare>
MatchedPairs<Key> match_by_key(const std::map<Key, double, Compare>& a, const std::map<Key, double, Compare>& b) {
  MatchedPairs<Key> matched;
  auto it_a = a.begin();
  auto it_b = b.begin();
  const Compare less = a.key_comp();
  while (it_a != a.end() && it_b != b.end()) {
    if (less(it_a->first, it_b->first)) {
      ++matched.only_in_a;
      ++it_a;
    } else if (less(it_b->first, it_a->first)) {
      ++matched.only_in_b;
      ++it_b;
    } else {
      if (std::isfinite(it_a->second) && std::isfinite(it_b->second)) {
        matched.keys.push_back(it_a->first);
        matched.a.push_back(it_a->second);
        matched.b.push_back(it_b->second);
      } else {
        ++matched.dropped_non_finite;
      }
      ++it_a;
      ++it_b;
    }
  }
  matched.only_in_a += static_cast<std::size_t>(std::distance(it_a, a.end()));
  matched.only_in_b += static_cast<std::size_t>(std::distance(it_b, b.end()));
  return matched;
}

}  // namespace nasrank::analyze
