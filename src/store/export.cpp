#include "nasrank/store/export.h"

#include "store/store_impl.h"

#include <cmath>
#include <set>

namespace nasrank::store {
namespace {

nlohmann::json number(double value) { return std::isnan(value) ? nlohmann::json() : nlohmann::json(value); }

}  // namespace

FlatTable flat_table(const ResultStore& store, const RunFilter& filter) {
  auto& impl = detail::StoreAccess::impl(store);
  FlatTable table;
  std::vector<std::string> splits;
  if (store.count() > 0) {
    std::set<std::string> names;
    for (const char* group : {layout::kFinalAccuracyGroup, layout::kFinalLossGroup})
      for (const std::string& split : impl.splits(group)) names.insert(split);
    splits.assign(names.begin(), names.end());
  }
  table.columns = {"row", "space", "benchmark_index", "arch", "unique_string", "dataset", "protocol", "budget_epochs",
                   "seed", "seeds_averaged", "status", "error_message"};
  for (const auto& split : splits) table.columns.push_back("accuracy:" + split);
  for (const auto& split : splits) table.columns.push_back("loss:" + split);
  for (const char* name : {"learning_rate", "init", "params_m", "flops_m", "wall_seconds", "images_per_second",
                           "epochs_recorded", "imported", "source_path", "source_sha256", "source_size",
                           "source_mtime", "source_format", "source_split", "source_note", "tool_version",
                           "created_at", "config_json"})
    table.columns.push_back(name);

  // Curves are not exported, only how many epochs each run recorded.
  const std::vector<std::size_t> rows = store.select(filter);
  const std::vector<std::int32_t> epochs =
      rows.empty() ? std::vector<std::int32_t>()
                   : impl.column(layout::kRunsGroup, layout::runs::curve_length).read_rows<std::int32_t>(rows);
  std::size_t visited = 0;
  store.for_each(
      [&](std::size_t row, const RunRecord& r) {
        std::vector<nlohmann::json> cells{row,
                                          r.space,
                                          r.benchmark_index >= 0 ? nlohmann::json(r.benchmark_index) : nlohmann::json(),
                                          r.arch,
                                          r.unique_string,
                                          r.dataset,
                                          r.protocol,
                                          r.budget_epochs,
                                          r.seed == kMeanOverSeeds ? nlohmann::json() : nlohmann::json(r.seed),
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
        table.rows.push_back(std::move(cells));
        return true;
      },
      filter, ReadOptions{false});
  return table;
}

}  // namespace nasrank::store
