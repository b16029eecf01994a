// `nasrank export STORE --format csv|json`: every run as one flat table row.
#include "cli_common.h"

#include "nasrank/common/error.h"
#include "nasrank/store/export.h"

#include <memory>

namespace nasrank::cli {
namespace {

struct ExportOptions {
  std::string store;
  std::string dataset;
  int budget = 0;
  Format format = Format::Csv;
  std::string layout;  // empty: long for csv, wide otherwise
};

int run_export(const ExportOptions& options) {
  const store::ResultStore results = store::ResultStore::open(options.store, store::OpenMode::Read);
  store::RunFilter filter;
  if (!options.dataset.empty()) filter.dataset = options.dataset;
  if (options.budget > 0) filter.budget_epochs = options.budget;
  const std::string layout = !options.layout.empty() ? options.layout : options.format == Format::Csv ? "long" : "wide";
  if (layout == "long") {
    if (options.format != Format::Csv)
      throw InputError("export --layout long is CSV only (--format csv); JSON and table use --layout wide");
    const store::LongTable long_rows = store::long_table(results, filter);
    // Provenance once, as '#' comment lines: pandas.read_csv(path, comment="#").
    std::string out =
        "# nasrank export: one row per run and split; provenance_id and configuration_id refer to the lines below\n";
    for (std::size_t i = 0; i < long_rows.provenance.size(); ++i)
      out += "# provenance " + std::to_string(i) + ": " + long_rows.provenance[i].dump() + "\n";
    for (std::size_t i = 0; i < long_rows.configurations.size(); ++i)
      out += "# configuration " + std::to_string(i) + ": " + long_rows.configurations[i].dump() + "\n";
    ResultTable table(long_rows.columns);
    for (const auto& row : long_rows.rows) table.add_row(row);
    write_stdout(out + table.render(Format::Csv));
    return kExitOk;
  }
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
      "export",
      "Print every run of a results store: CSV in long format by default (one row per run and split, provenance once "
      "in '#' lines: pandas.read_csv(f, comment='#')), or one row per run with --layout wide");
  add_store_argument(*command, options->store);
  command->add_option("--dataset", options->dataset, "Only runs on this dataset");
  add_budget_option(*command, options->budget, "Only runs of this budget (epochs)");
  add_format_option(*command, options->format, Format::Csv);
  command->add_option("--layout", options->layout,
                      "long (CSV default: columns split, accuracy, loss) or wide (one column per split metric; the "
                      "default for json and table)")
      ->check(CLI::IsMember({"long", "wide"}));
  command->callback([&run, options] { run = [options] { return run_export(*options); }; });
}

}  // namespace nasrank::cli
