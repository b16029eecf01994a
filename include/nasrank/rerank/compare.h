#pragma once
// Turns two sets of stored results into the analyzer's comparison input:
// picks each side's runs (store, protocol, budget), averages seeds, matches
// architectures by their canonical key (never by row position), leaves out
// disconnected cells with counts, ranks diverged runs by the chosen policy,
// and builds a like-with-like seed-noise ceiling where a side has two or more
// seeds (docs/method.md).
#include "nasrank/analyze/report.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace nasrank::rerank {

struct ComparisonSide {
  std::filesystem::path store;
  // Needed only when the store holds several protocols / budgets; the error
  // lists what is there.
  std::optional<std::string> protocol;
  std::optional<int> budget_epochs;
  std::string label;  // shown in the report; default: the protocol name
};

struct ComparisonOptions {
  std::string dataset;
  std::string split = "test";         // logical (test/valid) or exact (x-valid, ori-test)
  bool include_disconnected = false;  // the benchmark reports them at chance; default leaves them out
  // Which side's two seeds give the noise ceiling: "auto" (the reference if
  // it has two seeds, else the candidate), "reference", "candidate", "none".
  std::string ceiling = "auto";
  // Diverged runs (docs/method.md, "Diverged runs"):
  //   "chance"      (default) the run's accuracy is chance for the dataset
  //                 (100 / classes), so it ranks below every run that learned;
  //   "exclude"     architectures with a diverged run leave both sides;
  //   "last-finite" the last finite accuracy measured for the split.
  std::string diverged = "chance";
  analyze::AnalysisOptions analysis;
};

// InputError naming the store for a missing dataset (listing the stored
// ones; names are matched case-insensitively, '-' and '_' ignored), an
// ambiguous protocol or budget, or a dataset whose chance level is unknown
// under the "chance" policy.
analyze::ComparisonInput build_comparison(const ComparisonSide& reference, const ComparisonSide& candidate,
                                          const ComparisonOptions& options);

// The protocols and budgets a store holds for a dataset (for messages and
// for `nasrank report`).
struct StoreContents {
  std::vector<std::string> protocols;
  std::vector<int> budgets;
};
StoreContents store_contents(const std::filesystem::path& store, const std::string& dataset);

}  // namespace nasrank::rerank

namespace nasrank::rerank {

// Every comparison a re-rank store supports. Each is written as
// report.{html,md,json} into a folder: `out_dir` itself for the first
// protocol against the baseline, out_dir/<candidate>-vs-<baseline>/ for the
// other protocols and out_dir/<protocol>-vs-reference/ against the reference
// store. Every report is built before any folder is created.
// `baseline` empty: the protocol whose name says "benchmark" or "nb201", else
// the first in name order.
struct WrittenReport {
  std::string title;
  std::filesystem::path html;
  analyze::Report report;
};
std::vector<WrittenReport> write_store_reports(const std::filesystem::path& store,
                                               const std::optional<std::filesystem::path>& reference,
                                               const std::optional<int>& reference_budget, const std::string& baseline,
                                               const ComparisonOptions& options, const std::filesystem::path& out_dir);

}  // namespace nasrank::rerank
