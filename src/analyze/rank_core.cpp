#include "analyze/rank_core.h"

#include "nasrank/common/error.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

namespace nasrank::analyze::detail {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Sums over groups of tied values of sizes t, in the forms Kendall's
// tie-corrected variance needs.
struct TieSums {
  std::int64_t pairs = 0;      // sum t(t-1)/2
  double cubic = 0.0;          // sum t(t-1)(t-2)
  double variance_term = 0.0;  // sum t(t-1)(2t+5)

  void add_group(std::size_t size) {
    if (size < 2) return;
    const auto t = static_cast<std::int64_t>(size);
    pairs += t * (t - 1) / 2;
    const double td = static_cast<double>(size);
    cubic += td * (td - 1.0) * (td - 2.0);
    variance_term += td * (td - 1.0) * (2.0 * td + 5.0);
  }
};

// Exact two-sided p-value of Kendall's statistic without ties: the number of
// discordant pairs of a random permutation of n items has the Mahonian
// distribution (permutations with k inversions), which is symmetric, so
// p = 2 P(S <= c) with c = min(discordant, concordant). Built item by item:
// adding item j adds 0..j-1 inversions with equal probability 1/j. Only
// k <= c is needed, so this is O(n c).
double exact_kendall_p_value(std::size_t n, std::int64_t c) {
  const auto limit = static_cast<std::size_t>(c);
  std::vector<long double> probability(limit + 1, 0.0L);
  std::vector<long double> next(limit + 1, 0.0L);
  probability[0] = 1.0L;
  for (std::size_t items = 2; items <= n; ++items) {
    long double window = 0.0L;  // sum of probability[k - items + 1 .. k]
    for (std::size_t k = 0; k <= limit; ++k) {
      window += probability[k];
      if (k >= items) window -= probability[k - items];
      next[k] = window / static_cast<long double>(items);
    }
    probability.swap(next);
  }
  long double tail = 0.0L;
  for (const long double p : probability) tail += p;
  return static_cast<double>(std::min(1.0L, 2.0L * tail));
}

// Normal approximation with the tie-corrected variance of (C - D)
// (Kendall, Rank Correlation Methods, 1970; the form scipy uses too):
//   var = [n(n-1)(2n+5) - sum_x t(t-1)(2t+5) - sum_y u(u-1)(2u+5)] / 18
//       + [sum_x t(t-1)(t-2)] [sum_y u(u-1)(u-2)] / (9 n(n-1)(n-2))
//       + [sum_x t(t-1)] [sum_y u(u-1)] / (2 n(n-1))
double asymptotic_kendall_p_value(std::size_t n, double concordant_minus_discordant, const TieSums& x_ties,
                                  const TieSums& y_ties) {
  const double nd = static_cast<double>(n);
  const double m = nd * (nd - 1.0);
  double variance = (m * (2.0 * nd + 5.0) - x_ties.variance_term - y_ties.variance_term) / 18.0 +
                    2.0 * static_cast<double>(x_ties.pairs) * static_cast<double>(y_ties.pairs) / m;
  if (n > 2) variance += x_ties.cubic * y_ties.cubic / (9.0 * m * (nd - 2.0));
  const double z = concordant_minus_discordant / std::sqrt(variance);
  return std::erfc(std::abs(z) / std::sqrt(2.0));
}

bool is_constant(const double* values, std::size_t n) {
  return std::all_of(values, values + n, [first = values[0]](double v) { return v == first; });
}

}  // namespace

std::uint64_t order_key(double value) {
  if (value == 0.0) value = 0.0;  // one key for -0.0 and 0.0
  std::uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  // IEEE-754: positive doubles order like their bits; negative ones order
  // reversed and below all positives.
  constexpr std::uint64_t kSign = std::uint64_t{1} << 63;
  return (bits & kSign) ? ~bits : bits | kSign;
}

void sort_by_key(ScratchVector<KeyedIndex>& records, ScratchVector<KeyedIndex>& buffer) {
  const std::size_t n = records.size();
  const auto by_key = [](const KeyedIndex& a, const KeyedIndex& b) { return a.key < b.key; };
  // Below this size the histograms cost more than comparing.
  constexpr std::size_t kRadixMinimum = 1024;
  if (n < kRadixMinimum) {
    std::stable_sort(records.begin(), records.end(), by_key);
    return;
  }
  constexpr int kDigitBits = 11;
  constexpr std::size_t kBuckets = std::size_t{1} << kDigitBits;
  constexpr std::uint64_t kMask = kBuckets - 1;
  constexpr int kDigits = (64 + kDigitBits - 1) / kDigitBits;

  std::vector<std::size_t> counts(kDigits * kBuckets, 0);
  for (const KeyedIndex& record : records) {
    for (int d = 0; d < kDigits; ++d) ++counts[d * kBuckets + ((record.key >> (d * kDigitBits)) & kMask)];
  }
  buffer.resize(n);
  KeyedIndex* source = records.data();
  KeyedIndex* target = buffer.data();
  for (int d = 0; d < kDigits; ++d) {
    std::size_t* count = counts.data() + d * kBuckets;
    const int shift = d * kDigitBits;
    if (count[(source[0].key >> shift) & kMask] == n) continue;  // this digit is the same everywhere
    std::size_t offset = 0;
    for (std::size_t b = 0; b < kBuckets; ++b) {
      const std::size_t size = count[b];
      count[b] = offset;
      offset += size;
    }
    for (std::size_t k = 0; k < n; ++k) target[count[(source[k].key >> shift) & kMask]++] = source[k];
    std::swap(source, target);
  }
  if (source != records.data()) records.swap(buffer);
}

// Knight's O(n log n) Kendall tau-b.
//
// Over the n0 = n(n-1)/2 pairs, let n1 = pairs tied in x, n2 = pairs tied in
// y, n3 = pairs tied in both. A pair is either tied in x or y, or untied in
// both and then concordant (C) or discordant (D); by inclusion-exclusion
//   C + D = n0 - n1 - n2 + n3.
// Sort the pairs by x, then by y among equal x. For i < j in that order:
// x_i < x_j, or x_i = x_j and y_i <= y_j. So a strict inversion of the y
// sequence (y_i > y_j) is exactly a pair with x_i < x_j and y_i > y_j, i.e.
// a discordant pair, and counting strict inversions (Knight counts them as
// the swaps of a merge sort) gives D. Hence
//   C - D = n0 - n1 - n2 + n3 - 2 D
//   tau_b = (C - D) / sqrt((n0 - n1) (n0 - n2)).
//
// Done here as: one stable sort by y, which yields the y ties and replaces
// each y by its dense rank 0..d-1; a second stable sort of that order by x,
// which yields the (x, y) order, the x ties and the joint ties; then the
// strict inversions of the dense y ranks in that order. Both sorts are radix
// sorts on integer keys. The inversions are counted with a Fenwick tree over
// the d ranks rather than Knight's merge sort: same count, O(n log d), and
// measured faster on 1M pairs (24 ms vs 75 ms for d = 10^4, 70 vs 80 ms for
// d = 10^6): the merge's data-dependent choice per element is latency-bound.
KendallResult kendall_core(const double* x, const double* y, std::size_t n, RankScratch& scratch) {
  NASRANK_CHECK(n >= 2 && n <= std::numeric_limits<std::uint32_t>::max(), "kendall_core: n = " + std::to_string(n));
  auto& records = scratch.records;
  records.resize(n);
  for (std::size_t i = 0; i < n; ++i) records[i] = {order_key(y[i]), i};
  sort_by_key(records, scratch.record_buffer);

  auto& dense_y = scratch.dense_ranks;
  dense_y.resize(n);
  TieSums y_ties;
  std::uint32_t rank = 0;
  std::size_t y_run = 1;
  dense_y[records[0].index] = 0;
  for (std::size_t k = 1; k < n; ++k) {
    if (records[k].key == records[k - 1].key) {
      ++y_run;
    } else {
      y_ties.add_group(y_run);
      y_run = 1;
      ++rank;
    }
    dense_y[records[k].index] = rank;
  }
  y_ties.add_group(y_run);

  for (auto& record : records) record.key = order_key(x[record.index]);
  sort_by_key(records, scratch.record_buffer);

  const std::uint32_t distinct_y = rank + 1;
  auto& sequence = scratch.sequence;
  sequence.resize(n);
  for (std::size_t k = 0; k < n; ++k) sequence[k] = dense_y[records[k].index];
  TieSums x_ties;
  TieSums joint_ties;
  std::size_t x_run = 1;
  std::size_t joint_run = 1;
  for (std::size_t k = 1; k < n; ++k) {
    if (records[k].key == records[k - 1].key) {
      ++x_run;
      if (sequence[k] == sequence[k - 1]) {
        ++joint_run;
      } else {
        joint_ties.add_group(joint_run);
        joint_run = 1;
      }
    } else {
      x_ties.add_group(x_run);
      joint_ties.add_group(joint_run);
      x_run = 1;
      joint_run = 1;
    }
  }
  x_ties.add_group(x_run);
  joint_ties.add_group(joint_run);

  const std::int64_t discordant = count_strict_inversions(sequence, distinct_y, scratch.fenwick);

  const auto nn = static_cast<std::int64_t>(n);
  const std::int64_t total = nn * (nn - 1) / 2;
  KendallResult result;
  result.n = n;
  result.tied_x = x_ties.pairs;
  result.tied_y = y_ties.pairs;
  result.tied_both = joint_ties.pairs;
  result.discordant = discordant;
  result.concordant = total - x_ties.pairs - y_ties.pairs + joint_ties.pairs - discordant;
  if (x_ties.pairs == total || y_ties.pairs == total) {
    result.tau_b = kNaN;
    result.p_value = kNaN;
    return result;
  }
  const std::int64_t concordant_minus_discordant = result.concordant - discordant;
  const double tau = static_cast<double>(concordant_minus_discordant) /
                     std::sqrt(static_cast<double>(total - x_ties.pairs)) /
                     std::sqrt(static_cast<double>(total - y_ties.pairs));
  result.tau_b = std::clamp(tau, -1.0, 1.0);

  const bool untied = x_ties.pairs == 0 && y_ties.pairs == 0;
  if (untied && (n <= 33 || std::min(discordant, result.concordant) <= 1)) {
    result.p_value = exact_kendall_p_value(n, std::min(discordant, result.concordant));
  } else {
    result.p_value = asymptotic_kendall_p_value(n, static_cast<double>(concordant_minus_discordant), x_ties, y_ties);
  }
  return result;
}

void average_ranks_core(const double* values, std::size_t n, double* ranks, RankScratch& scratch) {
  auto& records = scratch.records;
  records.resize(n);
  for (std::size_t i = 0; i < n; ++i) records[i] = {order_key(values[i]), i};
  sort_by_key(records, scratch.record_buffer);
  std::size_t start = 0;
  while (start < n) {
    std::size_t end = start + 1;
    while (end < n && records[end].key == records[start].key) ++end;
    // Positions start..end-1 hold ranks start+1..end; they share the mean.
    const double rank = 0.5 * static_cast<double>(start + 1 + end);
    for (std::size_t k = start; k < end; ++k) ranks[records[k].index] = rank;
    start = end;
  }
}

double pearson_core(const double* x, const double* y, std::size_t n) {
  // An exact test: a constant vector's computed mean can differ from its value
  // in the last bit, which would leave a tiny non-zero spread.
  if (is_constant(x, n) || is_constant(y, n)) return kNaN;
  double sum_x = 0.0;
  double sum_y = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    sum_x += x[i];
    sum_y += y[i];
  }
  const double mean_x = sum_x / static_cast<double>(n);
  const double mean_y = sum_y / static_cast<double>(n);
  double sxx = 0.0;
  double syy = 0.0;
  double sxy = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double dx = x[i] - mean_x;
    const double dy = y[i] - mean_y;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  return std::clamp(sxy / (std::sqrt(sxx) * std::sqrt(syy)), -1.0, 1.0);
}

double spearman_core(const double* x, const double* y, std::size_t n, RankScratch& scratch) {
  scratch.ranks_x.resize(n);
  scratch.ranks_y.resize(n);
  average_ranks_core(x, n, scratch.ranks_x.data(), scratch);
  average_ranks_core(y, n, scratch.ranks_y.data(), scratch);
  return pearson_core(scratch.ranks_x.data(), scratch.ranks_y.data(), n);
}

std::int64_t count_strict_inversions(const ScratchVector<std::uint32_t>& sequence, std::uint32_t distinct,
                                     ScratchVector<std::uint32_t>& tree) {
  // tree[i] counts the values seen so far in a Fenwick range ending at i
  // (1-based value + 1).
  tree.assign(static_cast<std::size_t>(distinct) + 1, 0);
  std::int64_t inversions = 0;
  for (std::size_t j = 0; j < sequence.size(); ++j) {
    const std::size_t position = static_cast<std::size_t>(sequence[j]) + 1;
    std::int64_t at_most = 0;  // earlier values <= sequence[j]
    for (std::size_t i = position; i > 0; i -= i & (~i + 1)) at_most += tree[i];
    inversions += static_cast<std::int64_t>(j) - at_most;
    for (std::size_t i = position; i <= distinct; i += i & (~i + 1)) ++tree[i];
  }
  return inversions;
}

double quantile_of_sorted(const std::vector<double>& sorted, double q) {
  const double position = q * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(position));
  if (below + 1 >= sorted.size()) return sorted.back();
  const double fraction = position - static_cast<double>(below);
  if (fraction == 0.0) return sorted[below];
  return sorted[below] + fraction * (sorted[below + 1] - sorted[below]);
}

}  // namespace nasrank::analyze::detail
