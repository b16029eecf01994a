#pragma once
// Turns two sets of stored results into the analyzer's comparison input:
// picks each side's runs (store, protocol, budget), averages seeds, matches
// architectures by their canonical key (never by row position), leaves out
// disconnected and diverged cells with counts, and finds a seed-noise
// ceiling where a side has two seeds.
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
  std::string split = "test";           // logical (test/valid) or exact (x-valid, ori-test)
  bool include_disconnected = false;    // the benchmark reports them at chance; default leaves them out
  // Which side's two seeds give the noise ceiling: "auto" (the reference if
  // it has two seeds, else the candidate), "reference", "candidate", "none".
  std::string ceiling = "auto";
  analyze::AnalysisOptions analysis;
};

// InputError naming the store for a missing dataset, an ambiguous protocol or
// budget, or fewer than two matched architectures.
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

// Every comparison a re-rank store supports, written into `out_dir`:
//   report.{html,md,json}              each other protocol vs the baseline protocol
//                                      (the first other one; more are named
//                                      <candidate>-vs-<baseline>.*)
//   <protocol>-vs-reference.{...}      each protocol vs the reference store, if given
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
