#include "nasrank/cell/encoding.h"
#include "nasrank/common/error.h"
#include "nasrank/io/nats.h"
#include "nasrank/store/import.h"
#include "store/source_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <regex>

namespace nasrank::store {
namespace {

// Training images per epoch of each benchmark dataset, as NAS-Bench-201
// (Dong & Yang, ICLR 2020) trained them.
double training_images(const std::string& dataset) {
  if (dataset == "cifar10-valid") return 25000;
  if (dataset == "cifar10" || dataset == "cifar100") return 50000;
  if (dataset == "ImageNet16-120") return 151700;
  return kNotMeasured;
}

double finite_sum(const std::vector<double>& values) {
  double sum = 0;
  for (double v : values)
    if (!std::isnan(v)) sum += v;
  return sum;
}

// The value after the last epoch; the benchmark evaluates some splits only then.
double last_value(const std::vector<double>& values, std::size_t epochs) {
  if (epochs == 0 || values.size() < epochs) return kNotMeasured;
  return values[epochs - 1];
}

RunRecord record_of(const io::NatsTrial& trial, const io::NatsBudget& budget, int budget_epochs,
                    const std::string& protocol, const Provenance& provenance, const std::string& where) {
  if (trial.epochs != budget_epochs)
    throw InputError(where + ": budget '" + budget.budget + "' holds a " + trial.dataset + " run of " +
                     std::to_string(trial.epochs) + " epochs");
  const std::size_t epochs = static_cast<std::size_t>(trial.epochs);
  RunRecord r;
  r.space = "nb201";
  r.benchmark_index = budget.arch_index;
  r.arch = budget.arch_str;
  r.dataset = trial.dataset;
  r.protocol = protocol;
  r.budget_epochs = budget_epochs;
  r.seed = trial.seed;
  r.learning_rate = 0.1;  // the benchmark's protocol (NAS-Bench-201: SGD, lr 0.1, cosine)
  r.init = "benchmark";
  r.params_m = trial.params;
  r.flops_m = trial.flops;
  r.final_metrics["train"] = {last_value(trial.train_acc1, epochs), last_value(trial.train_loss, epochs)};
  r.curves.train_accuracy = trial.train_acc1;
  r.curves.train_loss = trial.train_loss;
  r.curves.epoch_seconds = trial.train_time;
  double eval_seconds = 0;
  for (const io::NatsEvalSeries& eval : trial.evals) {
    r.final_metrics[eval.name] = {last_value(eval.accuracy, epochs), last_value(eval.loss, epochs)};
    r.curves.eval_accuracy[eval.name] = eval.accuracy;
    r.curves.eval_loss[eval.name] = eval.loss;
    eval_seconds += finite_sum(eval.time);
  }
  const double train_seconds = finite_sum(trial.train_time);
  r.wall_seconds = train_seconds + eval_seconds;
  std::size_t timed_epochs = 0;
  for (double t : trial.train_time) timed_epochs += std::isnan(t) ? 0 : 1;
  if (timed_epochs > 0 && train_seconds > 0)
    r.images_per_second = training_images(trial.dataset) * static_cast<double>(timed_epochs) / train_seconds;
  const nlohmann::json config = {
      {"import", "nats-tss-simple"},
      {"budget", budget.budget},
      {"channel", trial.channel},
      {"num_cells", trial.num_cells},
      {"class_num", trial.class_num},
      {"latency_seconds", trial.latency},
      {"optimizer", "SGD lr 0.1 momentum 0.9 nesterov, wd 5e-4, cosine per epoch, batch 256"}};
  r.config_json = config.dump();
  r.provenance = provenance;
  return r;
}

}  // namespace

ImportReport import_nats(ResultStore& store, const NatsImportOptions& options, DuplicatePolicy policy) {
  const std::string dir = "'" + options.directory.string() + "'";
  std::error_code error;
  if (!std::filesystem::is_directory(options.directory, error))
    throw InputError(dir + " is not a directory (expected a NATS-Bench tss 'simple' directory)");
  const std::filesystem::path meta_path = options.directory / "meta.pickle.pbz2";
  if (!std::filesystem::exists(meta_path, error))
    throw InputError(dir + " has no meta.pickle.pbz2: not a NATS-Bench 'simple' directory");
  if (options.budgets.empty()) throw InputError("importing " + dir + ": no budget selected");
  const io::NatsMeta meta = io::read_nats_meta(meta_path, options.limits);

  const std::regex record_name(R"(^(\d{6})\.pickle\.pbz2$)");
  std::vector<std::pair<int, std::filesystem::path>> files;
  for (const auto& entry : std::filesystem::directory_iterator(options.directory)) {
    const std::string name = entry.path().filename().string();
    std::smatch match;
    if (entry.is_regular_file() && std::regex_match(name, match, record_name))
      files.emplace_back(std::stoi(match[1].str()), entry.path());
  }
  std::sort(files.begin(), files.end());

  ImportReport report;
  report.notes.push_back(std::to_string(files.size()) + " of " + std::to_string(meta.arch_strings.size()) +
                         " architecture files present in " + dir);
  std::vector<RunRecord> batch;
  auto flush = [&] {
    const AddReport added = store.add(std::move(batch), policy);
    batch.clear();
    report.added.added += added.added;
    report.added.replaced += added.replaced;
    report.added.identical_duplicates += added.identical_duplicates;
    report.added.conflicting_duplicates += added.conflicting_duplicates;
    report.added.duplicates.insert(report.added.duplicates.end(), added.duplicates.begin(), added.duplicates.end());
  };
  // Staging several architectures per add() keeps HDF5 writes few and large.
  constexpr std::size_t kArchitecturesPerBatch = 64;
  std::size_t done = 0;
  for (const auto& [index, path] : files) {
    const std::string where = "'" + path.string() + "'";
    if (static_cast<std::size_t>(index) >= meta.arch_strings.size())
      throw InputError(where + ": index " + std::to_string(index) + " is beyond meta_archs (" +
                       std::to_string(meta.arch_strings.size()) + " entries)");
    const io::NatsArchRecord record = io::read_nats_arch(path, options.limits);
    if (record.arch_str != meta.arch_strings[static_cast<std::size_t>(index)])
      throw InputError(where + ": arch string '" + record.arch_str + "' differs from meta_archs[" +
                       std::to_string(index) + "] '" + meta.arch_strings[static_cast<std::size_t>(index)] + "'");
    const auto ours = cell::to_arch_string(cell::from_benchmark_index(index));
    if (record.arch_str != *ours)
      throw InputError(where + ": arch string '" + record.arch_str + "' is not benchmark index " +
                       std::to_string(index) + " ('" + *ours + "' in the official order)");
    Provenance provenance = file_provenance(path, "nats-tss-simple");
    provenance.note = "NATS-Bench topology search space, 'simple' per-architecture record " + path.filename().string() +
                      " (meta: " + meta_path.filename().string() + ")";
    for (int budget_epochs : options.budgets) {
      const io::NatsBudget* budget = record.find_budget(std::to_string(budget_epochs));
      if (!budget) {
        report.notes.push_back(where + " has no '" + std::to_string(budget_epochs) + "' budget");
        continue;
      }
      for (const io::NatsTrial& trial : budget->trials)
        batch.push_back(record_of(trial, *budget, budget_epochs, options.protocol, provenance, where));
    }
    ++report.sources_read;
    if (++done % kArchitecturesPerBatch == 0) {
      report.runs += batch.size();
      flush();
    }
    if (options.progress) options.progress(done, files.size());
  }
  report.runs += batch.size();
  flush();
  return report;
}

}  // namespace nasrank::store
