// `nasrank export STORE --format csv|json`: every run as one flat table row.
#include "cli_common.h"

#include "nasrank/store/export.h"

#include <memory>

namespace nasrank::cli {
namespace {

struct ExportOptions {
  std::string store;
  std::string dataset;
  int budget = 0;
  Format format = Format::Csv;
};

int run_export(const ExportOptions& options) {
  const store::ResultStore results = store::ResultStore::open(options.store, store::OpenMode::Read);
  store::RunFilter filter;
  if (!options.dataset.empty()) filter.dataset = options.dataset;
  if (options.budget > 0) filter.budget_epochs = options.budget;
  const store::FlatTable flat = store::flat_table(results, filter);
  ResultTable table(flat.columns);
  for (const auto& row : flat.rows) table.add_row(row);
  write_stdout(table.render(options.format));
  return kExitOk;
}

}  // namespace

void add_export_command(CLI::App& app, CommandRunner& run) {
  auto options = std::make_shared<ExportOptions>();
  auto* command = app.add_subcommand(
      "export", "Print every run of a results store as a flat table (one column per field and per split metric)");
  command->add_option("store", options->store, "Results store (HDF5)")->required();
  command->add_option("--dataset", options->dataset, "Only runs on this dataset");
  command->add_option("--budget", options->budget, "Only runs of this budget (epochs)")->check(whole_number(1, kMaxBudgetEpochs));
  add_format_option(*command, options->format, Format::Csv);
  command->callback([&run, options] { run = [options] { return run_export(*options); }; });
}

}  // namespace nasrank::cli
