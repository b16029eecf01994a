#include "store/store_internal.h"

#include <utility>

namespace nasrank::store {

using layout::ColumnInfo;
namespace runs = layout::runs;

// ---- Impl: caches ----------------------------------------------------------------

void ResultStore::Impl::clear_caches() {
  clear_file_caches();
  key_rows.reset();
}

void ResultStore::Impl::clear_file_caches() {
  hash_cache.reset();
  text_cache.clear();
  int_cache.clear();
  sources.reset();
}

const std::vector<std::uint64_t>& ResultStore::Impl::arch_hashes() {
  if (!hash_cache)
    hash_cache =
        file_rows > 0 ? column(kRuns, runs::arch_key_hash).read_all<std::uint64_t>() : std::vector<std::uint64_t>();
  return *hash_cache;
}

namespace {
// Past this share of a column, reading it whole (and keeping it) is cheaper
// than a point selection.
bool worth_caching(std::size_t wanted, std::size_t total) { return wanted * 16 >= total; }

template <class T>
std::vector<T> pick(const std::vector<T>& all, const std::vector<std::size_t>& rows) {
  std::vector<T> picked;
  picked.reserve(rows.size());
  for (std::size_t row : rows) picked.push_back(all[row]);
  return picked;
}
}  // namespace

std::vector<std::string> ResultStore::Impl::scan_text(const ColumnInfo& info, const std::vector<std::size_t>& wanted) {
  return merge_overlay<std::string>(
      wanted, [&](const std::vector<std::size_t>& in_file) { return scan_file_text(info, in_file); },
      [&](const RunRecord& r) { return run_value<std::string>(r, info.name); });
}

std::vector<std::int64_t> ResultStore::Impl::scan_int(const ColumnInfo& info, const std::vector<std::size_t>& wanted) {
  return merge_overlay<std::int64_t>(
      wanted, [&](const std::vector<std::size_t>& in_file) { return scan_file_int(info, in_file); },
      [&](const RunRecord& r) { return run_value<std::int64_t>(r, info.name); });
}

template <class T>
std::vector<T> ResultStore::Impl::scan_file_column(std::map<std::string, std::vector<T>>& cache, const ColumnInfo& info,
                                                   const std::vector<std::size_t>& wanted) {
  auto it = cache.find(info.name);
  if (it == cache.end() && worth_caching(wanted.size(), file_rows))
    it = cache.emplace(info.name, column(kRuns, info).read_all<T>()).first;
  if (it != cache.end()) return pick(it->second, wanted);
  return read_once<T>(kRuns, info, wanted);
}

std::vector<std::string> ResultStore::Impl::scan_file_text(const ColumnInfo& info,
                                                           const std::vector<std::size_t>& wanted) {
  return scan_file_column(text_cache, info, wanted);
}

std::vector<std::int64_t> ResultStore::Impl::scan_file_int(const ColumnInfo& info,
                                                           const std::vector<std::size_t>& wanted) {
  return scan_file_column(int_cache, info, wanted);
}

std::unordered_map<std::string, std::size_t>& ResultStore::Impl::keys() {
  if (!key_rows) {
    std::unordered_map<std::string, std::size_t> loaded;
    if (file_rows > 0) {
      std::vector<std::size_t> all(file_rows);
      for (std::size_t i = 0; i < file_rows; ++i) all[i] = i;
      const auto dataset = scan_file_text(runs::dataset, all);
      const auto protocol = scan_file_text(runs::protocol, all);
      const auto budget = scan_file_int(runs::budget_epochs, all);
      const auto seed = scan_file_int(runs::seed, all);
      const auto arch = column(kRuns, runs::arch).read_all<std::string>();
      const auto space = column(kRuns, runs::space).read_all<std::string>();
      loaded.reserve(rows * 2);
      for (std::size_t i = 0; i < file_rows; ++i)
        loaded[key_text(arch_key(space[i], arch[i]), dataset[i], protocol[i], budget[i], seed[i])] = i;
    }
    // A replacement keeps its row's key, so only appended rows add keys.
    for (const journal::Entry& entry : overlay)
      if (entry.row >= file_rows) {
        const RunRecord& r = entry.run;
        loaded[key_text(arch_key(r.space, r.arch), r.dataset, r.protocol, r.budget_epochs, r.seed)] = entry.row;
      }
    key_rows = std::move(loaded);
  }
  return *key_rows;
}

}  // namespace nasrank::store
