// `nasrank lr-search`: does the paper's learning-rate law hold on this data?
// With no selection, protocol or dataset it runs the built-in experiment: a
// stratified sample of 5-vertex DAG MLPs on Fashion-MNIST, 2 seeds, 12 rates.
#include "cli_common.h"
#include "execution_options.h"
#include "selection_options.h"
#include "progress.h"
#include "worker_binary.h"

#include "nasrank/common/error.h"
#include "nasrank/rerank/lr_search.h"
#include "nasrank/train/rate_search.h"

#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <unistd.h>

namespace nasrank::cli {
namespace {

struct LrSearchFlags {
  SelectionFlags selection;
  std::string protocol;
  std::string dataset;
  std::string data_dir;
  std::string grid;
  std::size_t grid_points = 12;
  std::vector<std::uint64_t> seeds;
  int epochs = 1;
  std::string search_id;
  std::string degree;
  std::string loss = "epoch-mean";
  double tolerance = 0.0;
  ExecutionFlags execution;
  std::string out;
  int bootstrap = 2000;
  bool report_only = false;
  bool plan_only = false;
  bool no_report = false;
};

// The built-in experiment: 12 DAG MLPs spanning a wide range of predicted
// rates, small enough for 15 minutes on a 2-core machine.
constexpr std::size_t kBuiltinSample = 12;
constexpr std::uint64_t kBuiltinSeed = 2024;
constexpr const char* kBuiltinProtocol = "lr-search-dag-mlp";
constexpr const char* kBuiltinDir = "nasrank-lr-search";

bool is_builtin(const LrSearchFlags& f) {
  return f.protocol.empty() && f.dataset.empty() && f.selection.chooses_nothing();
}

void on_signal(int) { rerank::request_stop(); }

std::string interval(const analyze::Interval& i) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "[%.2f, %.2f]", i.lower, i.upper);
  return buffer;
}

std::string render_fits(const analyze::LrSearchReport& r, Format format) {
  ResultTable table({"predictor", "n", "law_explains", "slope", "slope_ci", "fitted_base", "pearson", "pearson_ci",
                     "spearman", "spearman_ci"});
  // Three decimals: the intervals are far wider than that.
  auto number = [](double v) {
    return std::isfinite(v) ? nlohmann::json(std::round(v * 1000.0) / 1000.0) : nlohmann::json(nullptr);
  };
  for (const analyze::LawFit& f : r.fits)
    table.add_row({f.predictor, f.n, number(f.explained_slope_one), number(f.slope), interval(f.slope_interval),
                   number(std::exp(f.intercept)), number(f.pearson), interval(f.pearson_interval), number(f.spearman),
                   interval(f.spearman_interval)});
  return table.render(format);
}

int run_lr_search_command(LrSearchFlags f) {
  const bool builtin = is_builtin(f);
  rerank::LrSearchOptions o;
  if (builtin) {
    std::filesystem::create_directories(kBuiltinDir);
    f.selection.space = "dag";
    f.selection.archs = rerank::stratified_dag_sample(5, kBuiltinSample, kBuiltinSeed);
    f.protocol = kBuiltinProtocol;
    f.dataset = "fashion-mnist";
    if (f.seeds.empty()) f.seeds = {1, 2};
    if (f.execution.store.empty()) f.execution.store = std::string(kBuiltinDir) + "/runs.h5";
    if (f.out.empty()) f.out = kBuiltinDir;
    std::cerr << "lr-search: built-in experiment: " << kBuiltinSample
              << " 5-vertex DAG MLPs stratified by predicted rate "
              << "(sample seed " << kBuiltinSeed << "), protocol " << kBuiltinProtocol
              << ", Fashion-MNIST, seeds 1 and 2\n";
  }
  if (f.protocol.empty())
    throw InputError(
        "lr-search: give --protocol (e.g. lr-search-dag-mlp), or no arguments for the built-in experiment");
  if (f.dataset.empty()) throw InputError("lr-search: give --dataset (e.g. fashion-mnist, cifar10)");
  o.selection = to_selection(f.selection);
  if (o.selection.explicit_list.empty() && !o.selection.sample && !o.selection.unique)
    throw InputError("lr-search: the selection is empty: give --arch, --arch-file, --sample N or --unique");
  o.protocol = f.protocol;
  o.dataset = f.dataset;
  o.data_dir = f.data_dir;
  if (!f.grid.empty()) o.grid = train::parse_rate_grid(f.grid);
  o.grid_points = f.grid_points;
  o.seeds = f.seeds;
  o.epochs = f.epochs;
  o.search_id = f.search_id;
  if (!f.degree.empty()) o.degree = scale::parse_degree(f.degree);
  o.loss = scale::parse_loss_choice(f.loss);
  o.tolerance = f.tolerance;
  o.shard = rerank::parse_shard(f.execution.shard);
  o.store = f.execution.store.empty() ? "lr-search.h5" : f.execution.store;
  o.execution = to_execution(f.execution);
  o.worker_binary = worker_binary_path();
  if (!f.no_report)
    o.report_dir = f.out.empty() ? std::filesystem::path(o.store).parent_path() / "lr-search-report"
                                 : std::filesystem::path(f.out);
  o.bootstrap.resamples = static_cast<std::size_t>(f.bootstrap);
  o.bootstrap.seed = 1;

  if (f.plan_only) {
    const rerank::LrSearchPlan plan = rerank::plan_lr_search(o);
    ResultTable table({"learning_rate"});
    for (double rate : plan.grid) table.add_row({rate});
    write_stdout(table.render(Format::Table));
    std::cerr << "lr-search '" << plan.search_id << "': " << plan.architectures.size() << " architectures x "
              << plan.grid.size() << " rates x " << plan.seeds.size() << " seeds = " << plan.runs.size()
              << " runs in shard " << f.execution.shard << "; nothing trained (--plan)\n";
    return kExitOk;
  }
  if (f.report_only) {
    if (!std::filesystem::exists(o.store)) throw InputError("store '" + o.store.string() + "' does not exist");
    const rerank::LrSearchPlan plan = rerank::plan_lr_search(o);
    const analyze::LrSearchReport report = rerank::lr_search_report(o, plan);
    const auto html = analyze::write_lr_search_report(report, o.report_dir);
    write_stdout(render_fits(report, Format::Table) + "\n" + report.verdict +
                 "\n  report: " + std::filesystem::absolute(html).string() + "\n");
    return kExitOk;
  }

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const bool terminal = isatty(STDERR_FILENO) != 0;
  const rerank::LrSearchSummary s =
      rerank::run_lr_search(o, [terminal](const rerank::Progress& p) { draw_progress(p, terminal); });
  if (terminal) std::fprintf(stderr, "\n");
  char line[512];
  std::snprintf(line, sizeof line,
                "lr-search '%s': %zu architectures x %zu rates x %zu seeds, %zu runs planned (shard %s): %zu already "
                "stored, %zu trained, %zu diverged, %zu failed\n  store: %s\n",
                s.plan.search_id.c_str(), s.plan.architectures.size(), s.plan.grid.size(), s.plan.seeds.size(),
                s.planned, f.execution.shard.c_str(), s.already_stored, s.trained, s.diverged, s.failed,
                o.store.string().c_str());
  std::string out = line;
  if (s.report) {
    out += render_fits(*s.report, Format::Table) + "\n" + s.report->verdict +
           "\n  report: " + std::filesystem::absolute(s.report_html).string() + "\n";
  }
  write_stdout(out);
  if (!s.report_error.empty()) std::cerr << "lr-search: no report written: " << s.report_error << "\n";
  if (s.interrupted) {
    std::cerr << "lr-search: interrupted; finished runs are in the store, run the same command again to resume\n";
    return kExitInterrupted;
  }
  return s.failed > 0 || !s.report_error.empty() ? kExitFailure : kExitOk;
}

}  // namespace

void add_lr_search_command(CLI::App& app, CommandRunner& run) {
  auto f = std::make_shared<LrSearchFlags>();
  auto* cmd = app.add_subcommand(
      "lr-search",
      "Test the paper's learning-rate law: grid-search each architecture's maximal learning rate and "
      "compare it with the predicted one (no arguments: the built-in experiment)");
  add_selection_options(*cmd, f->selection);
  cmd->add_option("--protocol", f->protocol,
                  "Protocol (name or file): network, optimizer, batch, init and data; its learning rate only centers "
                  "the default grid");
  cmd->add_option("--dataset", f->dataset, "Dataset key: fashion-mnist, cifar10, ...");
  cmd->add_option("--data-dir", f->data_dir, "Folder with the dataset files (default $NASRANK_DATA_DIR)");
  cmd->add_option("--grid", f->grid,
                  "Rates (at least 3): a,b,c or geom:LOW:HIGH:COUNT (default: log-spaced from the protocol's base x "
                  "the smallest predicted factor / 16 to x the largest x 8)");
  cmd->add_option("--grid-points", f->grid_points, "Rates of the default grid")
      ->default_val(12)
      ->check(CLI::Range(3, 100));
  cmd->add_option("--seeds", f->seeds, "Seeds (default: the protocol's); rates are ranked by the mean over seeds");
  cmd->add_option("--epochs", f->epochs, "Budget of every run at a constant rate (the paper: 1)")->default_val(1);
  cmd->add_option("--search-id", f->search_id, "Names this search's runs in the store (default: the protocol's name)");
  cmd->add_option("--degree", f->degree,
                  "In-degree choice of principled init: source or target (default: the protocol's)")
      ->check(CLI::IsMember({"source", "target"}));
  cmd->add_option("--loss", f->loss, "Final training loss that ranks the rates: epoch-mean or last-steps:K")
      ->default_val("epoch-mean");
  cmd->add_option(
         "--tolerance", f->tolerance,
         "Deviation from the paper's rule: the largest rate within (1 + t) x the smallest loss (0 = the paper's)")
      ->check(non_negative_number())
      ->default_val(0.0);
  add_execution_options(*cmd, f->execution, "Results store (.h5), created or resumed (default lr-search.h5)");
  cmd->add_option("-o,--out", f->out, "Folder for the report (default: <store folder>/lr-search-report)");
  cmd->add_option("--bootstrap", f->bootstrap, "Bootstrap resamples of the intervals")
      ->default_val(2000)
      ->check(CLI::Range(1, 1000000));
  cmd->add_flag("--report-only", f->report_only, "Only analyze what the store holds (e.g. after merging shards)");
  cmd->add_flag("--plan", f->plan_only, "Print the grid and the number of runs; train nothing");
  cmd->add_flag("--no-report", f->no_report, "Only train and store");
  cmd->callback([&run, f] { run = [f] { return run_lr_search_command(*f); }; });
}

}  // namespace nasrank::cli
