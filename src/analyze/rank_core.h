#pragma once
// Unchecked kernels behind the public statistics. Callers validate once (sizes,
// finiteness, n >= 2); the bootstrap then calls these thousands of times on
// resamples without re-validating or re-allocating.
#include "analyze/scratch_allocator.h"
#include "nasrank/analyze/stats.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace nasrank::analyze::detail {

// A value's position in an ordering, as an unsigned key that sorts like the
// value, carried with the value's original index.
struct KeyedIndex {
  std::uint64_t key;
  std::uint64_t index;
};

// Buffers reused across calls; one per thread.
struct RankScratch {
  ScratchVector<KeyedIndex> records;
  ScratchVector<KeyedIndex> record_buffer;
  ScratchVector<std::uint32_t> dense_ranks;
  ScratchVector<std::uint32_t> sequence;
  ScratchVector<std::uint32_t> fenwick;
  ScratchVector<double> ranks_x;
  ScratchVector<double> ranks_y;
};

// An unsigned key with key(a) < key(b) iff a < b and key(a) == key(b) iff
// a == b, for all non-NaN doubles (so -0.0 and 0.0 share a key).
std::uint64_t order_key(double value);

// Stable sort of records by key: LSD radix sort on 11-bit digits (digits
// that are equal in every key are skipped), std::stable_sort for small n.
void sort_by_key(ScratchVector<KeyedIndex>& records, ScratchVector<KeyedIndex>& buffer);

KendallResult kendall_core(const double* x, const double* y, std::size_t n, RankScratch& scratch);

// Ascending average ranks 1..n written to ranks[0..n).
void average_ranks_core(const double* values, std::size_t n, double* ranks, RankScratch& scratch);

double pearson_core(const double* x, const double* y, std::size_t n);

double spearman_core(const double* x, const double* y, std::size_t n, RankScratch& scratch);

// The number of pairs i < j with sequence[i] > sequence[j] (equal values are
// not inversions), for values in 0..distinct-1.
std::int64_t count_strict_inversions(const ScratchVector<std::uint32_t>& sequence, std::uint32_t distinct,
                                     ScratchVector<std::uint32_t>& tree);

// numpy.quantile's default (linear interpolation between order statistics) on
// an ascending, non-empty vector; q in [0, 1].
double quantile_of_sorted(const std::vector<double>& sorted, double q);

}  // namespace nasrank::analyze::detail
