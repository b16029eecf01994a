// `nasrank import nats DIR --out STORE` and `nasrank import csv FILE --out STORE`:
// published benchmark results into a results store, with provenance.
#include "cli_common.h"

#include "nasrank/store/import.h"
#include "nasrank/train/cost.h"

#include <unistd.h>

#include <iostream>
#include <map>
#include <memory>

namespace nasrank::cli {
namespace {

struct ImportOptions {
  std::string source;
  std::string out;
  std::string on_conflict = "fail";
  std::string protocol = "nb201";
  // nats
  std::vector<int> nats_budgets;
  double pickle_memory_mb = 256;
  // csv
  std::string arch_column;
  std::vector<std::string> metrics;
  int budget = 0;
  std::string split = "test";
  std::string seeds_averaged = "unknown";
};

const std::map<std::string, store::DuplicatePolicy>& conflict_policies() {
  static const std::map<std::string, store::DuplicatePolicy> policies{
      {"fail", store::DuplicatePolicy::Fail},
      {"keep-first", store::DuplicatePolicy::KeepExisting},
      {"keep-last", store::DuplicatePolicy::Replace}};
  return policies;
}

void report_import(const store::ImportReport& report, const std::string& out, std::size_t total) {
  for (const std::string& note : report.notes) std::cerr << "note: " << note << "\n";
  const store::AddReport& added = report.added;
  std::cerr << "imported " << report.runs << " runs from " << report.sources_read << " source rows/files into '" << out
            << "': " << added.added << " new";
  if (added.replaced) std::cerr << ", " << added.replaced << " replaced";
  if (added.identical_duplicates) std::cerr << ", " << added.identical_duplicates << " identical duplicates skipped";
  if (added.conflicting_duplicates > added.replaced)
    std::cerr << ", " << added.conflicting_duplicates - added.replaced << " conflicting duplicates kept as stored";
  std::cerr << "; the store now holds " << total << " runs\n";
}

int run_import(const ImportOptions& options, bool nats) {
  const store::DuplicatePolicy policy = conflict_policies().at(options.on_conflict);
  store::ResultStore out = store::ResultStore::open(options.out, store::OpenMode::Append);
  store::ImportReport report;
  if (nats) {
    store::NatsImportOptions nats_options;
    nats_options.directory = options.source;
    if (!options.nats_budgets.empty()) nats_options.budgets = options.nats_budgets;
    nats_options.protocol = options.protocol;
    nats_options.limits.max_decode_bytes = static_cast<std::uint64_t>(options.pickle_memory_mb * 1024 * 1024);
    nats_options.limits.raise_hint = "raise it with --pickle-memory-mb if the file is genuine";
    if (::isatty(STDERR_FILENO))
      nats_options.progress = [](std::size_t done, std::size_t total) {
        std::cerr << "\rreading architecture files: " << done << "/" << total << std::flush;
        if (done == total) std::cerr << "\n";
      };
    report = store::import_nats(out, nats_options, policy);
  } else {
    store::CsvImportOptions csv;
    csv.file = options.source;
    csv.arch_column = options.arch_column;
    for (const std::string& text : options.metrics) csv.metrics.push_back(store::parse_metric_mapping(text));
    if (options.budget != 0) csv.budget_epochs = options.budget;
    csv.split = options.split;
    csv.seeds_averaged = options.seeds_averaged;
    csv.protocol = options.protocol;
    csv.benchmark_network_size = [](const cell::CellGraph& graph, const std::string& dataset) {
      const train::CostCount cost =
          train::network_cost(graph, train::network_spec_for_dataset(train::NetworkSpec{}, dataset)).benchmark;
      return store::NetworkSize{cost.params_m(), cost.flops_m()};
    };
    report = store::import_csv(out, csv, policy);
  }
  const std::size_t total = out.commit();
  report_import(report, options.out, total);
  return kExitOk;
}

void add_common(CLI::App& command, ImportOptions& options) {
  command.add_option("--out", options.out, "Results store to create or add to (HDF5)")->required();
  command.add_option("--protocol", options.protocol, "Protocol name stored with the runs")->default_str("nb201");
  command
      .add_option("--on-conflict", options.on_conflict,
                  "A run already stored with different numbers: fail, keep-first (keep stored) or keep-last")
      ->check(CLI::IsMember({"fail", "keep-first", "keep-last"}))
      ->default_str("fail");
}

}  // namespace

void add_import_command(CLI::App& app, CommandRunner& run) {
  auto options = std::make_shared<ImportOptions>();
  auto* import = app.add_subcommand("import", "Import published benchmark results into a results store");
  import->require_subcommand(1);

  auto* nats = import->add_subcommand("nats", "A NATS-Bench topology 'simple' directory (per seed, per epoch)");
  nats->add_option("directory", options->source, "Directory with meta.pickle.pbz2 and NNNNNN.pickle.pbz2 files")
      ->required();
  nats->add_option("--budget", options->nats_budgets, "Budgets to import (default both: 12 200)")
      ->check(CLI::IsMember({12, 200}));
  nats->add_option("--pickle-memory-mb", options->pickle_memory_mb,
                   "Memory budget for decoding one NATS file, in MiB (real files need a few)")
      ->check(positive_number())
      ->check(CLI::Range(1.0, 1048576.0))
      ->default_str("256");
  add_common(*nats, *options);
  nats->callback([&run, options] { run = [options] { return run_import(*options, true); }; });

  auto* csv = import->add_subcommand("csv", "A CSV table of per-architecture accuracies");
  csv->add_option("file", options->source, "The CSV file")->required();
  csv->add_option("--arch-column", options->arch_column,
                  "Column naming the architecture: benchmark index or arch string (auto-detected per value)")
      ->required();
  csv->add_option("--metric", options->metrics,
                  "COLUMN=DATASET[:SPLIT]: a column of accuracies (percent) for a dataset; repeat for more")
      ->required();
  csv->add_option("--budget", options->budget,
                  "Training budget in epochs (default: read from the column or file name, e.g. '200Epochs')");
  csv->add_option("--split", options->split,
                  "Split of the metric columns: test (ori-test on cifar10, x-test on cifar100/ImageNet16-120), "
                  "valid (x-valid), or an exact split")
      ->default_str("test");
  csv->add_option("--seeds-averaged", options->seeds_averaged,
                  "Seeds the file's numbers average over, e.g. 777,888,999")
      ->default_str("unknown");
  add_common(*csv, *options);
  csv->callback([&run, options] { run = [options] { return run_import(*options, false); }; });
}

}  // namespace nasrank::cli
