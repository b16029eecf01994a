#pragma once
// Ranking-correlation reports: one comparison of two rankings of the same
// architectures (say, the benchmark's training against the principled one),
// with its statistics, the seed-noise ceiling and the provenance of both
// sides, rendered as a self-contained HTML page (inline SVG, no network),
// Markdown and JSON carrying the same numbers.
#include "nasrank/analyze/stats.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace nasrank::analyze {

struct ReportSide {
  std::string label;          // short name shown on axes, e.g. "benchmark protocol"
  std::string source;         // file the numbers came from
  nlohmann::json provenance;  // protocol, budget, split, seeds, configuration, tool version ...
};

// How many architectures were matched and why others were left out.
struct ReportCounts {
  std::size_t matched = 0;
  std::size_t only_reference = 0;         // in the reference side only
  std::size_t only_candidate = 0;         // in the candidate side only
  std::size_t excluded_disconnected = 0;  // disconnected cells left out (the default)
  std::size_t diverged = 0;               // architectures with a diverged run on either side
  std::size_t non_finite = 0;             // other missing or non-finite values (left out)
};

// How diverged runs entered the ranking, and what the result is the other way.
struct DivergedTreatment {
  std::string policy = "chance";  // "chance", "exclude" or "last-finite"
  std::string description;        // one sentence, e.g. "a diverged run counts as chance accuracy (10% on cifar10)"
  std::size_t reference = 0;      // architectures with a diverged run on the reference side
  std::size_t candidate = 0;      // ... on the candidate side
  // The same comparison treated the other way: without the diverged
  // architectures (chance, last-finite), or with them at chance (exclude).
  // Empty when nothing diverged.
  std::string alternate_description;
  std::vector<double> alternate_reference;
  std::vector<double> alternate_candidate;
};

// What the report knows of one matched architecture beyond its two values.
struct ArchitectureDetail {
  int benchmark_index = -1;                   // NAS-Bench-201 index, -1 when not a benchmark cell
  std::string arch;                           // arch string or DAG code
  std::vector<std::int64_t> reference_seeds;  // seeds behind the reference value (empty: a stored mean)
  std::vector<double> reference_seed_values;  // as ranked (diverged policy applied)
  std::vector<std::int64_t> candidate_seeds;
  std::vector<double> candidate_seed_values;
  double reference_lr = std::numeric_limits<double>::quiet_NaN();  // learning rate the run used
  double candidate_lr = std::numeric_limits<double>::quiet_NaN();
  std::string reference_init;  // "benchmark", "principled" or empty
  std::string candidate_init;
  int paths = -1;          // input-to-output paths (-1: unknown)
  int longest_depth = -1;  // most parameterized edges on one path (-1: unknown)
  bool reference_diverged = false;
  bool candidate_diverged = false;
};

// Seed noise, like with like (docs/method.md, "Seed-noise ceiling"): one
// protocol's values from two disjoint halves of its seeds (h seeds each,
// averaged), and the other protocol's value from h seeds, over the same
// architectures. The ceiling is tau_b(seed_a, seed_b); the ranking change
// exceeds seed noise when tau_b(seed_a, other) is reliably below it.
struct NoiseCeilingInput {
  std::string description;     // e.g. "benchmark: seed 777 vs seed 888 (single seeds)"
  std::vector<double> seed_a;  // half 1 of the ceiling side
  std::vector<double> seed_b;  // half 2 of the ceiling side
  std::vector<double> other;   // the other side, from as many seeds as a half
  std::size_t seeds_per_half = 1;
  std::string other_description;  // e.g. "principled: seed 1" or "its stored mean over 3 seeds"
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
  DivergedTreatment diverged;
  // Empty, or one entry per key (same order).
  std::vector<ArchitectureDetail> details;
  std::optional<NoiseCeilingInput> noise_ceiling;
  AnalysisOptions options;
};

struct Report {
  ComparisonInput input;
  RankingComparison comparison;
  std::optional<CorrelationSummary> ceiling;   // tau_b(seed_a, seed_b) with its interval
  std::vector<TopPercentPoint> ceiling_curve;  // top-K% curve between the two halves, with bands
  std::optional<SeedNoiseTest> noise_test;     // present with the ceiling
  bool exceeds_seed_noise = false;             // noise_test->exceeds
  // Kendall tau-b of DivergedTreatment's alternate (n == 0 when nothing diverged).
  KendallResult diverged_alternate;
  bool diverged_alternate_supported = false;  // its n reaches min_n
  // Ranks 1..n, 1 = the highest accuracy; ties share their average rank.
  std::vector<double> reference_ranks;
  std::vector<double> candidate_ranks;
  std::string headline;               // the result in one sentence, with interval and verdict
  std::vector<std::string> warnings;  // caveats, shown under the headline and on stderr by the CLI
  std::string tool_version;
  std::string created_at;
};

// Throws InputError when fewer than two architectures are matched; between
// two and options.min_n the report is built with every rank statistic
// marked "n too small" and a warning.
Report build_report(ComparisonInput input);

nlohmann::json report_json(const Report& report);
std::string report_markdown(const Report& report);
std::string report_html(const Report& report);

// Writes out_dir/report.{html,md,json}, creating out_dir (and its parents)
// only now, after the report was built; each file atomically (temporary file
// + rename), so a failure leaves no partial report. InputError when out_dir
// exists and is not a folder. Returns the HTML path.
std::filesystem::path write_report(const Report& report, const std::filesystem::path& out_dir);

// Text from the user (titles, labels, store paths, arch strings) in Markdown:
// every character Markdown or a table gives a meaning is backslash-escaped
// and line breaks become spaces, so a label shows as written and cannot break
// a table row or inject a link.
std::string markdown_text(const std::string& text);

}  // namespace nasrank::analyze
