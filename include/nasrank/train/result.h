#pragma once
// The record of one training run, in plain types: what was trained, how, on
// which data, and what came out, epoch by epoch. The results store keeps it;
// its JSON form (to_json / train_result_from_json, the one place it is
// converted) is what `nasrank train --out` writes.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nasrank::train {

enum class RunStatus {
  Ok,
  Diverged,      // the training loss became NaN or infinite; the run stopped there
  Disconnected,  // no input-to-output path: not trained, reported at chance
};
std::string_view run_status_name(RunStatus status);  // "ok" | "diverged" | "disconnected"
RunStatus parse_run_status(std::string_view name);

struct SplitMetrics {
  double loss = 0.0;        // mean cross-entropy
  double accuracy = 0.0;    // top-1, percent
  std::int64_t images = 0;  // images it was measured on
};

struct EpochRecord {
  int epoch = 0;                  // 0-based
  double learning_rate = 0.0;     // the rate this epoch ran at (its first step's, when updated per step)
  double train_loss = 0.0;        // running average over the epoch's batches (as the benchmark)
  double train_accuracy = 0.0;    // running average, percent
  std::int64_t train_images = 0;  // images seen this epoch
  double train_seconds = 0.0;     // training time of the epoch
  double eval_seconds = 0.0;      // evaluation time after it (0 when not evaluated)
  std::map<std::string, SplitMetrics> evaluations;  // split -> metrics, on epochs that were evaluated
};

struct TrainResult {
  // What was trained.
  std::string architecture;            // the encoding as given
  std::string space;                   // "nb201" | "dag"
  std::string canonical;               // arch string (NAS-Bench-201) or DAG code
  std::optional<int> benchmark_index;  // NAS-Bench-201 index
  std::string unique_string;           // the benchmark's isomorphism key (zeros considered)
  std::string dataset;                 // dataset key ("cifar10-valid", "fashion-mnist", ...)
  std::string protocol;                // protocol name
  int epochs = 0;                      // the protocol's budget
  std::uint64_t seed = 0;

  // What came out.
  RunStatus status = RunStatus::Ok;
  std::string status_detail;         // why, for diverged / disconnected
  std::vector<EpochRecord> history;  // one per epoch run
  // "train" (last epoch's running averages) and every evaluation split after
  // the last epoch. Disconnected: accuracy 100 / classes, loss ln(classes).
  std::map<std::string, SplitMetrics> final_metrics;
  // Loss of each of the final epoch's last steps (at most
  // scale::kRecordedTailSteps, oldest first; a diverged run ends with its
  // non-finite step): what an end-of-epoch loss is computed from.
  std::vector<double> final_step_losses;

  // Hyperparameters used.
  double learning_rate = 0.0;      // peak rate before the schedule
  std::string learning_rate_rule;  // "fixed" | "scaler"
  std::string initialization;      // "benchmark" | "principled"
  // Scaler details: convention, degree, base_lr (+ calibration file), path
  // depths, sum of cubed depths; null for a fixed rate.
  nlohmann::json scaler;

  // Cost (see cost.h): the benchmark's counts and what was really built.
  double params_m = 0.0;
  double flops_m = 0.0;
  double params_built_m = 0.0;
  double flops_built_m = 0.0;

  // Performance.
  double wall_seconds = 0.0;       // the whole run, data loading and evaluation included
  double train_seconds = 0.0;      // training epochs only
  double images_per_second = 0.0;  // training images / train_seconds
  std::string device;              // "cpu" | "cuda"
  int threads = 0;                 // intra-op threads

  // Provenance.
  nlohmann::json config;  // fully resolved configuration (protocol, network, runtime)
  nlohmann::json data;    // split names, sizes, files read
  std::string tool_version;
  std::string build;
};

nlohmann::json to_json(const TrainResult& result);
// Throws InputError naming `source` and the key for missing or mistyped fields.
TrainResult train_result_from_json(const nlohmann::json& doc, const std::string& source);

}  // namespace nasrank::train
