#include "store/store_internal.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace nasrank::store {

using layout::ColumnInfo;
namespace runs = layout::runs;

// ---- Impl: writing -----------------------------------------------------------------

namespace {

template <class Get>
std::vector<double> concatenated(const std::vector<const RunRecord*>& records, const std::vector<std::int32_t>& lengths,
                                 std::size_t total, Get get) {
  std::vector<double> values(total, kNotMeasured);
  std::size_t at = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (const std::vector<double>* series = get(*records[i]))
      std::copy(series->begin(), series->end(), values.begin() + static_cast<std::ptrdiff_t>(at));
    at += static_cast<std::size_t>(lengths[i]);
  }
  return values;
}

const std::vector<double>* find_series(const std::map<std::string, std::vector<double>>& map, const std::string& key) {
  auto it = map.find(key);
  return it == map.end() ? nullptr : &it->second;
}

}  // namespace

void ResultStore::Impl::write_curves(const std::vector<const RunRecord*>& records, std::vector<std::int64_t>& offsets,
                                     std::vector<std::int32_t>& lengths) {
  const std::size_t first = curve_count();
  std::size_t total = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const std::size_t epochs = records[i]->curves.epochs();
    offsets[i] = static_cast<std::int64_t>(first + total);
    lengths[i] = static_cast<std::int32_t>(epochs);
    total += epochs;
  }
  if (total == 0) return;
  const std::size_t end = first + total;
  auto append = [&](h5::Column& c, const std::vector<double>& values) {
    c.resize(end);
    c.write(first, values);
  };
  namespace cv = layout::curves;
  append(column(kCurves, cv::train_loss),
         concatenated(records, lengths, total, [](const RunRecord& r) { return &r.curves.train_loss; }));
  append(column(kCurves, cv::train_accuracy),
         concatenated(records, lengths, total, [](const RunRecord& r) { return &r.curves.train_accuracy; }));
  append(column(kCurves, cv::learning_rate),
         concatenated(records, lengths, total, [](const RunRecord& r) { return &r.curves.learning_rate; }));
  append(column(kCurves, cv::epoch_seconds),
         concatenated(records, lengths, total, [](const RunRecord& r) { return &r.curves.epoch_seconds; }));

  auto per_split = [&](const std::string& group, const ColumnInfo& info,
                       std::map<std::string, std::vector<double>> EpochCurves::*member) {
    std::set<std::string> names(splits(group).begin(), splits(group).end());
    for (const RunRecord* r : records)
      for (const auto& [split, series] : r->curves.*member) names.insert(split);
    for (const std::string& split : names) {
      h5::Column* c = split_column(group, split);
      if (!c) c = &create_split_column(group, split, info, first);
      append(*c, concatenated(records, lengths, total,
                              [&](const RunRecord& r) { return find_series(r.curves.*member, split); }));
    }
  };
  per_split(kEvalAccuracy, layout::eval_accuracy_info(), &EpochCurves::eval_accuracy);
  per_split(kEvalLoss, layout::eval_loss_info(), &EpochCurves::eval_loss);
  curve_rows = end;
}

void ResultStore::Impl::write_split_metrics(std::size_t first_row, std::size_t end_row,
                                            const std::vector<const RunRecord*>& records) {
  auto per_split = [&](const std::string& group, const ColumnInfo& info, double SplitMetrics::*member) {
    std::set<std::string> names(splits(group).begin(), splits(group).end());
    for (const RunRecord* r : records)
      for (const auto& [split, metrics] : r->final_metrics)
        if (!std::isnan(metrics.*member)) names.insert(split);
    for (const std::string& split : names) {
      h5::Column* c = split_column(group, split);
      if (!c) c = &create_split_column(group, split, info, file_rows);
      if (c->size() < end_row) c->resize(end_row);
      std::vector<double> values(records.size(), kNotMeasured);
      for (std::size_t i = 0; i < records.size(); ++i)
        if (auto it = records[i]->final_metrics.find(split); it != records[i]->final_metrics.end())
          values[i] = it->second.*member;
      c->write(first_row, values);
    }
  };
  per_split(kFinalAccuracy, layout::final_accuracy_info(), &SplitMetrics::accuracy);
  per_split(kFinalLoss, layout::final_loss_info(), &SplitMetrics::loss);
}

void ResultStore::Impl::write_block(std::size_t first_row, const std::vector<const RunRecord*>& records) {
  const std::size_t k = records.size();
  if (k == 0) return;
  const std::size_t end_row = std::max(file_rows, first_row + k);

  const std::vector<std::int32_t> source_ids = assign_sources(records);
  std::vector<std::int64_t> offsets(k);
  std::vector<std::int32_t> lengths(k);
  write_curves(records, offsets, lengths);

  auto put = [&](const ColumnInfo& info, const auto& values) {
    h5::Column& c = column(kRuns, info);
    if (c.size() < end_row) c.resize(end_row);
    c.write(first_row, values);
  };
  auto texts = [&](auto get) {
    std::vector<std::string> values;
    values.reserve(k);
    for (const RunRecord* r : records) values.push_back(get(*r));
    return values;
  };
  auto numbers = [&](auto get) {
    std::vector<double> values;
    values.reserve(k);
    for (const RunRecord* r : records) values.push_back(get(*r));
    return values;
  };
  std::vector<std::int32_t> index, budget;
  std::vector<std::int64_t> seed;
  std::vector<std::uint64_t> hash;
  std::vector<std::uint8_t> imported;
  for (const RunRecord* r : records) {
    index.push_back(r->benchmark_index);
    budget.push_back(r->budget_epochs);
    seed.push_back(r->seed);
    hash.push_back(layout::arch_key_hash(arch_key(r->space, r->arch)));
    imported.push_back(r->provenance.imported ? 1 : 0);
  }
  put(runs::space, texts([](const RunRecord& r) { return r.space; }));
  put(runs::benchmark_index, index);
  put(runs::arch, texts([](const RunRecord& r) { return r.arch; }));
  put(runs::arch_key_hash, hash);
  put(runs::unique_string, texts([](const RunRecord& r) { return r.unique_string; }));
  put(runs::dataset, texts([](const RunRecord& r) { return r.dataset; }));
  put(runs::protocol, texts([](const RunRecord& r) { return r.protocol; }));
  put(runs::budget_epochs, budget);
  put(runs::seed, seed);
  put(runs::seeds_averaged, texts([](const RunRecord& r) { return r.seeds_averaged; }));
  put(runs::status, texts([](const RunRecord& r) { return std::string(status_name(r.status)); }));
  put(runs::error_message, texts([](const RunRecord& r) { return r.error_message; }));
  put(runs::learning_rate, numbers([](const RunRecord& r) { return r.learning_rate; }));
  put(runs::init, texts([](const RunRecord& r) { return r.init; }));
  put(runs::params_m, numbers([](const RunRecord& r) { return r.params_m; }));
  put(runs::flops_m, numbers([](const RunRecord& r) { return r.flops_m; }));
  put(runs::wall_seconds, numbers([](const RunRecord& r) { return r.wall_seconds; }));
  put(runs::images_per_second, numbers([](const RunRecord& r) { return r.images_per_second; }));
  put(runs::config_json, texts([](const RunRecord& r) { return r.config_json; }));
  put(runs::tool_version, texts([](const RunRecord& r) { return r.tool_version; }));
  put(runs::created_at, texts([](const RunRecord& r) { return r.created_at; }));
  put(runs::imported, imported);
  put(runs::source_id, source_ids);
  put(runs::curve_offset, offsets);
  put(runs::curve_length, lengths);
  write_split_metrics(first_row, end_row, records);
}

}  // namespace nasrank::store
