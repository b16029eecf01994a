#include "nasrank/common/error.h"
#include "store/store_internal.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

namespace nasrank::store {

using layout::ColumnInfo;
namespace runs = layout::runs;

// ---- Impl: index -------------------------------------------------------------

void ResultStore::Impl::write_index() {
  const auto& hashes = arch_hashes();
  const std::size_t count = file_rows;
  std::vector<std::pair<std::uint64_t, std::int64_t>> entries(count);
  for (std::size_t i = 0; i < count; ++i) entries[i] = {hashes[i], static_cast<std::int64_t>(i)};
  std::sort(entries.begin(), entries.end());
  std::vector<std::uint64_t> sorted(count);
  std::vector<std::int64_t> positions(count);
  for (std::size_t i = 0; i < count; ++i) {
    sorted[i] = entries[i].first;
    positions[i] = entries[i].second;
  }
  h5::Column& hash_column = column(kIndex, layout::index::sorted_hash);
  hash_column.resize(count);
  hash_column.write(0, sorted);
  h5::Column& row_column = column(kIndex, layout::index::rows);
  row_column.resize(count);
  row_column.write(0, positions);
}

namespace {

// Where the entries equal to `hash` lie in the sorted index, [first, first +
// count), if `window` (entries begin.. of `rows`) shows the whole run: it
// must start at entry 0 or with a smaller hash and end at the last entry or
// with a larger one.
std::optional<std::pair<std::size_t, std::size_t>> run_in_window(const std::vector<std::uint64_t>& window,
                                                                 std::size_t begin, std::size_t rows,
                                                                 std::uint64_t hash) {
  if (window.empty()) return std::nullopt;
  const bool starts_before = begin == 0 || window.front() < hash;
  const bool ends_after = begin + window.size() == rows || window.back() > hash;
  if (!starts_before || !ends_after) return std::nullopt;
  const auto [low, high] = std::equal_range(window.begin(), window.end(), hash);
  return std::make_pair(begin + static_cast<std::size_t>(low - window.begin()), static_cast<std::size_t>(high - low));
}

}  // namespace

std::vector<std::size_t> ResultStore::Impl::rows_with_hash(std::uint64_t hash) {
  const std::size_t indexed = file_rows;
  if (indexed == 0) return {};
  h5::Column& sorted = column(kIndex, layout::index::sorted_hash);
  // FNV-1a hashes spread evenly over 64 bits, so the entries equal to `hash`
  // sit within a few sqrt(rows) of position rows * hash / 2^64 (at most 810
  // entries away in the 109,426-run import of all NAS-Bench-201 exports):
  // one read of a window around there nearly always holds the whole run.
  const double position = static_cast<double>(hash) / 18446744073709551616.0 * static_cast<double>(indexed);
  const auto half_width = 256 + static_cast<std::size_t>(3 * std::sqrt(static_cast<double>(indexed)));
  const std::size_t center = std::min(indexed - 1, static_cast<std::size_t>(position));
  const std::size_t begin = center > half_width ? center - half_width : 0;
  const std::size_t end = std::min(indexed, center + half_width);
  auto run = run_in_window(sorted.read_range<std::uint64_t>(begin, end - begin), begin, indexed, hash);
  if (!run) {
    // A run longer than the window, or one far from its estimate: every
    // kStride-th sorted hash narrows the search to a window, then the window
    // itself; entries equal to `hash` lie in
    // [stride * (first sample >= hash, minus one), stride * (first sample > hash)).
    constexpr std::size_t kStride = 1024;
    const std::size_t samples = (indexed + kStride - 1) / kStride;
    const auto sample = sorted.read_strided<std::uint64_t>(0, kStride, samples);
    const auto at_least =
        static_cast<std::size_t>(std::lower_bound(sample.begin(), sample.end(), hash) - sample.begin());
    const auto above = static_cast<std::size_t>(std::upper_bound(sample.begin(), sample.end(), hash) - sample.begin());
    const std::size_t window_first = (at_least == 0 ? 0 : at_least - 1) * kStride;
    const std::size_t window_end = std::min(indexed, above * kStride);
    if (window_end <= window_first) return {};
    const auto window = sorted.read_range<std::uint64_t>(window_first, window_end - window_first);
    const auto [low, high] = std::equal_range(window.begin(), window.end(), hash);
    run = std::make_pair(window_first + static_cast<std::size_t>(low - window.begin()),
                         static_cast<std::size_t>(high - low));
  }
  const auto [first, count] = *run;
  std::vector<std::size_t> found;
  if (count == 0) return found;
  for (std::int64_t row : open_column(kIndex, layout::index::rows).read_range<std::int64_t>(first, count)) {
    if (row < 0 || static_cast<std::size_t>(row) >= indexed)
      throw InputError(where(kIndex + "/row") + ": row " + std::to_string(row) + " out of range (damaged store)");
    found.push_back(static_cast<std::size_t>(row));
  }
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace nasrank::store
