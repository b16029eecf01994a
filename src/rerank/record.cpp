#include "nasrank/rerank/record.h"

#include "nasrank/common/version.h"

#include <cmath>
#include <set>

namespace nasrank::rerank {

store::RunRecord to_run_record(const train::TrainResult& r) {
  store::RunRecord run;
  run.space = r.space;
  run.benchmark_index = r.benchmark_index.value_or(-1);
  run.arch = r.canonical;
  run.unique_string = r.unique_string;
  run.dataset = r.dataset;
  run.protocol = r.protocol;
  run.budget_epochs = r.epochs;
  run.seed = static_cast<std::int64_t>(r.seed);
  switch (r.status) {
    case train::RunStatus::Ok:
      run.status = store::RunStatus::Ok;
      break;
    case train::RunStatus::Diverged:
      run.status = store::RunStatus::Diverged;
      break;
    case train::RunStatus::Disconnected:
      run.status = store::RunStatus::Disconnected;
      break;
  }
  run.error_message = r.status_detail;
  for (const auto& [split, metrics] : r.final_metrics) run.final_metrics[split] = {metrics.accuracy, metrics.loss};

  std::set<std::string> splits;
  for (const auto& epoch : r.history)
    for (const auto& [split, metrics] : epoch.evaluations) splits.insert(split);
  const double nan = std::nan("");
  for (const auto& split : splits) {
    run.curves.eval_accuracy[split].assign(r.history.size(), nan);
    run.curves.eval_loss[split].assign(r.history.size(), nan);
  }
  for (std::size_t e = 0; e < r.history.size(); ++e) {
    const auto& epoch = r.history[e];
    run.curves.train_loss.push_back(epoch.train_loss);
    run.curves.train_accuracy.push_back(epoch.train_accuracy);
    run.curves.learning_rate.push_back(epoch.learning_rate);
    run.curves.epoch_seconds.push_back(epoch.train_seconds);
    for (const auto& [split, metrics] : epoch.evaluations) {
      run.curves.eval_accuracy[split][e] = metrics.accuracy;
      run.curves.eval_loss[split][e] = metrics.loss;
    }
  }
  run.learning_rate = r.learning_rate;
  run.init = r.initialization;
  run.params_m = r.params_m;
  run.flops_m = r.flops_m;
  run.wall_seconds = r.wall_seconds;
  run.images_per_second = r.images_per_second;
  // Kept for end-of-epoch losses (see scale::LossChoice); the store has no per-step series.
  nlohmann::json step_losses = nlohmann::json::array();
  for (double loss : r.final_step_losses)
    step_losses.push_back(std::isfinite(loss) ? nlohmann::json(loss) : nlohmann::json(nullptr));
  // Everything that decided the numbers, in one document: the resolved
  // protocol, the data actually read, the scaler's working, seed and device.
  run.config_json = nlohmann::json{
      {"configuration", r.config},
      {"data", r.data},
      {"scaler", r.scaler},
      {"learning_rate_rule", r.learning_rate_rule},
      {"seed", r.seed},
      {"device", r.device},
      {"threads", r.threads},
      {"params_built_m", r.params_built_m},
      {"flops_built_m", r.flops_built_m},
      {"final_step_losses", step_losses},
      {"build",
       r.build}}.dump();
  run.tool_version = r.tool_version.empty() ? version() : r.tool_version;
  return run;
}

store::RunRecord failed_run_record(const std::string& space, const std::string& arch, const std::string& dataset,
                                   const std::string& protocol, int budget_epochs, std::uint64_t seed,
                                   const std::string& error, const std::string& config_json) {
  store::RunRecord run;
  run.space = space;
  run.arch = arch;
  run.dataset = dataset;
  run.protocol = protocol;
  run.budget_epochs = budget_epochs;
  run.seed = static_cast<std::int64_t>(seed);
  run.status = store::RunStatus::Failed;
  run.error_message = error;
  run.config_json = config_json;
  run.tool_version = version();
  return run;
}

}  // namespace nasrank::rerank
