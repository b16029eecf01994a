// `nasrank rerank`: the main job. With no arguments it runs the built-in
// demonstration (a seeded sample of NAS-Bench-201 cells on Fashion-MNIST
// under the small CPU budgets of both protocols, then the report).
#include "cli_common.h"
#include "worker_binary.h"

#include "nasrank/common/error.h"
#include "nasrank/rerank/rerank.h"

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <unistd.h>

namespace nasrank::cli {
namespace {

struct RerankFlags {
  std::string space = "nb201";
  int dag_vertices = 5;
  bool unique = false;
  std::size_t sample = 0;
  std::uint64_t sample_seed = 0;
  std::vector<std::string> archs;
  std::string arch_file;
  std::vector<std::string> protocols;
  std::vector<std::uint64_t> seeds;
  std::string dataset;
  std::string data_dir;
  std::string shard = "0/1";
  std::string store;
  std::string out;
  int workers = 0;
  int threads = 0;
  std::string device = "auto";
  std::string reference;
  int reference_budget = 0;
  std::string calibration;
  bool no_report = false;
};

// The built-in demonstration: small enough for 10 minutes on 2 cores, real
// enough to show a ranking change with its uncertainty.
constexpr std::size_t kDemoSample = 10;
constexpr std::uint64_t kDemoSampleSeed = 2024;
constexpr const char* kDemoDir = "nasrank-demo";

bool is_demo(const RerankFlags& f) {
  return f.protocols.empty() && f.dataset.empty() && f.archs.empty() && f.arch_file.empty() && f.sample == 0 && !f.unique;
}

std::string format_duration(double seconds) {
  char buffer[32];
  const int s = static_cast<int>(seconds + 0.5);
  if (s >= 3600) std::snprintf(buffer, sizeof buffer, "%dh%02dm", s / 3600, s / 60 % 60);
  else std::snprintf(buffer, sizeof buffer, "%dm%02ds", s / 60, s % 60);
  return buffer;
}

void draw_progress(const rerank::Progress& p, bool terminal) {
  if (!terminal) {
    // Logs and CI: one line per finished run, nothing else.
    if (!p.last_line.empty()) std::fprintf(stderr, "[%zu/%zu] %s\n", p.done, p.total, p.last_line.c_str());
    return;
  }
  if (!p.last_line.empty()) std::fprintf(stderr, "\r\033[K[%zu/%zu] %s\n", p.done, p.total, p.last_line.c_str());
  constexpr int kWidth = 28;
  const int filled = p.total ? static_cast<int>(kWidth * p.done / p.total) : kWidth;
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(kWidth - filled), '.');
  std::fprintf(stderr, "\r\033[K[%s] %zu/%zu runs  %.0f runs/h  ETA %s  %s", bar.c_str(), p.done, p.total, p.runs_per_hour,
               p.runs_per_hour > 0 ? format_duration(p.eta_seconds).c_str() : "?", p.current.substr(0, 40).c_str());
  std::fflush(stderr);
}

void on_signal(int) { rerank::request_stop(); }

int run_rerank_command(RerankFlags f) {
  const bool demo = is_demo(f);
  const std::filesystem::path worker = worker_binary_path();
  rerank::RerankOptions o;
  if (demo) {
    std::filesystem::create_directories(kDemoDir);
    f.sample = kDemoSample;
    f.sample_seed = kDemoSampleSeed;
    f.protocols = {"demo-benchmark", "demo-principled"};
    f.seeds = {1, 2};
    f.dataset = "fashion-mnist";
    if (f.store.empty()) f.store = std::string(kDemoDir) + "/runs.h5";
    if (f.out.empty()) f.out = kDemoDir;
    if (f.calibration.empty()) {
      // The principled protocol's base rate, calibrated once on this dataset
      // and budget and reused by every later demo run.
      f.calibration = std::string(kDemoDir) + "/calibration-fashion-mnist-demo.json";
      if (!std::filesystem::exists(f.calibration)) {
        std::cerr << "demo: calibrating the base learning rate on fashion-mnist (cached in " << f.calibration << ")\n";
        const std::string command = "'" + worker.string() +
                                    "' calibrate --dataset fashion-mnist --protocol demo-principled --out '" +
                                    f.calibration + "' >&2";
        if (std::system(command.c_str()) != 0) throw std::runtime_error("demo calibration failed: " + command);
      } else {
        std::cerr << "demo: reusing the calibration in " << f.calibration << "\n";
      }
    }
    std::cerr << "demo: " << kDemoSample << " NAS-Bench-201 cells (sample seed " << kDemoSampleSeed
              << ") on Fashion-MNIST, protocols demo-benchmark and demo-principled, seeds 1 and 2\n";
  }
  if (f.protocols.empty()) throw InputError("rerank: give --protocol (one or more), or no arguments for the demo");
  if (f.dataset.empty()) throw InputError("rerank: give --dataset (e.g. cifar10, fashion-mnist)");
  o.selection.space = f.space;
  o.selection.dag_vertices = f.dag_vertices;
  o.selection.unique = f.unique;
  if (f.sample > 0) o.selection.sample = f.sample;
  o.selection.sample_seed = f.sample_seed;
  o.selection.explicit_list = f.archs;
  if (!f.arch_file.empty()) {
    const auto listed = rerank::read_architecture_list(f.arch_file);
    o.selection.explicit_list.insert(o.selection.explicit_list.end(), listed.begin(), listed.end());
  }
  o.protocols = f.protocols;
  o.dataset = f.dataset;
  o.data_dir = f.data_dir;
  if (!f.seeds.empty()) o.seeds = f.seeds;
  o.shard = rerank::parse_shard(f.shard);
  o.store = f.store.empty() ? "rerank.h5" : f.store;
  o.workers = f.workers > 0 ? f.workers : default_workers(f.device);
  o.threads = f.threads;
  o.device = f.device;
  o.worker_binary = worker;
  if (!f.no_report)
    o.report_dir = f.out.empty() ? std::filesystem::path(o.store).parent_path() / "report" : std::filesystem::path(f.out);
  if (!f.reference.empty()) o.reference = f.reference;
  if (f.reference_budget > 0) o.reference_budget = f.reference_budget;
  if (!f.calibration.empty()) o.calibration = f.calibration;
  o.comparison.analysis.bootstrap.resamples = 1000;
  o.comparison.analysis.bootstrap.threads = 2;
  o.comparison.analysis.top_k = 10;

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const bool terminal = isatty(STDERR_FILENO) != 0;
  const rerank::RerankSummary s = rerank::run_rerank(o, [terminal](const rerank::Progress& p) { draw_progress(p, terminal); });
  if (terminal) std::fprintf(stderr, "\n");

  char line[512];
  std::snprintf(line, sizeof line,
                "rerank: %zu architectures, %zu runs planned (shard %s): %zu already stored, %zu trained, %zu diverged, "
                "%zu disconnected (recorded without training), %zu failed\n  store: %s\n",
                s.architectures, s.planned, f.shard.c_str(), s.already_stored, s.trained, s.diverged, s.disconnected,
                s.failed, o.store.string().c_str());
  std::string out = line;
  for (const auto& r : s.reports) {
    const auto& c = r.report.comparison.correlation;
    std::snprintf(line, sizeof line, "  %s: Kendall tau-b %.3f [%.3f, %.3f], Spearman rho %.3f [%.3f, %.3f]", r.title.c_str(),
                  c.kendall.tau_b, c.tau_b_interval.lower, c.tau_b_interval.upper, c.spearman_rho, c.rho_interval.lower,
                  c.rho_interval.upper);
    out += line;
    if (r.report.ceiling) {
      std::snprintf(line, sizeof line, "; noise ceiling tau-b %.3f [%.3f, %.3f] -> change %s seed noise",
                    r.report.ceiling->kendall.tau_b, r.report.ceiling->tau_b_interval.lower,
                    r.report.ceiling->tau_b_interval.upper, r.report.exceeds_seed_noise ? "exceeds" : "does not exceed");
      out += line;
    }
    out += "\n  report: " + std::filesystem::absolute(r.html).string() + "\n";
  }
  write_stdout(out);
  if (!s.report_error.empty()) std::cerr << "rerank: no report written: " << s.report_error << "\n";
  if (s.interrupted) {
    std::cerr << "rerank: interrupted; finished runs are in the store, run the same command again to resume\n";
    return 130;
  }
  return s.failed > 0 || !s.report_error.empty() ? kExitFailure : kExitOk;
}

}  // namespace

void add_rerank_command(CLI::App& app, CommandRunner& run) {
  auto f = std::make_shared<RerankFlags>();
  auto* cmd = app.add_subcommand(
      "rerank", "Re-train architectures under protocols and seeds, store every run, write the ranking report "
                "(no arguments: the built-in demo)");
  cmd->add_option("--space", f->space, "nb201 or dag")->check(CLI::IsMember({"nb201", "dag"}))->default_val("nb201");
  cmd->add_option("--vertices", f->dag_vertices, "Vertices of the DAG space")->default_val(5)->check(CLI::Range(2, 6));
  cmd->add_flag("--unique", f->unique, "One architecture per isomorphism class (trained once for the class)");
  cmd->add_option("--sample", f->sample, "A seeded random sample of N architectures")->check(positive_number());
  cmd->add_option("--sample-seed", f->sample_seed, "Seed of the sample")->default_val(0)->check(whole_number(0, kMaxSeed));
  cmd->add_option("--arch", f->archs, "Explicit architectures (repeatable; any encoding)");
  cmd->add_option("--arch-file", f->arch_file, "File with one encoding per line")->check(CLI::ExistingFile);
  cmd->add_option("--protocol", f->protocols, "Protocol names (data/protocols) or files; repeatable");
  cmd->add_option("--seeds", f->seeds, "Seeds for every protocol (default: each protocol's own)")
      ->check(whole_number(0, kMaxSeed));
  cmd->add_option("--dataset", f->dataset, "Dataset key: cifar10-valid, cifar10, cifar100, ImageNet16-120, fashion-mnist, ...");
  cmd->add_option("--data-dir", f->data_dir, "Folder with the dataset files (default $NASRANK_DATA_DIR)");
  cmd->add_option("--shard", f->shard, "This part i/n of the work (cluster array task)")->default_val("0/1");
  cmd->add_option("--store", f->store, "Results store (.h5), created or resumed");
  cmd->add_option("-o,--out", f->out, "Folder for the reports (default: <store folder>/report)");
  cmd->add_option("--workers", f->workers, "Worker processes (default: one per core on the CPU, one on a GPU)")
      ->check(whole_number(1, 4096));
  cmd->add_option("--threads", f->threads, "Threads per worker (default: cores / workers)")->check(whole_number(1, 4096));
  cmd->add_option("--device", f->device, "auto, cpu or cuda")->check(CLI::IsMember({"auto", "cpu", "cuda"}))->default_val("auto");
  cmd->add_option("--reference", f->reference, "Reference store for the report (e.g. the imported benchmark)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--reference-budget", f->reference_budget, "Budget of the reference runs to compare against")
      ->check(whole_number(1, kMaxBudgetEpochs));
  cmd->add_option("--calibration", f->calibration, "Base-lr calibration for the principled protocols")->check(CLI::ExistingFile);
  cmd->add_flag("--no-report", f->no_report, "Only train and store");
  cmd->callback([&run, f] { run = [f] { return run_rerank_command(*f); }; });
}

}  // namespace nasrank::cli
