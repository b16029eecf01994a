// `nasrank rerank`: the main job. With no arguments it runs the built-in
// demonstration (a seeded sample of NAS-Bench-201 cells on Fashion-MNIST
// under the small CPU budgets of both protocols, then the report).
#include "cli_common.h"
#include "execution_options.h"
#include "progress.h"
#include "selection_options.h"
#include "worker_binary.h"

#include "nasrank/common/error.h"
#include "nasrank/rerank/demo.h"
#include "nasrank/rerank/plan.h"
#include "nasrank/rerank/rerank.h"

#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <unistd.h>

namespace nasrank::cli {
namespace {

struct RerankFlags {
  SelectionFlags selection;
  std::vector<std::string> protocols;
  std::vector<std::uint64_t> seeds;
  std::string dataset;
  std::string data_dir;
  ExecutionFlags execution;
  std::string out;
  std::string reference;
  int reference_budget = 0;
  std::string calibration;
  bool no_report = false;
};

bool is_demo(const RerankFlags& f) { return f.protocols.empty() && f.dataset.empty() && f.selection.chooses_nothing(); }

void on_signal(int) { rerank::request_stop(); }

int run_rerank_command(RerankFlags f) {
  const bool demo = is_demo(f);
  const std::filesystem::path worker = worker_binary_path();
  rerank::RerankOptions o;
  if (demo) {
    rerank::DemoPlan plan = rerank::demo_plan();
    if (!f.calibration.empty()) plan.calibration.clear();  // the user's replaces the demo's own
    rerank::prepare_demo(plan, worker, [](const std::string& line) { std::cerr << "demo: " << line << "\n"; });
    f.selection.archs = plan.archs;
    f.protocols = plan.protocols;
    f.seeds = plan.seeds;
    f.dataset = plan.dataset;
    if (f.execution.store.empty()) f.execution.store = plan.store.string();
    if (f.out.empty()) f.out = plan.report_dir.string();
    if (f.calibration.empty()) f.calibration = plan.calibration.string();
    std::cerr << "demo: " << rerank::describe_demo(plan) << "\n";
  }
  if (f.protocols.empty()) throw InputError("rerank: give --protocol (one or more), or no arguments for the demo");
  if (f.dataset.empty()) throw InputError("rerank: give --dataset (e.g. cifar10, fashion-mnist)");
  o.selection = to_selection(f.selection);
  o.protocols = f.protocols;
  o.dataset = f.dataset;
  o.data_dir = f.data_dir;
  if (!f.seeds.empty()) o.seeds = f.seeds;
  o.shard = rerank::parse_shard(f.execution.shard);
  o.store = f.execution.store.empty() ? "rerank.h5" : f.execution.store;
  o.execution = to_execution(f.execution);
  o.worker_binary = worker;
  if (!f.no_report)
    o.report_dir =
        f.out.empty() ? std::filesystem::path(o.store).parent_path() / "report" : std::filesystem::path(f.out);
  if (!f.reference.empty()) o.reference = f.reference;
  if (f.reference_budget > 0) o.reference_budget = f.reference_budget;
  if (!f.calibration.empty()) o.calibration = f.calibration;
  o.comparison = rerank::rerank_comparison_options(demo);

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const bool terminal = isatty(STDERR_FILENO) != 0;
  const rerank::RerankSummary s =
      rerank::run_rerank(o, [terminal](const rerank::Progress& p) { draw_progress(p, terminal); });
  if (terminal) std::fprintf(stderr, "\n");

  char line[512];
  std::snprintf(
      line, sizeof line,
      "rerank: %zu architectures, %zu runs planned (shard %s): %zu already stored, %zu trained, %zu diverged, "
      "%zu disconnected (recorded without training), %zu failed\n  store: %s\n",
      s.architectures, s.planned, f.execution.shard.c_str(), s.already_stored, s.trained, s.diverged, s.disconnected,
      s.failed, o.store.string().c_str());
  std::string out = line;
  for (const auto& r : s.reports) {
    // The report's own headline: it withholds numbers the sample cannot support.
    out += "  " + r.report.headline;
    for (const auto& warning : r.report.warnings) std::cerr << "warning: " << warning << "\n";
    out += "\n  report: " + std::filesystem::absolute(r.html).string() + "\n";
  }
  write_stdout(out);
  for (const std::string& note : s.notes) std::cerr << "rerank: note: " << note << "\n";
  if (!s.report_error.empty()) std::cerr << "rerank: no report written: " << s.report_error << "\n";
  if (s.interrupted) {
    std::cerr << "rerank: interrupted; finished runs are in the store, run the same command again to resume\n";
    return kExitInterrupted;
  }
  return s.failed > 0 || !s.report_error.empty() ? kExitFailure : kExitOk;
}

}  // namespace

void add_rerank_command(CLI::App& app, CommandRunner& run) {
  auto f = std::make_shared<RerankFlags>();
  auto* cmd =
      app.add_subcommand("rerank",
                         "Re-train architectures under protocols and seeds, store every run, write the ranking report "
                         "(no arguments: the built-in demo)");
  add_selection_options(*cmd, f->selection);
  cmd->add_option("--protocol", f->protocols, "Protocol names (data/protocols) or files; repeatable");
  cmd->add_option("--seeds", f->seeds, "Seeds for every protocol (default: each protocol's own)")
      ->check(whole_number(0, kMaxSeed));
  cmd->add_option("--dataset", f->dataset,
                  "Dataset key: cifar10-valid, cifar10, cifar100, ImageNet16-120, fashion-mnist, ...");
  cmd->add_option("--data-dir", f->data_dir, "Folder with the dataset files (default $NASRANK_DATA_DIR)");
  add_execution_options(*cmd, f->execution, "Results store (.h5), created or resumed (default rerank.h5)");
  cmd->add_option("-o,--out", f->out, "Folder for the reports (default: <store folder>/report)");
  cmd->add_option("--reference", f->reference, "Reference store for the report (e.g. the imported benchmark)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--reference-budget", f->reference_budget, "Budget of the reference runs to compare against")
      ->check(whole_number(1, kMaxBudgetEpochs));
  cmd->add_option("--calibration", f->calibration, "Base-lr calibration for the principled protocols")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--no-report", f->no_report, "Only train and store");
  cmd->callback([&run, f] { run = [f] { return run_rerank_command(*f); }; });
}

}  // namespace nasrank::cli
