#pragma once
// Shared plumbing of the subcommands: output formats, tabular rendering and
// the runner each subcommand hands back to main().
#include "nasrank/common/exit_codes.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace nasrank::cli {

// What a parsed subcommand does; returns the process exit code.
using CommandRunner = std::function<int()>;

using nasrank::kExitBadInput;
using nasrank::kExitFailure;
using nasrank::kExitInterrupted;
using nasrank::kExitOk;

enum class Format { Table, Csv, Json };
void add_format_option(CLI::App& command, Format& format, Format default_format = Format::Table);

// Option checks whose messages read like the rest of nasrank's (CLI11's own
// print their bounds as 309-digit doubles).
CLI::Validator positive_number();      // > 0
CLI::Validator non_negative_number();  // >= 0
// An integer written in decimal within [min, max]; a value too large for
// 64 bits is refused instead of being clamped.
CLI::Validator whole_number(long long min, long long max);

// Largest training budget an option accepts, in epochs.
constexpr long long kMaxBudgetEpochs = 1000000;
constexpr long long kMaxSeed = 9223372036854775807LL;

// Rows of typed cells rendered as an aligned table, CSV (RFC 4180 quoting) or
// a JSON array of objects keyed by the column names.
class ResultTable {
 public:
  explicit ResultTable(std::vector<std::string> columns);
  // A table the library built (store::FlatTable's columns and rows).
  ResultTable(std::vector<std::string> columns, std::vector<std::vector<nlohmann::json>> rows);
  void add_row(std::vector<nlohmann::json> cells);
  std::size_t size() const { return rows_.size(); }
  std::string render(Format format) const;

 private:
  std::vector<std::string> columns_;
  std::vector<std::vector<nlohmann::json>> rows_;
};

// Parses the command line and runs the chosen subcommand; usage errors and
// InputError exit 2, other failures 1, each as one `error: ...` line.
int parse_and_run(CLI::App& app, int argc, char** argv, const CommandRunner& run);

// Text of a cell as a table/CSV shows it (numbers shortest round-trip).
std::string cell_text(const nlohmann::json& cell);
// One CSV line (with its newline) of `cells`, as ResultTable::render(Csv)
// writes each row: for output streamed row by row.
std::string csv_line(const std::vector<nlohmann::json>& cells);
// Writes the whole string to stdout in one call.
void write_stdout(const std::string& text);

// Options several commands share, declared once so that their names, checks
// and help read the same everywhere.
// The architecture(s) to work on (positional, required).
void add_encoding_argument(CLI::App& command, std::string& encoding);
void add_encoding_argument(CLI::App& command, std::vector<std::string>& encodings);
// --dataset: a benchmark dataset key; `purpose` opens the help text.
CLI::Option* add_dataset_option(CLI::App& command, std::string& dataset, const std::string& purpose);
// --data-dir: where the dataset files are.
void add_data_dir_option(CLI::App& command, std::string& data_dir);
// --device and --threads of a command that trains in this process.
void add_training_runtime_options(CLI::App& command, std::string& device, int& threads);
// A results store to read (positional, required) and the --budget filter.
void add_store_argument(CLI::App& command, std::string& store);
CLI::Option* add_budget_option(CLI::App& command, int& budget, const std::string& help);
// For an output file written after long work (training): refuses, before the
// work, a path that is a folder, sits in a missing folder or cannot be
// created. "" and "-" (stdout) pass. `option` names it in the message, and
// `example_name` is suggested for a folder.
void check_output_file(const std::string& option, const std::string& path, const std::string& example_name);

// Registration of every subcommand; each sets `run` when it is chosen.
void add_space_command(CLI::App& app, CommandRunner& run);
void add_parse_command(CLI::App& app, CommandRunner& run);
void add_scale_command(CLI::App& app, CommandRunner& run);
void add_import_command(CLI::App& app, CommandRunner& run);
void add_merge_command(CLI::App& app, CommandRunner& run);
void add_query_command(CLI::App& app, CommandRunner& run);
void add_export_command(CLI::App& app, CommandRunner& run);
void add_train_command(CLI::App& app, CommandRunner& run);
void add_calibrate_command(CLI::App& app, CommandRunner& run);
void add_cost_command(CLI::App& app, CommandRunner& run);
void add_compare_command(CLI::App& app, CommandRunner& run);
void add_report_command(CLI::App& app, CommandRunner& run);
void add_rerank_command(CLI::App& app, CommandRunner& run);
void add_lr_search_command(CLI::App& app, CommandRunner& run);

}  // namespace nasrank::cli
