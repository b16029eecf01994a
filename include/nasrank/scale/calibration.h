#pragma once
// The calibrated base learning rate (paper section 4, step 1): the largest
// rate on a grid whose one-epoch training loss on the shallowest network is
// within a tolerance of the best. `nasrank calibrate` writes this file; the
// scaler and the protocols read `base_lr` from it.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace nasrank::scale {

struct Calibration {
  double base_lr = 0.0;               // the chosen rate
  std::string dataset;                // dataset key it was calibrated on
  std::string protocol;               // protocol name (batch size, augmentation, ...)
  std::string base_architecture;      // encoding of the shallowest network used
  std::vector<double> grid;           // learning rates tried, ascending
  std::vector<double> final_losses;   // final training loss per grid rate (NaN: diverged)
  double tolerance = 0.0;             // relative tolerance on the smallest loss
  std::uint64_t seed = 0;
  std::string tool_version;
};

nlohmann::json to_json(const Calibration& calibration);
// Throws InputError naming the file and the key for missing, unknown or
// out-of-range fields.
Calibration calibration_from_json(const nlohmann::json& doc, const std::string& source);
Calibration read_calibration(const std::filesystem::path& path);
// Written atomically (temporary file + rename).
void write_calibration(const std::filesystem::path& path, const Calibration& calibration);

}  // namespace nasrank::scale
