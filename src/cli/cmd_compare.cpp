// `nasrank compare` and `nasrank report`: ranking-correlation reports from stores.
#include "cli_common.h"

#include "nasrank/common/error.h"
#include "nasrank/rerank/compare.h"

#include <cstdio>
#include <memory>

namespace nasrank::cli {
namespace {

struct AnalysisFlags {
  std::string dataset;
  std::string metric = "test";
  bool include_disconnected = false;
  std::string ceiling = "auto";
  std::size_t resamples = 1000;
  std::uint64_t seed = 0;
  std::size_t top_k = 100;
  std::size_t min_n = 8;
  std::string diverged = "chance";
  std::string out = "report";
};

void add_analysis_flags(CLI::App& cmd, AnalysisFlags& f) {
  cmd.add_option("--dataset", f.dataset, "Dataset key (cifar10, cifar100, ImageNet16-120, fashion-mnist, ...)")
      ->required();
  cmd.add_option("--metric", f.metric, "Accuracy compared: test, valid, or an exact split (x-valid, ori-test, ...)")
      ->default_val("test");
  cmd.add_flag(
      "--include-disconnected", f.include_disconnected,
      "Keep cells with no input-to-output path (the benchmark scores them at chance); default leaves them out");
  cmd.add_option("--ceiling", f.ceiling,
                 "Which side's two seeds give the noise ceiling: auto, reference, candidate, none")
      ->default_val("auto")
      ->check(CLI::IsMember({"auto", "reference", "candidate", "none"}));
  cmd.add_option("--bootstrap", f.resamples, "Bootstrap resamples for the confidence intervals")
      ->default_val(1000)
      ->check(CLI::Range(1, 100000));
  cmd.add_option("--seed", f.seed, "Seed of the bootstrap")->default_val(0)->check(whole_number(0, kMaxSeed));
  cmd.add_option("--top-k", f.top_k, "k of the top-k overlap")->default_val(100)->check(positive_number());
  cmd.add_option("--min-n", f.min_n,
                 "Smallest n a rank statistic is shown for (tau/rho: n >= MIN; a top-K% point: >= MIN architectures); "
                 "below it the report says 'n too small'")
      ->default_val(8)
      ->check(CLI::Range(2, 1000000));
  cmd.add_option("--diverged", f.diverged,
                 "Diverged runs: chance (rank below every finished run, at the dataset's chance accuracy), exclude "
                 "(leave those architectures out of both sides) or last-finite (the last finite accuracy measured)")
      ->default_val("chance")
      ->check(CLI::IsMember({"chance", "exclude", "last-finite"}));
  cmd.add_option("-o,--out", f.out,
                 "Output folder: report.html, report.md and report.json inside, created only on success")
      ->default_val("report");
}

rerank::ComparisonOptions comparison_options(const AnalysisFlags& f) {
  rerank::ComparisonOptions o;
  o.dataset = f.dataset;
  o.split = f.metric;
  o.include_disconnected = f.include_disconnected;
  o.ceiling = f.ceiling;
  o.diverged = f.diverged;
  o.analysis.min_n = f.min_n;
  o.analysis.bootstrap.resamples = f.resamples;
  o.analysis.bootstrap.seed = f.seed;
  o.analysis.bootstrap.threads = 2;
  o.analysis.top_k = f.top_k;
  return o;
}

std::string statistic(bool supported, std::size_t n, double value, const analyze::Interval* interval) {
  if (!supported) return "n too small (n=" + std::to_string(n) + ")";
  char buffer[96];
  if (interval)
    std::snprintf(buffer, sizeof buffer, "%.4f [%.4f, %.4f]", value, interval->lower, interval->upper);
  else
    std::snprintf(buffer, sizeof buffer, "%.4f", value);
  return buffer;
}

std::string summary_line(const analyze::Report& r) {
  const auto& c = r.comparison.correlation;
  const auto& counts = r.input.counts;
  const std::size_t n = counts.matched;
  char buffer[512];
  std::string out = r.input.title + "\n  " + r.headline + "\n";
  std::snprintf(
      buffer, sizeof buffer,
      "  matched %zu (disconnected left out: %zu, diverged: %zu [%s], only reference: %zu, only candidate: %zu)\n", n,
      counts.excluded_disconnected, counts.diverged, r.input.diverged.policy.c_str(), counts.only_reference,
      counts.only_candidate);
  out += buffer;
  out += "  Kendall tau-b " + statistic(c.supported, n, c.kendall.tau_b, &c.tau_b_interval) + "  Spearman rho " +
         statistic(c.supported, n, c.spearman_rho, &c.rho_interval) + "  Pearson r " +
         statistic(c.supported, n, c.pearson_r, nullptr) + "  top-" + std::to_string(r.comparison.top_k.k) +
         " overlap " + statistic(r.comparison.top_k.supported, n, r.comparison.top_k.fraction, nullptr) + "\n";
  const auto& diverged = r.input.diverged;
  if (!diverged.alternate_description.empty())
    out += "  diverged: " + std::to_string(diverged.reference) + " on " + r.input.reference.label + ", " +
           std::to_string(diverged.candidate) + " on " + r.input.candidate.label + "; Kendall tau-b " +
           diverged.alternate_description + " " +
           statistic(r.diverged_alternate_supported, r.diverged_alternate.n, r.diverged_alternate.tau_b, nullptr) +
           " (n=" + std::to_string(r.diverged_alternate.n) + ")\n";
  std::snprintf(buffer, sizeof buffer, "  accuracy change mean %+.3f, median %+.3f points\n", r.comparison.change.mean,
                r.comparison.change.median);
  out += buffer;
  if (r.ceiling && r.noise_test && r.noise_test->supported) {
    out += "  noise ceiling tau-b " +
           statistic(true, r.ceiling->n, r.ceiling->kendall.tau_b, &r.ceiling->tau_b_interval) + " (" +
           r.input.noise_ceiling->description + "): change " + (r.exceeds_seed_noise ? "exceeds" : "does not exceed") +
           " seed noise\n";
  } else if (r.noise_test) {
    out += "  no seed-noise verdict: n too small (n=" + std::to_string(r.noise_test->n) + ")\n";
  } else {
    out += "  no noise ceiling (needs two seeds of one protocol)\n";
  }
  return out;
}

void print_warnings(const analyze::Report& r) {
  for (const auto& warning : r.warnings) std::fprintf(stderr, "warning: %s\n", warning.c_str());
}

struct CompareFlags {
  AnalysisFlags analysis;
  std::string reference, candidate;
  std::string protocol_a, protocol_b, label_a, label_b;
  int budget = 0, budget_a = 0, budget_b = 0;
};

int run_compare(const CompareFlags& f) {
  auto side = [&](const std::string& path, const std::string& protocol, int budget, const std::string& label) {
    rerank::ComparisonSide s;
    s.store = path;
    if (!protocol.empty()) s.protocol = protocol;
    if (budget > 0)
      s.budget_epochs = budget;
    else if (f.budget > 0)
      s.budget_epochs = f.budget;
    s.label = label;
    return s;
  };
  const auto options = comparison_options(f.analysis);
  analyze::Report report =
      analyze::build_report(rerank::build_comparison(side(f.reference, f.protocol_a, f.budget_a, f.label_a),
                                                     side(f.candidate, f.protocol_b, f.budget_b, f.label_b), options));
  const auto html = analyze::write_report(report, f.analysis.out);
  print_warnings(report);
  write_stdout(summary_line(report) + "  report: " + html.string() + " (+ report.md, report.json)\n");
  return kExitOk;
}

struct ReportFlags {
  AnalysisFlags analysis;
  std::string store, reference, baseline;
  int reference_budget = 0;
};

int run_report(const ReportFlags& f) {
  std::optional<std::filesystem::path> reference;
  if (!f.reference.empty()) reference = f.reference;
  std::optional<int> budget;
  if (f.reference_budget > 0) budget = f.reference_budget;
  const auto written = rerank::write_store_reports(f.store, reference, budget, f.baseline,
                                                   comparison_options(f.analysis), f.analysis.out);
  std::string out;
  for (const auto& w : written) {
    print_warnings(w.report);
    out += summary_line(w.report) + "  report: " + w.html.string() + "\n";
  }
  write_stdout(out);
  return kExitOk;
}

}  // namespace

void add_compare_command(CLI::App& app, CommandRunner& run) {
  auto f = std::make_shared<CompareFlags>();
  auto* cmd = app.add_subcommand("compare", "Compare the rankings of two stores (A = reference, B = candidate)");
  cmd->add_option("A", f->reference, "Reference store (.h5), e.g. the imported benchmark")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("B", f->candidate, "Candidate store (.h5), e.g. a re-rank")->required()->check(CLI::ExistingFile);
  cmd->add_option("--budget", f->budget, "Training budget in epochs, both sides (needed when a store holds several)")
      ->check(whole_number(1, kMaxBudgetEpochs));
  cmd->add_option("--budget-a", f->budget_a, "Budget of A only")->check(whole_number(1, kMaxBudgetEpochs));
  cmd->add_option("--budget-b", f->budget_b, "Budget of B only")->check(whole_number(1, kMaxBudgetEpochs));
  cmd->add_option("--protocol-a", f->protocol_a, "Protocol of A (needed when A holds several)");
  cmd->add_option("--protocol-b", f->protocol_b, "Protocol of B (needed when B holds several)");
  cmd->add_option("--label-a", f->label_a,
                  "Name of A in the report's legends and tables (default: its protocol and budget)");
  cmd->add_option("--label-b", f->label_b,
                  "Name of B in the report's legends and tables (default: its protocol and budget)");
  add_analysis_flags(*cmd, f->analysis);
  cmd->callback([&run, f] { run = [f] { return run_compare(*f); }; });
}

void add_report_command(CLI::App& app, CommandRunner& run) {
  auto f = std::make_shared<ReportFlags>();
  auto* cmd =
      app.add_subcommand("report", "Reports for a re-rank store: its protocols against each other and a reference");
  cmd->add_option("STORE", f->store, "Re-rank store (.h5)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--reference", f->reference, "Reference store, e.g. the imported benchmark")
      ->check(CLI::ExistingFile);
  cmd->add_option("--reference-budget", f->reference_budget, "Budget of the reference runs (when it holds several)")
      ->check(whole_number(1, kMaxBudgetEpochs));
  cmd->add_option("--baseline", f->baseline, "Protocol the others are compared against (default: the benchmark's)");
  add_analysis_flags(*cmd, f->analysis);
  cmd->callback([&run, f] { run = [f] { return run_report(*f); }; });
}

}  // namespace nasrank::cli
