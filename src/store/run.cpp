#include "nasrank/store/run.h"

#include "nasrank/cell/encoding.h"
#include "nasrank/cell/facts.h"
#include "nasrank/common/error.h"

#include <algorithm>
#include <cmath>
#include <tuple>

namespace nasrank::store {

std::string_view status_name(RunStatus status) {
  switch (status) {
    case RunStatus::Ok:
      return "ok";
    case RunStatus::Diverged:
      return "diverged";
    case RunStatus::Disconnected:
      return "disconnected";
    case RunStatus::Failed:
      return "failed";
  }
  return "?";
}

RunStatus parse_status(std::string_view text) {
  for (RunStatus status : {RunStatus::Ok, RunStatus::Diverged, RunStatus::Disconnected, RunStatus::Failed})
    if (text == status_name(status)) return status;
  throw InputError("run status '" + std::string(text) + "': expected ok, diverged, disconnected or failed");
}

std::size_t EpochCurves::epochs() const {
  std::size_t longest =
      std::max({train_loss.size(), train_accuracy.size(), learning_rate.size(), epoch_seconds.size()});
  for (const auto& [split, series] : eval_accuracy) longest = std::max(longest, series.size());
  for (const auto& [split, series] : eval_loss) longest = std::max(longest, series.size());
  return longest;
}

bool Provenance::operator==(const Provenance& other) const {
  return std::tie(imported, source_path, source_sha256, source_size, source_mtime, source_format, source_split, note) ==
         std::tie(other.imported, other.source_path, other.source_sha256, other.source_size, other.source_mtime,
                  other.source_format, other.source_split, other.note);
}

std::string RunKey::to_string() const {
  return arch_key + " " + dataset + " " + protocol + " " + std::to_string(budget_epochs) + "ep " +
         (seed == kMeanOverSeeds ? std::string("mean-over-seeds") : "seed " + std::to_string(seed));
}

bool RunKey::operator==(const RunKey& other) const {
  return std::tie(arch_key, dataset, protocol, budget_epochs, seed) ==
         std::tie(other.arch_key, other.dataset, other.protocol, other.budget_epochs, other.seed);
}

bool RunKey::operator<(const RunKey& other) const {
  return std::tie(arch_key, dataset, protocol, budget_epochs, seed) <
         std::tie(other.arch_key, other.dataset, other.protocol, other.budget_epochs, other.seed);
}

std::string arch_key(std::string_view space, std::string_view arch) {
  std::string key(space);
  key += ':';
  key += arch;
  return key;
}

RunKey run_key(const RunRecord& record) {
  return RunKey{arch_key(record.space, record.arch), record.dataset, record.protocol, record.budget_epochs,
                record.seed};
}

namespace {

std::string describe(const RunRecord& record) {
  std::string text = "run (";
  if (!record.arch.empty())
    text += "arch '" + record.arch + "'";
  else
    text += "benchmark index " + std::to_string(record.benchmark_index);
  if (!record.dataset.empty()) text += ", dataset '" + record.dataset + "'";
  return text + ")";
}

bool has_control_characters(const std::string& text) {
  return std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; });
}

void require_name(const RunRecord& record, const std::string& field, const std::string& value) {
  if (value.empty()) throw InputError(describe(record) + ": the " + field + " is empty");
  if (has_control_characters(value))
    throw InputError(describe(record) + ": the " + field + " '" + value + "' contains control characters");
}

void check_curves(const RunRecord& record) {
  const std::size_t epochs = record.curves.epochs();
  auto check = [&](const std::string& name, const std::vector<double>& series) {
    if (!series.empty() && series.size() != epochs)
      throw InputError(describe(record) + ": curve '" + name + "' has " + std::to_string(series.size()) +
                       " epochs but another curve has " + std::to_string(epochs));
  };
  check("train_loss", record.curves.train_loss);
  check("train_accuracy", record.curves.train_accuracy);
  check("learning_rate", record.curves.learning_rate);
  check("epoch_seconds", record.curves.epoch_seconds);
  for (const auto& [split, series] : record.curves.eval_accuracy) check("eval_accuracy/" + split, series);
  for (const auto& [split, series] : record.curves.eval_loss) check("eval_loss/" + split, series);
}

bool all_nan(const std::vector<double>& series) {
  return std::all_of(series.begin(), series.end(), [](double v) { return std::isnan(v); });
}

// The store pads every series to the run's epoch count with NaN, so "not
// recorded" and "recorded as all NaN" are the same thing; dropping such
// entries here makes a record read back exactly as it was added.
void drop_unmeasured(RunRecord& record) {
  for (auto it = record.final_metrics.begin(); it != record.final_metrics.end();)
    it =
        std::isnan(it->second.accuracy) && std::isnan(it->second.loss) ? record.final_metrics.erase(it) : std::next(it);
  EpochCurves& curves = record.curves;
  for (auto* series : {&curves.train_loss, &curves.train_accuracy, &curves.learning_rate, &curves.epoch_seconds})
    if (all_nan(*series)) series->clear();
  for (auto* map : {&curves.eval_accuracy, &curves.eval_loss})
    for (auto it = map->begin(); it != map->end();) it = all_nan(it->second) ? map->erase(it) : std::next(it);
}

void check_split_names(const RunRecord& record) {
  auto check = [&](const std::string& split) {
    if (split.empty() || split == "." || split.find('/') != std::string::npos || has_control_characters(split))
      throw InputError(describe(record) + ": split name '" + split +
                       "' is not usable (empty, '/' or control characters)");
  };
  for (const auto& [split, metrics] : record.final_metrics) check(split);
  for (const auto& [split, series] : record.curves.eval_accuracy) check(split);
  for (const auto& [split, series] : record.curves.eval_loss) check(split);
}

}  // namespace

void canonicalize(RunRecord& record) {
  cell::CellGraph graph(cell::Space::Dag, 2);
  try {
    if (record.space == "nb201") {
      if (record.arch.empty()) {
        if (record.benchmark_index < 0) throw InputError("neither an arch string nor a benchmark index is given");
        graph = cell::from_benchmark_index(record.benchmark_index);
      } else {
        graph = cell::parse_encoding(record.arch);
        if (graph.space() != cell::Space::Nb201 || graph.num_vertices() != cell::kNb201Vertices)
          throw InputError("'" + record.arch + "' is not a NAS-Bench-201 cell");
      }
      record.arch = *cell::to_arch_string(graph);
      const int index = *cell::to_benchmark_index(graph);
      if (record.benchmark_index >= 0 && record.benchmark_index != index)
        throw InputError("benchmark index " + std::to_string(record.benchmark_index) + " is not the index of '" +
                         record.arch + "' (that is " + std::to_string(index) + ")");
      record.benchmark_index = index;
    } else if (record.space == "dag") {
      graph = cell::parse_dag_code(record.arch);
      record.arch = *cell::to_dag_code(graph);
      record.benchmark_index = -1;
    } else {
      throw InputError("space '" + record.space + "': expected nb201 or dag");
    }
  } catch (const InputError& e) {
    throw InputError(describe(record) + ": " + e.what());
  }
  record.unique_string = cell::unique_string(graph, true);
  if (record.status == RunStatus::Ok && cell::is_disconnected(graph)) record.status = RunStatus::Disconnected;

  require_name(record, "dataset", record.dataset);
  require_name(record, "protocol", record.protocol);
  if (record.budget_epochs <= 0)
    throw InputError(describe(record) + ": budget " + std::to_string(record.budget_epochs) +
                     " epochs; it must be positive");
  if (record.seed < kMeanOverSeeds)
    throw InputError(describe(record) + ": seed " + std::to_string(record.seed) +
                     " is negative (-1 alone means a mean over seeds)");
  if (record.seed == kMeanOverSeeds && record.seeds_averaged.empty()) record.seeds_averaged = "unknown";
  if (record.seed != kMeanOverSeeds) record.seeds_averaged.clear();
  check_split_names(record);
  check_curves(record);
  drop_unmeasured(record);
}

namespace {

bool same_number(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

bool same_series(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), same_number);
}

bool same_series_map(const std::map<std::string, std::vector<double>>& a,
                     const std::map<std::string, std::vector<double>>& b) {
  if (a.size() != b.size()) return false;
  for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib)
    if (ia->first != ib->first || !same_series(ia->second, ib->second)) return false;
  return true;
}

}  // namespace

bool same_result(const RunRecord& a, const RunRecord& b) {
  if (std::tie(a.space, a.benchmark_index, a.arch, a.unique_string, a.dataset, a.protocol, a.budget_epochs, a.seed,
               a.seeds_averaged, a.status, a.error_message, a.init, a.config_json) !=
      std::tie(b.space, b.benchmark_index, b.arch, b.unique_string, b.dataset, b.protocol, b.budget_epochs, b.seed,
               b.seeds_averaged, b.status, b.error_message, b.init, b.config_json))
    return false;
  for (auto [x, y] :
       {std::pair{a.learning_rate, b.learning_rate}, std::pair{a.params_m, b.params_m}, std::pair{a.flops_m, b.flops_m},
        std::pair{a.wall_seconds, b.wall_seconds}, std::pair{a.images_per_second, b.images_per_second}})
    if (!same_number(x, y)) return false;
  if (a.final_metrics.size() != b.final_metrics.size()) return false;
  for (auto ia = a.final_metrics.begin(), ib = b.final_metrics.begin(); ia != a.final_metrics.end(); ++ia, ++ib)
    if (ia->first != ib->first || !same_number(ia->second.accuracy, ib->second.accuracy) ||
        !same_number(ia->second.loss, ib->second.loss))
      return false;
  const EpochCurves& ca = a.curves;
  const EpochCurves& cb = b.curves;
  return same_series(ca.train_loss, cb.train_loss) && same_series(ca.train_accuracy, cb.train_accuracy) &&
         same_series(ca.learning_rate, cb.learning_rate) && same_series(ca.epoch_seconds, cb.epoch_seconds) &&
         same_series_map(ca.eval_accuracy, cb.eval_accuracy) && same_series_map(ca.eval_loss, cb.eval_loss);
}

}  // namespace nasrank::store
