#pragma once
// Ranking-correlation reports: one comparison of two rankings of the same
// architectures (say, the benchmark's training against the principled one),
// with its statistics, the seed-noise ceiling and the provenance of both
// sides, rendered as a self-contained HTML page (inline SVG, no network),
// Markdown and JSON carrying the same numbers.
#include "nasrank/analyze/stats.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace nasrank::analyze {

struct ReportSide {
  std::string label;         // short name shown on axes, e.g. "benchmark protocol"
  std::string source;        // file the numbers came from
  nlohmann::json provenance;  // protocol, budget, split, seeds, configuration, tool version ...
};

// How many architectures were matched and why others were left out.
struct ReportCounts {
  std::size_t matched = 0;
  std::size_t only_reference = 0;        // in the reference side only
  std::size_t only_candidate = 0;        // in the candidate side only
  std::size_t excluded_disconnected = 0;  // disconnected cells left out (the default)
  std::size_t diverged = 0;              // runs with status diverged on either side (left out)
  std::size_t non_finite = 0;            // other missing or non-finite values (left out)
};

// The same statistics between two seeds of one protocol: a ranking change is
// only meaningful where it falls below this agreement.
struct NoiseCeilingInput {
  std::string description;  // e.g. "reference, seed 777 vs seed 888"
  std::vector<double> seed_a;
  std::vector<double> seed_b;
};

struct ComparisonInput {
  std::string title;
  std::string dataset;
  std::string metric;  // e.g. "test accuracy (ori-test), %"
  ReportSide reference;
  ReportSide candidate;
  // Matched architectures: keys[i] names architecture i on both sides.
  std::vector<std::string> keys;
  std::vector<std::string> labels;  // human-readable name per key (arch string or index)
  std::vector<double> reference_values;
  std::vector<double> candidate_values;
  ReportCounts counts;
  std::optional<NoiseCeilingInput> noise_ceiling;
  AnalysisOptions options;
};

struct Report {
  ComparisonInput input;
  RankingComparison comparison;
  std::optional<CorrelationSummary> ceiling;
  std::vector<TopPercentPoint> ceiling_curve;  // top-K% curve between the two seeds
  bool exceeds_seed_noise = false;             // tau-b CI entirely below the ceiling's CI
  std::string tool_version;
  std::string created_at;
};

// Throws InputError when fewer than two architectures are matched.
Report build_report(ComparisonInput input);

nlohmann::json report_json(const Report& report);
std::string report_markdown(const Report& report);
std::string report_html(const Report& report);

// Writes <out>.html, <out>.md and <out>.json, or report.{html,md,json} inside
// <out> when it is an existing directory; each atomically (temporary file +
// rename), so a failure leaves no partial report. Returns the HTML path.
std::filesystem::path write_report(const Report& report, const std::filesystem::path& out);

}  // namespace nasrank::analyze
