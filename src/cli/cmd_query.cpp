// `nasrank query STORE ...`: benchmark-style questions to a results store.
#include "cli_common.h"

#include "nasrank/cell/encoding.h"
#include "nasrank/common/error.h"
#include "nasrank/store/export.h"
#include "nasrank/store/query.h"

#include <cmath>
#include <iostream>
#include <memory>
#include <optional>

namespace nasrank::cli {
namespace {

struct QueryOptions {
  std::string store;
  std::string arch;
  std::optional<long long> index;
  std::string dataset;
  std::string protocol;
  int budget = 0;
  std::string split = "test";
  std::optional<std::int64_t> seed;
  bool mean = false;
  bool per_seed = false;
  std::optional<std::size_t> top;
  std::string by;
  bool ascending = false;
  std::vector<std::string> where;
  bool curves = false;
  Format format = Format::Table;
};

nlohmann::json number(double value) { return std::isnan(value) ? nlohmann::json() : nlohmann::json(value); }

std::string selection_text(const QueryOptions& options) {
  std::string text;
  auto add = [&](const std::string& part) { text += (text.empty() ? "" : ", ") + part; };
  if (!options.arch.empty()) add("arch " + options.arch);
  if (options.index) add("index " + std::to_string(*options.index));
  if (!options.dataset.empty()) add("dataset " + options.dataset);
  if (!options.protocol.empty()) add("protocol " + options.protocol);
  if (options.budget > 0) add("budget " + std::to_string(options.budget));
  if (options.seed) add("seed " + std::to_string(*options.seed));
  return text.empty() ? "any run" : text;
}

int run_query(const QueryOptions& options) {
  store::QuerySpec spec;
  if (!options.arch.empty() || options.index) {
    const cell::CellGraph graph =
        options.index ? cell::from_benchmark_index(*options.index) : cell::parse_encoding(options.arch);
    spec.arch_key = graph.space() == cell::Space::Nb201 ? store::arch_key("nb201", *cell::to_arch_string(graph))
                                                        : store::arch_key("dag", *cell::to_dag_code(graph));
  }
  const store::ResultStore results = store::ResultStore::open(options.store, store::OpenMode::Read);
  // CIFAR10, cifar-10 and Cifar10 all name the stored cifar10; an unknown name lists the stored ones.
  if (!options.dataset.empty()) spec.dataset = store::match_dataset(results, options.dataset);
  if (!options.protocol.empty()) spec.protocol = options.protocol;
  spec.split = options.split;
  spec.seed = options.seed;
  spec.per_seed = options.per_seed;
  for (const std::string& text : options.where) spec.where.push_back(store::parse_condition(text));
  if (!options.by.empty())
    spec.order_by = options.by;
  else if (options.top)
    spec.order_by = "accuracy";
  spec.ascending = options.ascending;
  spec.limit = options.top;

  if (options.budget > 0) {
    spec.budget_epochs = options.budget;
  } else {
    const std::vector<int> budgets = store::budgets_matching(results, spec);
    if (budgets.size() > 1) {
      std::string list;
      for (int b : budgets) list += (list.empty() ? "" : " and ") + std::to_string(b);
      throw InputError("'" + options.store + "' holds results for budgets " + list + " epochs for " +
                       selection_text(options) + "; choose one with --budget (budgets are never mixed)");
    }
    if (budgets.empty()) {
      std::cerr << "no runs in '" << options.store << "' match " << selection_text(options) << "\n";
      return kExitFailure;
    }
    spec.budget_epochs = budgets.front();
    std::cerr << "note: budget " << spec.budget_epochs << " epochs (the only one stored for this selection)\n";
  }

  if (options.curves) {
    store::RunFilter filter;
    filter.arch_key = spec.arch_key;
    filter.dataset = spec.dataset;
    filter.protocol = spec.protocol;
    filter.budget_epochs = spec.budget_epochs;
    filter.seed = spec.seed;
    store::FlatTable curves = store::curve_table(results, filter);
    if (curves.rows.empty()) {
      std::cerr << "no per-epoch curves in '" << options.store << "' for " << selection_text(options) << " with budget "
                << spec.budget_epochs << " (imported benchmark rows store final values only)\n";
      return kExitFailure;
    }
    write_stdout(ResultTable(std::move(curves.columns), std::move(curves.rows)).render(options.format));
    return kExitOk;
  }

  const std::vector<store::QueryRow> rows = store::run_query(results, spec);
  ResultTable table({"index", "arch", "dataset", "protocol", "budget_epochs", "seeds", "n_seeds", "split", "accuracy",
                     "accuracy_std", "loss", "params_m", "flops_m", "lr", "init", "status"});
  for (const store::QueryRow& q : rows)
    table.add_row({q.benchmark_index >= 0 ? nlohmann::json(q.benchmark_index) : nlohmann::json(),
                   q.space == "nb201" ? q.arch : q.space + ":" + q.arch, q.dataset, q.protocol, q.budget_epochs,
                   q.pre_averaged ? "mean(" + q.seeds + ")" : q.seeds, q.n_seeds, q.split, number(q.accuracy),
                   number(q.accuracy_std), number(q.loss), number(q.params_m), number(q.flops_m),
                   number(q.learning_rate), q.init, q.status});
  // No match prints no table (not even its header): stdout holds answers only.
  if (rows.empty()) {
    std::cerr << "no runs in '" << options.store << "' match " << selection_text(options) << " with budget "
              << spec.budget_epochs << (spec.where.empty() ? "" : " and the --where conditions") << "\n";
    return kExitFailure;
  }
  write_stdout(table.render(options.format));
  return kExitOk;
}

}  // namespace

void add_query_command(CLI::App& app, CommandRunner& run) {
  auto options = std::make_shared<QueryOptions>();
  auto* query = app.add_subcommand(
      "query",
      "Ask a results store in the benchmark's terms: test = ori-test (cifar10, cifar10-valid) or x-test (cifar100, "
      "ImageNet16-120), valid = x-valid; the mean over seeds unless told otherwise");
  add_store_argument(*query, options->store);
  auto* arch = query->add_option("--arch", options->arch, "Architecture: arch string, compact code or DAG code");
  auto* index = query->add_option("--index", options->index, "NAS-Bench-201 index 0..15624");
  arch->excludes(index);
  query->add_option("--dataset", options->dataset, "cifar10-valid, cifar10, cifar100, ImageNet16-120, ...");
  query->add_option("--protocol", options->protocol, "Only runs of this protocol");
  add_budget_option(*query, options->budget,
                    "Training budget in epochs (required when the store holds several for the selection)");
  query->add_option("--split", options->split, "test, valid, train or an exact split such as ori-test")
      ->default_str("test");
  auto* seed =
      query->add_option("--seed", options->seed, "Only this seed's runs")->check(whole_number(-kMaxSeed - 1, kMaxSeed));
  auto* mean = query->add_flag("--mean", options->mean, "Mean over seeds (the default)");
  auto* per_seed = query->add_flag("--per-seed", options->per_seed, "One row per seed");
  seed->excludes(mean);
  per_seed->excludes(mean);
  query->add_option("--top", options->top, "Keep the first K rows (ordered by --by, default accuracy)");
  query->add_option("--by", options->by,
                    "Order by: accuracy, loss, test_accuracy, valid_accuracy, train_accuracy, params, flops, lr, "
                    "index, n_seeds, ... (largest first)");
  query->add_flag("--ascending", options->ascending, "Smallest first");
  query->add_option("--where", options->where, "Condition FIELD OP NUMBER, e.g. 'flops<50'; repeat to combine");
  auto* curves = query->add_flag("--curves", options->curves,
                                 "Print the per-epoch values of every matching stored run (one row per run and epoch) "
                                 "instead of final accuracies");
  curves->excludes(mean);
  add_format_option(*query, options->format);
  query->callback([&run, options] { run = [options] { return run_query(*options); }; });
}

}  // namespace nasrank::cli
