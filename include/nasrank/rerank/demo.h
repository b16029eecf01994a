#pragma once
// The built-in demonstration behind `nasrank rerank` with no arguments: a
// seeded sample of NAS-Bench-201 cells on Fashion-MNIST under the small CPU
// budgets of both demo protocols, two seeds, then the report. Small enough for
// 10 minutes on 2 cores, real enough to show a ranking change with its
// uncertainty.
#include "nasrank/rerank/compare.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace nasrank::rerank {

struct DemoPlan {
  std::size_t sample = 10;  // cells, spread over 0 to 6 convolutions
  std::uint64_t sample_seed = 2024;
  std::vector<std::string> archs;  // nb201_sample_across_conv_counts(sample, sample_seed)
  std::vector<std::string> protocols{"demo-benchmark", "demo-principled"};
  std::vector<std::uint64_t> seeds{1, 2};
  std::string dataset = "fashion-mnist";
  std::filesystem::path dir = "nasrank-demo";  // relative to the working directory
  std::filesystem::path store;                 // default store: <dir>/runs.h5
  std::filesystem::path report_dir;            // default reports: <dir>
  // The principled protocol's base rate, calibrated once on this dataset and
  // budget and reused by every later demo run.
  std::filesystem::path calibration;  // <dir>/calibration-fashion-mnist-demo.json
};

DemoPlan demo_plan();

// One line saying what the demo trains ("10 NAS-Bench-201 cells with 0 to 6
// convolutions (sample seed 2024) on Fashion-MNIST, ...").
std::string describe_demo(const DemoPlan& plan);

// Creates the demo's folder and, when plan.calibration is set and does not
// exist yet,
// calibrates the base learning rate once by running `worker_binary
// calibrate ...` (its stdout goes to our stderr: the demo's stdout is for
// results). `log` receives one line saying whether it calibrates or reuses.
// IoError when the calibration cannot start or fails.
void prepare_demo(const DemoPlan& plan, const std::filesystem::path& worker_binary,
                  const std::function<void(const std::string&)>& log);

// The analysis settings of the rerank report: 1000 bootstrap resamples on two
// threads, top-k overlap at k = 10, or 5 for the demo (top-k overlap needs
// n >= 2k and the demo has 10 cells).
ComparisonOptions rerank_comparison_options(bool demo);

}  // namespace nasrank::rerank
