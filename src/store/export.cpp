#include "nasrank/store/export.h"

#include "store/store_impl.h"

#include <cmath>
#include <map>
#include <set>

namespace nasrank::store {
namespace {

nlohmann::json number(double value) { return std::isnan(value) ? nlohmann::json() : nlohmann::json(value); }

// The index and the seed stand empty (JSON null) where a run has none: a cell
// outside NAS-Bench-201, a mean over seeds.
nlohmann::json benchmark_index_cell(const RunRecord& r) {
  return r.benchmark_index >= 0 ? nlohmann::json(r.benchmark_index) : nlohmann::json();
}
nlohmann::json seed_cell(const RunRecord& r) {
  return r.seed == kMeanOverSeeds ? nlohmann::json() : nlohmann::json(r.seed);
}

// Epochs each of `rows` recorded, from /runs/curve_length without the curves.
std::vector<std::int32_t> recorded_epochs(const ResultStore& store, const std::vector<std::size_t>& rows) {
  if (rows.empty()) return {};
  return detail::StoreAccess::impl(store).read_once<std::int32_t>(layout::kRunsGroup, layout::runs::curve_length, rows);
}

}  // namespace

FlatTable flat_table(const ResultStore& store, const RunFilter& filter) {
  FlatTable table;
  stream_flat_table(
      store, filter, [&](const std::vector<std::string>& columns) { table.columns = columns; },
      [&](const std::vector<nlohmann::json>& row) { table.rows.push_back(row); });
  return table;
}

void stream_flat_table(const ResultStore& store, const RunFilter& filter,
                       const std::function<void(const std::vector<std::string>&)>& on_columns,
                       const std::function<void(const std::vector<nlohmann::json>&)>& on_row) {
  auto& impl = detail::StoreAccess::impl(store);
  std::vector<std::string> columns;
  std::vector<std::string> splits;
  if (store.count() > 0) {
    std::set<std::string> names;
    for (const char* group : {layout::kFinalAccuracyGroup, layout::kFinalLossGroup})
      for (const std::string& split : impl.all_splits(group)) names.insert(split);
    splits.assign(names.begin(), names.end());
  }
  columns = {"row",           "space", "benchmark_index", "arch",   "unique_string", "dataset", "protocol",
             "budget_epochs", "seed",  "seeds_averaged",  "status", "error_message"};
  for (const auto& split : splits) columns.push_back("accuracy:" + split);
  for (const auto& split : splits) columns.push_back("loss:" + split);
  for (const char* name : {"learning_rate", "init", "params_m", "flops_m", "wall_seconds", "images_per_second",
                           "epochs_recorded", "imported", "source_path", "source_sha256", "source_size", "source_mtime",
                           "source_format", "source_split", "source_note", "tool_version", "created_at", "config_json"})
    columns.push_back(name);
  on_columns(columns);

  // Curves are not exported, only how many epochs each run recorded.
  const std::vector<std::int32_t> epochs = recorded_epochs(store, store.select(filter));
  std::size_t visited = 0;
  store.for_each(
      [&](std::size_t row, const RunRecord& r) {
        std::vector<nlohmann::json> cells{row,
                                          r.space,
                                          benchmark_index_cell(r),
                                          r.arch,
                                          r.unique_string,
                                          r.dataset,
                                          r.protocol,
                                          r.budget_epochs,
                                          seed_cell(r),
                                          r.seeds_averaged,
                                          std::string(status_name(r.status)),
                                          r.error_message};
        for (const auto& split : splits) {
          auto it = r.final_metrics.find(split);
          cells.push_back(number(it == r.final_metrics.end() ? kNotMeasured : it->second.accuracy));
        }
        for (const auto& split : splits) {
          auto it = r.final_metrics.find(split);
          cells.push_back(number(it == r.final_metrics.end() ? kNotMeasured : it->second.loss));
        }
        const Provenance& p = r.provenance;
        for (nlohmann::json cell :
             {number(r.learning_rate), nlohmann::json(r.init), number(r.params_m), number(r.flops_m),
              number(r.wall_seconds), number(r.images_per_second), nlohmann::json(epochs[visited++]),
              nlohmann::json(p.imported), nlohmann::json(p.source_path), nlohmann::json(p.source_sha256),
              p.source_size >= 0 ? nlohmann::json(p.source_size) : nlohmann::json(), nlohmann::json(p.source_mtime),
              nlohmann::json(p.source_format), nlohmann::json(p.source_split), nlohmann::json(p.note),
              nlohmann::json(r.tool_version), nlohmann::json(r.created_at), nlohmann::json(r.config_json)})
          cells.push_back(std::move(cell));
        on_row(cells);
        return true;
      },
      filter, ReadOptions{false});
}

LongTable long_table(const ResultStore& store, const RunFilter& filter) {
  LongTable table;
  LongTableStream out;
  out.columns = [&](const std::vector<std::string>& columns) { table.columns = columns; };
  out.provenance = [&](std::size_t, const nlohmann::json& p) { table.provenance.push_back(p); };
  out.configuration = [&](std::size_t, const nlohmann::json& c) { table.configurations.push_back(c); };
  out.row = [&](const std::vector<nlohmann::json>& row) { table.rows.push_back(row); };
  stream_long_table(store, filter, out);
  return table;
}

void stream_long_table(const ResultStore& store, const RunFilter& filter, const LongTableStream& out) {
  std::vector<std::string> columns = {"run",
                                      "space",
                                      "benchmark_index",
                                      "arch",
                                      "dataset",
                                      "protocol",
                                      "budget_epochs",
                                      "seed",
                                      "seeds_averaged",
                                      "status",
                                      "split",
                                      "accuracy",
                                      "loss",
                                      "learning_rate",
                                      "init",
                                      "params_m",
                                      "flops_m",
                                      "wall_seconds",
                                      "images_per_second",
                                      "epochs_recorded",
                                      "provenance_id",
                                      "configuration_id",
                                      "created_at",
                                      "error_message"};
  out.columns(columns);
  const std::vector<std::int32_t> epochs = recorded_epochs(store, store.select(filter));
  std::map<std::string, std::size_t> provenance_ids, configuration_ids;
  auto id_of = [](std::map<std::string, std::size_t>& ids, const nlohmann::json& value,
                  const std::function<void(std::size_t, const nlohmann::json&)>& announce) {
    const std::string text = value.dump();
    const auto [it, added] = ids.emplace(text, ids.size());
    if (added) announce(it->second, value);
    return it->second;
  };
  std::size_t visited = 0;
  store.for_each(
      [&](std::size_t row, const RunRecord& r) {
        const Provenance& p = r.provenance;
        const nlohmann::json provenance{{"imported", p.imported},           {"source_path", p.source_path},
                                        {"source_sha256", p.source_sha256}, {"source_size", p.source_size},
                                        {"source_mtime", p.source_mtime},   {"source_format", p.source_format},
                                        {"source_split", p.source_split},   {"note", p.note},
                                        {"tool_version", r.tool_version}};
        const std::size_t provenance_id = id_of(provenance_ids, provenance, out.provenance);
        nlohmann::json configuration_id;
        if (!r.config_json.empty()) {
          const auto config = nlohmann::json::parse(r.config_json, nullptr, false);
          configuration_id = id_of(configuration_ids, config.is_discarded() ? nlohmann::json(r.config_json) : config,
                                   out.configuration);
        }
        const std::int32_t recorded = epochs[visited++];
        auto add = [&](const std::string& split, double accuracy, double loss) {
          out.row({row,
                   r.space,
                   benchmark_index_cell(r),
                   r.arch,
                   r.dataset,
                   r.protocol,
                   r.budget_epochs,
                   seed_cell(r),
                   r.seeds_averaged,
                   std::string(status_name(r.status)),
                   split,
                   number(accuracy),
                   number(loss),
                   number(r.learning_rate),
                   r.init,
                   number(r.params_m),
                   number(r.flops_m),
                   number(r.wall_seconds),
                   number(r.images_per_second),
                   recorded,
                   provenance_id,
                   configuration_id,
                   r.created_at,
                   r.error_message});
        };
        if (r.final_metrics.empty()) add("", kNotMeasured, kNotMeasured);
        for (const auto& [split, metrics] : r.final_metrics) add(split, metrics.accuracy, metrics.loss);
        return true;
      },
      filter, ReadOptions{false});
}

FlatTable curve_table(const ResultStore& store, const RunFilter& filter) {
  const std::vector<RunRecord> runs = store.list(filter, ReadOptions{true});
  std::set<std::string> splits;
  for (const RunRecord& r : runs) {
    for (const auto& [split, values] : r.curves.eval_accuracy) splits.insert(split);
    for (const auto& [split, values] : r.curves.eval_loss) splits.insert(split);
  }
  FlatTable table;
  table.columns = {"benchmark_index", "arch",       "dataset",        "protocol",      "budget_epochs", "seed",
                   "epoch",           "train_loss", "train_accuracy", "learning_rate", "epoch_seconds"};
  for (const auto& split : splits) table.columns.push_back("accuracy:" + split);
  for (const auto& split : splits) table.columns.push_back("loss:" + split);
  auto at = [](const std::vector<double>& series, std::size_t epoch) {
    return number(epoch < series.size() ? series[epoch] : kNotMeasured);
  };
  auto split_at = [&](const std::map<std::string, std::vector<double>>& series, const std::string& split,
                      std::size_t epoch) {
    const auto it = series.find(split);
    return it == series.end() ? nlohmann::json() : at(it->second, epoch);
  };
  for (const RunRecord& r : runs)
    for (std::size_t epoch = 0; epoch < r.curves.epochs(); ++epoch) {
      std::vector<nlohmann::json> cells{benchmark_index_cell(r),
                                        r.arch,
                                        r.dataset,
                                        r.protocol,
                                        r.budget_epochs,
                                        seed_cell(r),
                                        epoch,
                                        at(r.curves.train_loss, epoch),
                                        at(r.curves.train_accuracy, epoch),
                                        at(r.curves.learning_rate, epoch),
                                        at(r.curves.epoch_seconds, epoch)};
      for (const auto& split : splits) cells.push_back(split_at(r.curves.eval_accuracy, split, epoch));
      for (const auto& split : splits) cells.push_back(split_at(r.curves.eval_loss, split, epoch));
      table.rows.push_back(std::move(cells));
    }
  return table;
}

}  // namespace nasrank::store
