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

// Output written as it is produced, in blocks: an export's memory does not
// grow with the store.
class StdoutStream {
 public:
  ~StdoutStream() { flush(); }
  void write(const std::string& text) {
    buffer_ += text;
    if (buffer_.size() >= (1 << 16)) flush();
  }
  void flush() {
    write_stdout(buffer_);
    buffer_.clear();
  }

 private:
  std::string buffer_;
};

std::vector<nlohmann::json> as_cells(const std::vector<std::string>& columns) {
  return {columns.begin(), columns.end()};
}

int run_export(const ExportOptions& options) {
  const store::ResultStore results = store::ResultStore::open(options.store, store::OpenMode::Read);
  store::RunFilter filter;
  if (!options.dataset.empty()) filter.dataset = options.dataset;
  if (options.budget > 0) filter.budget_epochs = options.budget;
  const std::string layout = !options.layout.empty() ? options.layout : options.format == Format::Csv ? "long" : "wide";
  if (layout == "long") {
    if (options.format != Format::Csv)
      throw InputError("export --layout long is CSV only (--format csv); JSON and table use --layout wide");
    // Provenance and configurations once each, as '#' comment lines just
    // before the first row that refers to them: pandas.read_csv(path, comment="#").
    StdoutStream out;
    out.write(
        "# nasrank export: one row per run and split; provenance_id and configuration_id refer to the "
        "'# provenance' and '# configuration' lines\n");
    store::LongTableStream stream;
    stream.columns = [&](const std::vector<std::string>& columns) { out.write(csv_line(as_cells(columns))); };
    stream.provenance = [&](std::size_t id, const nlohmann::json& p) {
      out.write("# provenance " + std::to_string(id) + ": " + p.dump() + "\n");
    };
    stream.configuration = [&](std::size_t id, const nlohmann::json& c) {
      out.write("# configuration " + std::to_string(id) + ": " + c.dump() + "\n");
    };
    stream.row = [&](const std::vector<nlohmann::json>& row) { out.write(csv_line(row)); };
    store::stream_long_table(results, filter, stream);
    return kExitOk;
  }
  if (options.format == Format::Csv || options.format == Format::Json) {
    StdoutStream out;
    std::vector<std::string> names;
    std::size_t written = 0;
    store::stream_flat_table(
        results, filter,
        [&](const std::vector<std::string>& columns) {
          names = columns;
          if (options.format == Format::Csv) out.write(csv_line(as_cells(columns)));
        },
        [&](const std::vector<nlohmann::json>& row) {
          if (options.format == Format::Csv) {
            out.write(csv_line(row));
            return;
          }
          // What ResultTable renders for JSON (an array dumped with indent 1),
          // one object at a time.
          nlohmann::json object = nlohmann::json::object();
          for (std::size_t c = 0; c < names.size(); ++c) object[names[c]] = row[c];
          std::string text = object.dump(1);
          std::string indented = " ";
          for (char ch : text) {
            indented += ch;
            if (ch == '\n') indented += ' ';
          }
          out.write((written++ ? ",\n" : "[\n") + indented);
        });
    if (options.format == Format::Json) out.write(written ? "\n]\n" : "[]\n");
    return kExitOk;
  }
  // An aligned table needs every row's width first.
  store::FlatTable flat = store::flat_table(results, filter);
  write_stdout(ResultTable(std::move(flat.columns), std::move(flat.rows)).render(options.format));
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
  command
      ->add_option("--layout", options->layout,
                   "long (CSV default: columns split, accuracy, loss) or wide (one column per split metric; the "
                   "default for json and table)")
      ->check(CLI::IsMember({"long", "wide"}));
  command->callback([&run, options] { run = [options] { return run_export(*options); }; });
}

}  // namespace nasrank::cli
