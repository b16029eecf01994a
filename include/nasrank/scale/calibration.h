#pragma once
// The calibrated base learning rate (paper section 4, step 1): "the largest
// learning rate that reaches the smallest training loss after one epoch" on
// the shallowest network, found on a grid (estimate_max_rate in max_rate.h).
// `nasrank calibrate` writes this file with the whole curve; the scaler and
// the protocols read `base_lr` from it, and every run that uses it records
// the rule, the tolerance and the loss definition that chose it.
#include "nasrank/scale/max_rate.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace nasrank::scale {

// One grid rate: a loss per seed under both definitions, so the file shows
// whether the choice of definition changes the base rate.
struct CalibrationPoint {
  double rate = 0.0;
  std::vector<double> epoch_mean;  // per seed; NaN: diverged
  std::vector<double> last_steps;  // per seed, mean of the last `loss.steps` steps; NaN: diverged or not recorded
  std::vector<bool> diverged;      // per seed
};

struct Calibration {
  double base_lr = 0.0;              // the chosen rate
  std::string dataset;               // dataset key it was calibrated on
  std::string protocol;              // protocol name (batch size, augmentation, ...)
  std::string base_architecture;     // encoding of the shallowest network used
  std::vector<std::uint64_t> seeds;  // one training per grid rate and seed; ranked by the mean over seeds
  LossChoice loss;                   // the definition that ranked the rates (its `steps` also sizes last_steps)
  // 0: the paper's rule (smallest mean loss; among equal losses the largest
  // rate). > 0: the largest rate whose loss is within tolerance (relative)
  // of the smallest, an explicit deviation recorded wherever it is used.
  double tolerance = 0.0;
  std::vector<CalibrationPoint> curve;  // ascending rates
  double interpolated_lr = 0.0;         // log-parabola vertex around base_lr (informative; 0 if none)
  GridEdge edge = GridEdge::None;       // base_lr at an edge of the grid: widen the grid
  std::string tool_version;
};

// "smallest-loss" (tolerance 0) or "within-tolerance".
std::string calibration_rule_name(const Calibration& calibration);
// The curve under `choice` (the losses that rank the rates).
RateCurve calibration_curve(const Calibration& calibration, const LossChoice& choice);
// What a run records about the calibration that gave its base rate.
nlohmann::json calibration_summary(const Calibration& calibration);

nlohmann::json to_json(const Calibration& calibration);
// Throws InputError naming the file and the key for missing, unknown or
// out-of-range fields. Files written before the curve was kept (keys
// "grid", "final_losses", "seed") are read as one seed of epoch-mean losses.
Calibration calibration_from_json(const nlohmann::json& doc, const std::string& source);
Calibration read_calibration(const std::filesystem::path& path);
// Written atomically (temporary file + rename).
void write_calibration(const std::filesystem::path& path, const Calibration& calibration);

}  // namespace nasrank::scale
