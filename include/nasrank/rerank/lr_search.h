#pragma once
// `nasrank lr-search`: test the paper's law on the user's data. For every
// selected architecture x grid rate x seed, train the protocol's network at
// that constant rate for a short budget (one epoch, as the paper) and store
// the run; per architecture find the empirical maximal rate (max_rate.h) and
// compare it with the predicted one for each depth convention and simpler
// rules (lr_law.h, lr_search_report.h). Runs execute exactly as a re-rank's
// (workers, shards, resume after a kill); `calibrate` is the same search on
// one architecture with the same points and loss.
#include "nasrank/analyze/lr_search_report.h"
#include "nasrank/rerank/placement.h"
#include "nasrank/rerank/plan.h"
#include "nasrank/rerank/rerank.h"
#include "nasrank/scale/max_rate.h"
#include "nasrank/scale/scaler.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace nasrank::rerank {

struct LrSearchOptions {
  ArchitectureSelection selection;
  std::string protocol;  // name (data/protocols) or file: network, optimizer, batch, init, data budget
  std::string dataset;
  std::string data_dir;
  std::vector<double> grid;                   // empty: default_rate_grid over the selection
  std::size_t grid_points = 12;               // rates of the default grid
  std::vector<std::uint64_t> seeds;           // empty: the protocol's
  int epochs = 1;                             // budget of every point (the paper: one epoch)
  std::string search_id;                      // names the runs in the store; empty: the protocol's name
  std::optional<scale::DegreeChoice> degree;  // overrides the protocol's in-degree choice (init only)
  scale::LossChoice loss;                     // which final training loss ranks the rates
  double tolerance = 0.0;                     // 0: the paper's rule
  Shard shard;
  std::filesystem::path store = "lr-search.h5";
  ExecutionOptions execution;  // device, workers and threads (placement.h)
  std::filesystem::path worker_binary;
  std::filesystem::path report_dir;  // empty: no report (also skipped for a shard < n)
  analyze::BootstrapOptions bootstrap;
};

// Everything decided before training, validated: bad input throws
// InputError here and nothing is trained.
struct LrSearchPlan {
  std::string search_id;
  std::vector<PlannedArchitecture> architectures;
  std::vector<double> grid;  // ascending
  std::vector<std::uint64_t> seeds;
  std::vector<std::string> predictors;         // headline first
  std::vector<std::vector<double>> predicted;  // [architecture][predictor]; NaN: no rate under it
  double grid_center = 0.0;                    // the protocol's base rate the default grid is built around
  std::vector<PlannedRun> runs;                // this shard's; `protocol` indexes the grid
  nlohmann::json provenance;
};
LrSearchPlan plan_lr_search(const LrSearchOptions& options);

// log-spaced from center * smallest factor / 16 to center * largest factor * 8
// (factors: the headline convention's predicted rates for base 1), so the
// deepest architecture's minimum and the shallowest one's divergence both
// fall inside. InputError for points < 3 or no factor.
std::vector<double> default_rate_grid(double center, const std::vector<double>& factors, std::size_t points);

// A seeded sample of connected DAGs on `vertices` vertices (one per
// isomorphism class) stratified by predicted rate: the log range of the
// dag-reference factors is cut into `count` equal bins and one architecture
// drawn from each non-empty bin (the rest drawn from the remaining ones), so
// shallow single-path and deep many-path networks are both in.
std::vector<std::string> stratified_dag_sample(int vertices, std::size_t count, std::uint64_t seed);

struct LrSearchSummary {
  LrSearchPlan plan;
  std::size_t planned = 0;
  std::size_t already_stored = 0;
  std::size_t trained = 0;
  std::size_t diverged = 0;
  std::size_t failed = 0;
  bool interrupted = false;
  std::optional<analyze::LrSearchReport> report;
  std::filesystem::path report_html;
  std::string report_error;  // why no report, when it could not be made
};
LrSearchSummary run_lr_search(const LrSearchOptions& options, const ProgressCallback& progress = {});

// The analysis from the store alone (after a cluster run and a merge): the
// plan's architectures and grid, the stored losses under options.loss.
analyze::LrSearchReport lr_search_report(const LrSearchOptions& options, const LrSearchPlan& plan);

}  // namespace nasrank::rerank
