#include "nasrank/cell/encoding.h"
#include "nasrank/common/error.h"
#include "nasrank/store/import.h"
#include "nasrank/store/query.h"
#include "store/csv.h"
#include "store/source_file.h"
#include "store/text.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <set>
#include <unordered_map>

namespace nasrank::store {
namespace {

const std::vector<std::string>& allowed_splits() {
  static const std::vector<std::string> names{"test", "valid", "train", "ori-test", "x-test", "x-valid"};
  return names;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string canonical_dataset(const std::string& name, const std::string& context) {
  for (const std::string& known : benchmark_datasets())
    if (lower(known) == lower(name)) return known;
  std::string list;
  for (const std::string& known : benchmark_datasets()) list += (list.empty() ? "" : ", ") + known;
  throw InputError(context + ": unknown dataset '" + name + "' (expected one of " + list + ")");
}

void check_split(const std::string& split, const std::string& context) {
  if (std::find(allowed_splits().begin(), allowed_splits().end(), split) == allowed_splits().end())
    throw InputError(context + ": unknown split '" + split +
                     "' (expected test, valid, train, ori-test, x-test or x-valid)");
}

// Numbers written right before "ep"/"epoch(s)" ("200Epochs", "12ep", "200_epochs").
std::set<int> epoch_mentions(std::string_view text) {
  std::set<int> found;
  const std::string low = lower(text);
  for (std::size_t i = 0; i < low.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(low[i])) ||
        (i > 0 && std::isdigit(static_cast<unsigned char>(low[i - 1]))))
      continue;
    std::size_t j = i;
    while (j < low.size() && std::isdigit(static_cast<unsigned char>(low[j]))) ++j;
    std::size_t k = j;
    if (k < low.size() && (low[k] == '_' || low[k] == '-' || low[k] == ' ')) ++k;
    if (low.compare(k, 2, "ep") == 0 && j - i <= 6) found.insert(std::stoi(low.substr(i, j - i)));
  }
  return found;
}

std::string numbers_text(const std::set<int>& numbers) {
  std::string text;
  for (int n : numbers) text += (text.empty() ? "" : " and ") + std::to_string(n);
  return text;
}

}  // namespace

MetricColumn parse_metric_mapping(std::string_view text) {
  const std::string context = "--metric '" + std::string(text) + "'";
  const std::size_t equals = text.rfind('=');
  if (equals == std::string_view::npos || equals == 0 || equals + 1 == text.size())
    throw InputError(context + ": expected COLUMN=DATASET or COLUMN=DATASET:SPLIT");
  MetricColumn metric;
  metric.column = std::string(text.substr(0, equals));
  const std::string_view target = text.substr(equals + 1);
  const std::size_t colon = target.find(':');
  metric.dataset = canonical_dataset(trim(target.substr(0, colon)), context);
  if (colon != std::string_view::npos) {
    metric.split = trim(target.substr(colon + 1));
    check_split(metric.split, context);
  }
  return metric;
}

std::vector<RunRecord> read_csv_runs(const CsvImportOptions& options, ImportReport* report) {
  const std::string file = "'" + options.file.string() + "'";
  if (options.arch_column.empty()) throw InputError("importing " + file + ": no --arch-column given");
  if (options.metrics.empty())
    throw InputError("importing " + file + ": no --metric COLUMN=DATASET given, so there is nothing to import");
  check_split(options.split, "--split");
  if (options.protocol.empty()) throw InputError("importing " + file + ": the protocol name is empty");
  if (options.seeds_averaged.empty()) throw InputError("importing " + file + ": --seeds-averaged is empty");
  std::error_code error;
  if (std::filesystem::is_directory(options.file, error)) throw InputError(file + " is a directory, not a CSV file");

  const csv::Table table = csv::read(options.file);
  const std::size_t arch_column = table.column(options.arch_column, "--arch-column");

  struct Mapping {
    std::size_t column;
    std::string name;
    std::string dataset;
    std::string declared_split;
    std::string split;  // resolved benchmark split
  };
  std::vector<Mapping> mappings;
  std::set<std::pair<std::string, std::string>> targets;
  for (const MetricColumn& metric : options.metrics) {
    Mapping m;
    m.column = table.column(metric.column, "--metric " + metric.column + "=" + metric.dataset);
    m.name = metric.column;
    m.dataset = canonical_dataset(metric.dataset, "--metric " + metric.column);
    m.declared_split = metric.split.empty() ? options.split : metric.split;
    m.split = resolve_split(m.dataset, m.declared_split);
    if (!targets.insert({m.dataset, m.split}).second)
      throw InputError("importing " + file + ": two --metric columns both map to " + m.dataset + " split " + m.split);
    mappings.push_back(std::move(m));
  }

  // The budget: given, or read off the column names, then the file name; a
  // contradiction between them is the accident this check exists for.
  std::set<int> column_mentions;
  std::string mention_column;
  for (const Mapping& m : mappings)
    for (int n : epoch_mentions(m.name)) {
      column_mentions.insert(n);
      if (mention_column.empty()) mention_column = m.name;
    }
  const std::set<int> file_mentions = epoch_mentions(options.file.filename().string());
  const std::set<int>& evidence = column_mentions.empty() ? file_mentions : column_mentions;
  const std::string evidence_place = column_mentions.empty() ? "file name '" + options.file.filename().string() + "'"
                                                             : "column '" + mention_column + "'";
  int budget = 0;
  std::string budget_origin;
  if (options.budget_epochs) {
    budget = *options.budget_epochs;
    if (budget <= 0)
      throw InputError("--budget " + std::to_string(budget) + ": a budget must be a positive number of epochs");
    if (!evidence.empty() && (evidence.size() > 1 || *evidence.begin() != budget))
      throw InputError("importing " + file + ": --budget " + std::to_string(budget) + " contradicts the " +
                       evidence_place + ", which says " + numbers_text(evidence) + " epochs");
    budget_origin = "given with --budget";
  } else if (evidence.size() == 1) {
    budget = *evidence.begin();
    budget_origin = "inferred from the " + evidence_place;
  } else if (evidence.empty()) {
    throw InputError("importing " + file + ": the training budget is not stated in its column or file names; " +
                     "pass --budget EPOCHS (e.g. 12 or 200)");
  } else {
    throw InputError("importing " + file + ": the " + evidence_place + " mention several budgets (" +
                     numbers_text(evidence) +
                     " epochs); import one budget at a time: give --metric only for the columns of that budget");
  }

  Provenance provenance = file_provenance(options.file, "csv");
  provenance.source_split = options.split;
  std::string note = "arch column '" + options.arch_column + "'; budget " + std::to_string(budget) + " epochs (" +
                     budget_origin + "); seeds averaged: " + options.seeds_averaged;
  std::vector<std::string> mapping_notes;
  for (const Mapping& m : mappings) {
    mapping_notes.push_back("column '" + m.name + "' -> " + m.dataset + " " + m.split + " accuracy (declared split '" +
                            m.declared_split + "')");
    note += "; " + mapping_notes.back();
  }
  // A CSV of the benchmark's own results carries accuracies only. Its
  // network is the benchmark's (C=16, N=5), whose parameters and FLOPs follow
  // from the architecture: the caller counts them as NAS-Bench-201 does (equal
  // to the published numbers; tests/store/test_import.cpp), so that queries
  // can filter and report on them. Other protocols may use other networks.
  const bool benchmark_network = options.protocol == "nb201" && options.benchmark_network_size;
  if (benchmark_network)
    note +=
        "; params_m and flops_m computed by nasrank (see tool_version) for the benchmark's network (C=16, N=5), "
        "as NAS-Bench-201 counts them";
  provenance.note = note;

  std::vector<std::string> datasets;
  for (const Mapping& m : mappings)
    if (std::find(datasets.begin(), datasets.end(), m.dataset) == datasets.end()) datasets.push_back(m.dataset);

  std::vector<RunRecord> records;
  records.reserve(table.rows.size() * datasets.size());
  std::unordered_map<int, std::size_t> first_line_of_index;
  std::size_t missing_values = 0;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const auto& row = table.rows[r];
    const std::string place = file + " line " + std::to_string(table.lines[r]);
    const std::string arch_text = trim(row[arch_column]);
    cell::CellGraph graph(cell::Space::Nb201, cell::kNb201Vertices);
    try {
      if (!arch_text.empty() && arch_text.find_first_not_of("0123456789") == std::string::npos) {
        if (arch_text.size() > 9)
          throw InputError("benchmark index " + arch_text + " is out of range (0.." +
                           std::to_string(cell::kNb201SpaceSize - 1) + ")");
        graph = cell::from_benchmark_index(std::stoll(arch_text));
      } else if (!arch_text.empty() && arch_text.front() == '|') {
        graph = cell::parse_arch_string(arch_text);
      } else {
        throw InputError("'" + arch_text + "' is neither a benchmark index nor an arch string |op~0|+...");
      }
    } catch (const InputError& e) {
      throw InputError(place + " column '" + options.arch_column + "': " + e.what());
    }
    const int index = *cell::to_benchmark_index(graph);
    const auto [seen, inserted] = first_line_of_index.emplace(index, table.lines[r]);
    if (!inserted)
      throw InputError(place + ": architecture " + std::to_string(index) + " already appeared on line " +
                       std::to_string(seen->second));
    const std::string arch = *cell::to_arch_string(graph);

    for (const std::string& dataset : datasets) {
      RunRecord record;
      record.space = "nb201";
      record.benchmark_index = index;
      record.arch = arch;
      record.dataset = dataset;
      record.protocol = options.protocol;
      record.budget_epochs = budget;
      record.seed = kMeanOverSeeds;
      record.seeds_averaged = options.seeds_averaged;
      record.provenance = provenance;
      if (benchmark_network) {
        const NetworkSize size = options.benchmark_network_size(graph, dataset);
        record.params_m = size.params_m;
        record.flops_m = size.flops_m;
      }
      for (const Mapping& m : mappings) {
        if (m.dataset != dataset) continue;
        const std::string value = trim(row[m.column]);
        if (value.empty() || lower(value) == "nan") {
          ++missing_values;
          continue;
        }
        // strtod also reads hex ("0x10" = 16), "inf" and "nan(...)": only
        // plain decimal notation is an accuracy.
        char* end = nullptr;
        const double number = std::strtod(value.c_str(), &end);
        if (value.find_first_not_of("0123456789+-.eE") != std::string::npos || end != value.c_str() + value.size() ||
            !std::isfinite(number))
          throw InputError(place + " column '" + m.name + "': '" + value + "' is not a number");
        if (number < 0 || number > 100)
          throw InputError(place + " column '" + m.name + "': " + value + " is not an accuracy in percent (0..100)");
        record.final_metrics[m.split].accuracy = number;
      }
      if (!record.final_metrics.empty()) records.push_back(std::move(record));
    }
  }
  if (report) {
    report->sources_read = table.rows.size();
    report->runs = records.size();
    report->notes.push_back("budget " + std::to_string(budget) + " epochs (" + budget_origin + ")");
    for (const auto& line : mapping_notes) report->notes.push_back(line);
    if (missing_values > 0)
      report->notes.push_back(std::to_string(missing_values) + " empty or NaN values were skipped");
  }
  return records;
}

ImportReport import_csv(ResultStore& store, const CsvImportOptions& options, DuplicatePolicy policy) {
  ImportReport report;
  std::vector<RunRecord> records = read_csv_runs(options, &report);
  report.added = store.add(std::move(records), policy);
  return report;
}

}  // namespace nasrank::store
