#include "nasrank/cell/encoding.h"
#include "nasrank/common/error.h"
#include "store/store_internal.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>

namespace nasrank::store {

using layout::ColumnInfo;
namespace runs = layout::runs;

// ---- Impl: reading -------------------------------------------------------------------

namespace {

// The benchmark index of an "nb201:<arch string>" key; nullopt for other spaces.
std::optional<int> benchmark_index_of(const std::string& key) {
  constexpr std::string_view prefix = "nb201:";
  if (key.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  try {
    return cell::to_benchmark_index(cell::parse_arch_string(std::string_view(key).substr(prefix.size())));
  } catch (const InputError&) {
    return std::nullopt;
  }
}

}  // namespace

std::vector<RunRecord> ResultStore::Impl::read_rows(const std::vector<std::size_t>& wanted,
                                                    const ReadOptions& options) {
  return merge_overlay<RunRecord>(
      wanted, [&](const std::vector<std::size_t>& in_file) { return read_file_rows(in_file, options); },
      [&](const RunRecord& r) {
        RunRecord copy = r;
        if (!options.curves) copy.curves = EpochCurves{};
        return copy;
      });
}

std::vector<RunRecord> ResultStore::Impl::read_file_rows(const std::vector<std::size_t>& wanted,
                                                         const ReadOptions& options) {
  const std::size_t k = wanted.size();
  std::vector<RunRecord> records(k);
  if (k == 0) return records;
  auto texts = [&](const ColumnInfo& info, std::string RunRecord::*member) {
    auto values = column(kRuns, info).read_rows<std::string>(wanted);
    for (std::size_t i = 0; i < k; ++i) records[i].*member = std::move(values[i]);
  };
  auto numbers = [&](const ColumnInfo& info, double RunRecord::*member) {
    const auto values = column(kRuns, info).read_rows<double>(wanted);
    for (std::size_t i = 0; i < k; ++i) records[i].*member = values[i];
  };
  texts(runs::space, &RunRecord::space);
  texts(runs::arch, &RunRecord::arch);
  texts(runs::unique_string, &RunRecord::unique_string);
  texts(runs::dataset, &RunRecord::dataset);
  texts(runs::protocol, &RunRecord::protocol);
  texts(runs::seeds_averaged, &RunRecord::seeds_averaged);
  texts(runs::error_message, &RunRecord::error_message);
  texts(runs::init, &RunRecord::init);
  texts(runs::config_json, &RunRecord::config_json);
  texts(runs::tool_version, &RunRecord::tool_version);
  texts(runs::created_at, &RunRecord::created_at);
  numbers(runs::learning_rate, &RunRecord::learning_rate);
  numbers(runs::params_m, &RunRecord::params_m);
  numbers(runs::flops_m, &RunRecord::flops_m);
  numbers(runs::wall_seconds, &RunRecord::wall_seconds);
  numbers(runs::images_per_second, &RunRecord::images_per_second);

  const auto index = column(kRuns, runs::benchmark_index).read_rows<std::int32_t>(wanted);
  const auto budget = column(kRuns, runs::budget_epochs).read_rows<std::int32_t>(wanted);
  const auto seed = column(kRuns, runs::seed).read_rows<std::int64_t>(wanted);
  const auto status = column(kRuns, runs::status).read_rows<std::string>(wanted);
  const auto imported = column(kRuns, runs::imported).read_rows<std::uint8_t>(wanted);
  const auto source = column(kRuns, runs::source_id).read_rows<std::int32_t>(wanted);
  SourceTable* table = nullptr;
  for (std::size_t i = 0; i < k; ++i) {
    RunRecord& r = records[i];
    r.benchmark_index = index[i];
    r.budget_epochs = budget[i];
    r.seed = seed[i];
    try {
      r.status = parse_status(status[i]);
    } catch (const InputError& e) {
      throw InputError(where(kRuns + "/status") + " row " + std::to_string(wanted[i]) + ": " + e.what());
    }
    if (source[i] >= 0) {
      if (!table) table = &source_table();
      if (static_cast<std::size_t>(source[i]) >= table->rows.size())
        throw InputError(where(kRuns + "/source_id") + " row " + std::to_string(wanted[i]) + ": source " +
                         std::to_string(source[i]) + " does not exist (damaged store)");
      r.provenance = table->rows[static_cast<std::size_t>(source[i])];
    }
    r.provenance.imported = imported[i] != 0;
  }

  auto metrics = [&](const std::string& group, double SplitMetrics::*member) {
    for (const std::string& split : splits(group)) {
      const auto values = split_column(group, split)->read_rows<double>(wanted);
      for (std::size_t i = 0; i < k; ++i)
        if (!std::isnan(values[i])) records[i].final_metrics[split].*member = values[i];
    }
  };
  metrics(kFinalAccuracy, &SplitMetrics::accuracy);
  metrics(kFinalLoss, &SplitMetrics::loss);
  if (options.curves) read_curves(wanted, records);
  return records;
}

void ResultStore::Impl::read_curves(const std::vector<std::size_t>& wanted, std::vector<RunRecord>& records) {
  const auto offsets = column(kRuns, runs::curve_offset).read_rows<std::int64_t>(wanted);
  const auto lengths = column(kRuns, runs::curve_length).read_rows<std::int32_t>(wanted);
  std::size_t low = SIZE_MAX, high = 0, needed = 0;
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    if (lengths[i] <= 0) continue;
    if (offsets[i] < 0 || static_cast<std::size_t>(offsets[i]) + static_cast<std::size_t>(lengths[i]) > curve_count())
      throw InputError(where(kRuns + "/curve_offset") + " row " + std::to_string(wanted[i]) +
                       ": curve rows out of range (damaged store)");
    low = std::min(low, static_cast<std::size_t>(offsets[i]));
    high = std::max(high, static_cast<std::size_t>(offsets[i] + lengths[i]));
    needed += static_cast<std::size_t>(lengths[i]);
  }
  if (needed == 0) return;
  // One read of the spanned range unless it is mostly other runs' epochs.
  const bool one_span = high - low <= 2 * needed + layout::kCurveChunkRows;

  auto fill = [&](h5::Column& c, auto assign) {
    std::vector<double> span;
    if (one_span) span = c.read_range<double>(low, high - low);
    for (std::size_t i = 0; i < wanted.size(); ++i) {
      if (lengths[i] <= 0) continue;
      const std::size_t offset = static_cast<std::size_t>(offsets[i]);
      const std::size_t length = static_cast<std::size_t>(lengths[i]);
      std::vector<double> series =
          one_span ? std::vector<double>(span.begin() + static_cast<std::ptrdiff_t>(offset - low),
                                         span.begin() + static_cast<std::ptrdiff_t>(offset - low + length))
                   : c.read_range<double>(offset, length);
      if (std::all_of(series.begin(), series.end(), [](double v) { return std::isnan(v); })) continue;
      assign(records[i], std::move(series));
    }
  };
  namespace cv = layout::curves;
  fill(column(kCurves, cv::train_loss),
       [](RunRecord& r, std::vector<double> s) { r.curves.train_loss = std::move(s); });
  fill(column(kCurves, cv::train_accuracy),
       [](RunRecord& r, std::vector<double> s) { r.curves.train_accuracy = std::move(s); });
  fill(column(kCurves, cv::learning_rate),
       [](RunRecord& r, std::vector<double> s) { r.curves.learning_rate = std::move(s); });
  fill(column(kCurves, cv::epoch_seconds),
       [](RunRecord& r, std::vector<double> s) { r.curves.epoch_seconds = std::move(s); });
  for (const std::string& split : splits(kEvalAccuracy))
    fill(*split_column(kEvalAccuracy, split),
         [&](RunRecord& r, std::vector<double> s) { r.curves.eval_accuracy[split] = std::move(s); });
  for (const std::string& split : splits(kEvalLoss))
    fill(*split_column(kEvalLoss, split),
         [&](RunRecord& r, std::vector<double> s) { r.curves.eval_loss[split] = std::move(s); });
}

std::vector<std::size_t> ResultStore::Impl::select(const RunFilter& filter) {
  std::vector<std::size_t> selected;
  if (rows == 0) return selected;
  if (filter.arch_key) {
    const std::uint64_t hash = layout::arch_key_hash(*filter.arch_key);
    if (file_rows == 0) {
    } else if (hash_cache) {
      const auto& hashes = arch_hashes();
      for (std::size_t i = 0; i < file_rows; ++i)
        if (hashes[i] == hash) selected.push_back(i);
    } else {
      selected = rows_with_hash(hash);
    }
    // Rows appended by the overlay are not in the file's index; replaced
    // rows keep their key and so their place there.
    const std::size_t from_file = selected.size();
    for (const journal::Entry& entry : overlay)
      if (entry.row >= file_rows && layout::arch_key_hash(arch_key(entry.run.space, entry.run.arch)) == hash)
        selected.push_back(entry.row);
    std::sort(selected.begin() + static_cast<std::ptrdiff_t>(from_file), selected.end());
    selected.erase(std::unique(selected.begin(), selected.end()), selected.end());
  } else {
    selected.resize(rows);
    for (std::size_t i = 0; i < rows; ++i) selected[i] = i;
  }
  auto keep = [&](const auto& values, const auto& wanted) {
    std::vector<std::size_t> kept;
    for (std::size_t i = 0; i < selected.size(); ++i)
      if (values[i] == wanted) kept.push_back(selected[i]);
    selected = std::move(kept);
  };
  if (filter.dataset && !selected.empty()) keep(scan_text(runs::dataset, selected), *filter.dataset);
  if (filter.protocol && !selected.empty()) keep(scan_text(runs::protocol, selected), *filter.protocol);
  if (filter.budget_epochs && !selected.empty())
    keep(scan_int(runs::budget_epochs, selected), static_cast<std::int64_t>(*filter.budget_epochs));
  if (filter.seed && !selected.empty()) keep(scan_int(runs::seed, selected), *filter.seed);
  if (filter.arch_key && !selected.empty()) {
    // The hash only narrows the search; the architecture decides. A benchmark
    // cell is its index, which is cheaper to compare than the text (and only
    // nb201 runs have an index, see layout.h).
    const std::optional<int> index = benchmark_index_of(*filter.arch_key);
    std::vector<std::size_t> confirmed;
    if (index) {
      const auto indices = read_once<std::int32_t>(kRuns, runs::benchmark_index, selected);
      for (std::size_t i = 0; i < selected.size(); ++i)
        if (indices[i] == *index) confirmed.push_back(selected[i]);
    } else {
      const auto space = read_once<std::string>(kRuns, runs::space, selected);
      const auto arch = read_once<std::string>(kRuns, runs::arch, selected);
      for (std::size_t i = 0; i < selected.size(); ++i)
        if (arch_key(space[i], arch[i]) == *filter.arch_key) confirmed.push_back(selected[i]);
    }
    selected = std::move(confirmed);
  }
  return selected;
}

}  // namespace nasrank::store
