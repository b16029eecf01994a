#include "cli_common.h"

#include "nasrank/common/error.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <cstdio>
#include <iostream>
#include <map>

namespace nasrank::cli {

namespace {

CLI::Validator number_check(bool zero_allowed) {
  return CLI::Validator(
      [zero_allowed](std::string& text) -> std::string {
        double value = 0;
        std::size_t used = 0;
        try {
          value = std::stod(text, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used == 0 || used != text.size()) return "'" + text + "' is not a number";
        if (value < 0 || (!zero_allowed && value == 0))
          return "'" + text + "' must be " + (zero_allowed ? "zero or more" : "greater than zero");
        return {};
      },
      zero_allowed ? "NUMBER >= 0" : "NUMBER > 0");
}

}  // namespace

CLI::Validator whole_number(long long min, long long max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        long long value = 0;
        const char* end = text.data() + text.size();
        const auto result = std::from_chars(text.data() + (!text.empty() && text[0] == '+'), end, value);
        if (result.ec == std::errc::result_out_of_range)
          return "'" + text + "' is too large (" + std::to_string(min) + " to " + std::to_string(max) + ")";
        if (result.ec != std::errc() || result.ptr != end) return "'" + text + "' is not a whole number";
        if (value < min || value > max)
          return "'" + text + "' is out of range (" + std::to_string(min) + " to " + std::to_string(max) + ")";
        return {};
      },
      "INTEGER " + std::to_string(min) + ".." + std::to_string(max));
}

CLI::Validator positive_number() { return number_check(false); }
CLI::Validator non_negative_number() { return number_check(true); }

int parse_and_run(CLI::App& app, int argc, char** argv, const CommandRunner& run) {
  // Parse errors start with "error: " like every other error of the tool.
  // Every message may quote input (an option value, a file's bytes): it is
  // escaped before it reaches the terminal.
  app.failure_message([](const CLI::App* failed, const CLI::Error& e) {
    return "error: " + printable_message(CLI::FailureMessage::simple(failed, e));
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitBadInput;
  }
  try {
    return run ? run() : kExitOk;
  } catch (const InputError& e) {
    std::cerr << "error: " << printable_message(e.what()) << "\n";
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "error: " << printable_message(e.what()) << "\n";
    return kExitFailure;
  }
}

void add_format_option(CLI::App& command, Format& format, Format default_format) {
  format = default_format;
  const std::map<std::string, Format> names{{"table", Format::Table}, {"csv", Format::Csv}, {"json", Format::Json}};
  command.add_option("--format", format, "Output format: table, csv or json")
      ->transform(CLI::CheckedTransformer(names, CLI::ignore_case))
      ->default_str(default_format == Format::Table ? "table"
                    : default_format == Format::Csv ? "csv"
                                                    : "json");
}

ResultTable::ResultTable(std::vector<std::string> columns) : columns_(std::move(columns)) {}

ResultTable::ResultTable(std::vector<std::string> columns, std::vector<std::vector<nlohmann::json>> rows)
    : columns_(std::move(columns)), rows_(std::move(rows)) {}

void ResultTable::add_row(std::vector<nlohmann::json> cells) { rows_.push_back(std::move(cells)); }

std::string cell_text(const nlohmann::json& cell) {
  if (cell.is_string()) return cell.get<std::string>();
  if (cell.is_null()) return "";
  return cell.dump();
}

namespace {
std::string csv_quote(const std::string& text) {
  // '#' is quoted too, so a field can never start a comment for readers
  // that skip '#' lines (pandas.read_csv(comment="#")).
  if (text.find_first_of(",\"\n#") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}
}  // namespace

std::string csv_line(const std::vector<nlohmann::json>& cells) {
  std::string out;
  for (std::size_t c = 0; c < cells.size(); ++c) {
    if (c) out += ',';
    out += csv_quote(cell_text(cells[c]));
  }
  return out + '\n';
}

std::string ResultTable::render(Format format) const {
  std::string out;
  if (format == Format::Json) {
    nlohmann::json array = nlohmann::json::array();
    for (const auto& row : rows_) {
      nlohmann::json object = nlohmann::json::object();
      for (std::size_t c = 0; c < columns_.size(); ++c) object[columns_[c]] = row[c];
      array.push_back(std::move(object));
    }
    return array.dump(1) + "\n";
  }
  if (format == Format::Csv) {
    out.reserve(rows_.size() * 128);
    for (std::size_t c = 0; c < columns_.size(); ++c) out += (c ? "," : "") + csv_quote(columns_[c]);
    out += '\n';
    for (const auto& row : rows_) {
      for (std::size_t c = 0; c < row.size(); ++c) {
        if (c) out += ',';
        out += csv_quote(cell_text(row[c]));
      }
      out += '\n';
    }
    return out;
  }
  std::vector<std::size_t> width(columns_.size());
  for (std::size_t c = 0; c < columns_.size(); ++c) width[c] = columns_[c].size();
  std::vector<std::vector<std::string>> texts;
  texts.reserve(rows_.size());
  for (const auto& row : rows_) {
    std::vector<std::string> line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line.push_back(cell_text(row[c]));
      width[c] = std::max(width[c], line.back().size());
    }
    texts.push_back(std::move(line));
  }
  auto emit = [&](const std::vector<std::string>& line) {
    for (std::size_t c = 0; c < line.size(); ++c) {
      out += line[c];
      if (c + 1 < line.size()) out.append(width[c] - line[c].size() + 2, ' ');
    }
    out += '\n';
  };
  emit(columns_);
  for (const auto& line : texts) emit(line);
  return out;
}

void write_stdout(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

void add_encoding_argument(CLI::App& command, std::string& encoding) {
  command.add_option("encoding", encoding, "Architecture (any encoding `nasrank parse` accepts)")->required();
}

void add_encoding_argument(CLI::App& command, std::vector<std::string>& encodings) {
  command.add_option("encoding", encodings, "Architectures (any encoding `nasrank parse` accepts)")->required();
}

CLI::Option* add_dataset_option(CLI::App& command, std::string& dataset, const std::string& purpose) {
  return command.add_option(
      "--dataset", dataset,
      purpose + ": cifar10-valid, cifar10, cifar100, ImageNet16-120, fashion-mnist, mnist, synthetic");
}

void add_data_dir_option(CLI::App& command, std::string& data_dir) {
  command.add_option("--data-dir", data_dir, "Directory with the unpacked datasets (default $NASRANK_DATA_DIR)");
}

void add_training_runtime_options(CLI::App& command, std::string& device, int& threads) {
  command.add_option("--device", device, "auto (CUDA when available), cpu or cuda")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}))
      ->capture_default_str();
  command.add_option("--threads", threads, "Intra-op threads (0 = every hardware thread)")
      ->check(non_negative_number())
      ->capture_default_str();
}

void add_store_argument(CLI::App& command, std::string& store) {
  command.add_option("store", store, "Results store (HDF5)")->required();
}

CLI::Option* add_budget_option(CLI::App& command, int& budget, const std::string& help) {
  return command.add_option("--budget", budget, help)->check(whole_number(1, kMaxBudgetEpochs));
}

void check_output_file(const std::string& option, const std::string& path, const std::string& example_name) {
  if (path.empty() || path == "-") return;
  const std::filesystem::path target(path);
  if (std::filesystem::is_directory(target))
    throw InputError(option + " '" + path + "' is a folder; give the result file's name (e.g. " +
                     (target / example_name).string() + ")");
  const std::filesystem::path parent = target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
  if (!std::filesystem::is_directory(parent))
    throw InputError(option + " '" + path + "': folder '" + parent.string() + "' does not exist");
  const std::string probe = path + ".tmp";
  if (!std::ofstream(probe))
    throw InputError(option + " '" + path + "': cannot write in folder '" + parent.string() + "'");
  std::filesystem::remove(probe);
}

}  // namespace nasrank::cli
