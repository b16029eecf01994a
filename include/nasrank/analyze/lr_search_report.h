#pragma once
// The report of a learning-rate search (`nasrank lr-search`): per
// architecture the loss-vs-rate curve and its empirical maximal rate, then
// how well the paper's law (and simpler rules) predict those rates. HTML with
// inline SVG, Markdown and JSON. Plain C++; the numbers come from
// analyze_lr_search.
#include "nasrank/analyze/lr_law.h"
#include "nasrank/scale/max_rate.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nasrank::analyze {

struct SearchedArchitecture {
  std::string key;         // canonical encoding (DAG code or arch string)
  int paths = 0;           // input-to-output paths
  int longest_depth = 0;   // parameterized edges on the longest path
  scale::RateCurve curve;  // the search's rates; losses per seed (NaN: diverged or missing)
  std::vector<std::uint64_t> seeds;
  // Predicted factor per predictor (the scaler's rate for base 1); absent
  // where the predictor gives this architecture no rate.
  std::map<std::string, double> predicted;
};

struct LrSearchInput {
  std::string search_id;
  std::string dataset;
  std::string protocol;  // the searched protocol (network, optimizer, batch, init, data budget)
  int epochs = 1;        // budget of every point
  scale::LossChoice loss;
  double tolerance = 0.0;               // 0: the paper's rule
  std::vector<std::string> predictors;  // order of the fit table; the first is the headline
  std::vector<SearchedArchitecture> architectures;
  nlohmann::json provenance;  // protocol, degree, grid, seeds, store, ...
};

struct ArchitectureEstimate {
  SearchedArchitecture architecture;
  scale::MaxRateEstimate estimate;
  bool used_in_fit = false;      // found, not at a grid edge, a complete curve
  std::string excluded_because;  // when not used
};

struct LrSearchReport {
  LrSearchInput input;
  std::vector<ArchitectureEstimate> estimates;
  std::vector<LawFit> fits;                     // one per predictor with at least 3 usable architectures
  std::vector<std::string> skipped_predictors;  // and why
  // Slope-one residuals of the headline predictor, grouped.
  std::vector<ResidualGroup> residuals_by_paths;
  std::vector<ResidualGroup> residuals_by_depth;
  std::string verdict;  // plain language
  std::string tool_version;
  std::string created_at;
};

// Estimates every architecture's maximal rate (estimate_max_rate with the
// input's tolerance, on the interpolated value) and fits each predictor on
// the architectures whose estimate is usable; an estimate at a grid edge is
// censored (the true maximum lies outside the grid) and left out of the fit,
// with its count in the report. A predictor with fewer than 3 usable
// architectures is not fitted (skipped_predictors says so); without the
// headline fit the verdict says the law could not be tested and why.
LrSearchReport analyze_lr_search(const LrSearchInput& input, const BootstrapOptions& bootstrap);

std::string lr_search_markdown(const LrSearchReport& report);
std::string lr_search_html(const LrSearchReport& report);
nlohmann::json to_json(const LrSearchReport& report);

// lr-search.html, lr-search.md and lr-search.json in `out_dir` (created);
// returns the HTML path.
std::filesystem::path write_lr_search_report(const LrSearchReport& report, const std::filesystem::path& out_dir);

}  // namespace nasrank::analyze
