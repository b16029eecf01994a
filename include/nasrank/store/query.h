#pragma once
// Questions asked in the benchmark's own terms: "test accuracy of this cell on
// cifar100 after 200 epochs, averaged over seeds". Every answer states the
// budget, the seeds and the exact split it used; numbers of different budgets
// are never combined (the budget is a required part of a query).
#include "nasrank/store/store.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nasrank::store {

// The benchmark's split for a logical name on a dataset:
//   "test"  -> "ori-test" on cifar10 / cifar10-valid, "x-test" on cifar100 /
//              ImageNet16-120, "ori-test" on any other dataset (the
//              dataset's own test set, as nasrank's trainer names it);
//   "valid" -> "x-valid" on every dataset (the trainer's holdout is x-valid);
//   anything else (e.g. "ori-test", "train") is returned unchanged.
std::string resolve_split(std::string_view dataset, std::string_view split);

// The dataset keys of NAS-Bench-201 (cifar10-valid, cifar10, cifar100, ImageNet16-120).
const std::vector<std::string>& benchmark_datasets();

// The dataset keys a store holds, in the benchmark's order, then by name.
std::vector<std::string> stored_datasets(const ResultStore& store);

// The stored dataset key that `name` spells: exact, else equal after
// lower-casing and dropping '-', '_' and spaces (so CIFAR10, cifar-10 and
// imagenet16-120 find cifar10 and ImageNet16-120). InputError listing the
// stored keys when none or several match.
std::string match_dataset(const ResultStore& store, std::string_view name);

// One `field OP number` condition, e.g. "flops<50" or "accuracy >= 90".
struct Condition {
  enum class Op { Less, LessEqual, Greater, GreaterEqual, Equal, NotEqual };
  std::string field;
  Op op = Op::Less;
  double value = 0;
  std::string text;  // as written, for messages
};
// InputError for a malformed condition or an unknown field (the message lists
// the known ones).
Condition parse_condition(std::string_view text);

// Numeric fields of a result row, usable in conditions and for ordering:
// accuracy, loss (of the queried split), test_accuracy, valid_accuracy,
// train_accuracy, params, flops, lr, index, budget, seed, n_seeds,
// wall_seconds, images_per_second.
const std::vector<std::string>& query_fields();

struct QuerySpec {
  std::optional<std::string> arch_key;  // one architecture (arch_key() in run.h)
  std::optional<std::string> dataset;
  std::optional<std::string> protocol;
  int budget_epochs = 0;             // required: > 0
  std::string split = "test";        // logical ("test", "valid", "train") or exact ("x-valid")
  std::optional<std::int64_t> seed;  // one seed's runs only
  bool per_seed = false;             // one row per seed instead of the mean over seeds
  std::vector<Condition> where;
  std::optional<std::string> order_by;  // a query field; largest first unless ascending
  bool ascending = false;
  std::optional<std::size_t> limit;
  // Also fill QueryRow's test/valid/train accuracy, timings and `imported`
  // (each costs a read). Without it they are filled only when `where` or
  // `order_by` uses them, and are NaN / false otherwise.
  bool detail = false;
};

// One answer row: one architecture on one dataset under one protocol and
// budget, either one seed or the mean over the seeds listed in `seeds`.
struct QueryRow {
  std::string space;
  int benchmark_index = -1;
  std::string arch;
  std::string dataset;
  std::string protocol;
  int budget_epochs = 0;
  std::int64_t seed = kMeanOverSeeds;  // the seed, or kMeanOverSeeds for a mean
  std::string seeds;                   // "777,888,999", or an imported mean's seeds_averaged
  int n_seeds = 0;                     // runs that had a value for the queried split
  bool pre_averaged = false;           // the stored row is itself a mean (imported)
  std::string split;                   // exact split, e.g. "x-test"
  double accuracy = kNotMeasured;      // mean over n_seeds, percent
  double accuracy_std = kNotMeasured;  // sample standard deviation over seeds (n_seeds >= 2)
  double loss = kNotMeasured;
  double test_accuracy = kNotMeasured;
  double valid_accuracy = kNotMeasured;
  double train_accuracy = kNotMeasured;
  double params_m = kNotMeasured;
  double flops_m = kNotMeasured;
  double learning_rate = kNotMeasured;
  std::string init;
  std::string status;                       // the common status, or "mixed(ok:2,diverged:1)"
  double wall_seconds = kNotMeasured;       // mean over runs
  double images_per_second = kNotMeasured;  // mean over runs
  bool imported = false;

  // A query field by name (see query_fields()).
  double field(std::string_view name) const;
};

// Rows ordered by benchmark index (then arch, dataset, protocol, seed), or by
// spec.order_by. InputError for an invalid spec (no budget, unknown field).
std::vector<QueryRow> run_query(const ResultStore& store, const QuerySpec& spec);

// Budgets of the runs that match everything in `spec` except the budget,
// ascending: lets a front end pick the only one or ask the user to choose.
std::vector<int> budgets_matching(const ResultStore& store, const QuerySpec& spec);

}  // namespace nasrank::store
