#include "nasrank/store/query.h"

#include "nasrank/common/error.h"
#include "store/store_impl.h"
#include "store/text.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <initializer_list>
#include <map>
#include <set>

namespace nasrank::store {

namespace runs = layout::runs;

const std::vector<std::string>& benchmark_datasets() {
  static const std::vector<std::string> names{"cifar10-valid", "cifar10", "cifar100", "ImageNet16-120"};
  return names;
}

std::string resolve_split(std::string_view dataset, std::string_view split) {
  const bool benchmark =
      std::find(benchmark_datasets().begin(), benchmark_datasets().end(), dataset) != benchmark_datasets().end();
  if (split == "test") return benchmark && dataset != "cifar10" && dataset != "cifar10-valid" ? "x-test" : "ori-test";
  if (split == "valid") return "x-valid";
  return std::string(split);
}

const std::vector<std::string>& query_fields() {
  static const std::vector<std::string> names{"accuracy",      "accuracy_std",   "loss",
                                              "test_accuracy", "valid_accuracy", "train_accuracy",
                                              "params",        "flops",          "lr",
                                              "index",         "budget",         "seed",
                                              "n_seeds",       "wall_seconds",   "images_per_second"};
  return names;
}

namespace {

std::string known_fields() {
  std::string text;
  for (const auto& name : query_fields()) text += (text.empty() ? "" : ", ") + name;
  return text;
}

bool is_field(const std::string& name) {
  return std::find(query_fields().begin(), query_fields().end(), name) != query_fields().end();
}

}  // namespace

Condition parse_condition(std::string_view text) {
  const std::string quoted = "condition '" + std::string(text) + "'";
  static const std::vector<std::pair<std::string, Condition::Op>> operators{
      {"<=", Condition::Op::LessEqual}, {">=", Condition::Op::GreaterEqual}, {"==", Condition::Op::Equal},
      {"!=", Condition::Op::NotEqual},  {"<", Condition::Op::Less},          {">", Condition::Op::Greater},
      {"=", Condition::Op::Equal}};
  const std::size_t at = text.find_first_of("<>=!");
  if (at == std::string_view::npos)
    throw InputError(quoted + ": expected FIELD OP NUMBER with OP one of < <= > >= == !=, e.g. 'flops<50'");
  Condition condition;
  condition.text = std::string(text);
  std::size_t op_length = 0;
  for (const auto& [symbol, op] : operators)
    if (text.substr(at, symbol.size()) == symbol) {
      condition.op = op;
      op_length = symbol.size();
      break;
    }
  if (op_length == 0) throw InputError(quoted + ": '" + std::string(text.substr(at, 1)) + "' is not an operator");
  condition.field = trim(text.substr(0, at));
  if (condition.field.empty()) throw InputError(quoted + ": no field name before the operator");
  if (!is_field(condition.field))
    throw InputError(quoted + ": unknown field '" + condition.field + "' (known: " + known_fields() + ")");
  const std::string number = trim(text.substr(at + op_length));
  char* end = nullptr;
  condition.value = number.empty() ? 0 : std::strtod(number.c_str(), &end);
  if (number.empty() || end != number.c_str() + number.size() || !std::isfinite(condition.value))
    throw InputError(quoted + ": '" + number + "' after the operator is not a number");
  return condition;
}

double QueryRow::field(std::string_view name) const {
  if (name == "accuracy") return accuracy;
  if (name == "accuracy_std") return accuracy_std;
  if (name == "loss") return loss;
  if (name == "test_accuracy") return test_accuracy;
  if (name == "valid_accuracy") return valid_accuracy;
  if (name == "train_accuracy") return train_accuracy;
  if (name == "params") return params_m;
  if (name == "flops") return flops_m;
  if (name == "lr") return learning_rate;
  if (name == "index") return benchmark_index;
  if (name == "budget") return budget_epochs;
  if (name == "seed") return static_cast<double>(seed);
  if (name == "n_seeds") return n_seeds;
  if (name == "wall_seconds") return wall_seconds;
  if (name == "images_per_second") return images_per_second;
  throw InputError("unknown query field '" + std::string(name) + "' (known: " + known_fields() + ")");
}

namespace {

bool holds(const Condition& c, double value) {
  // A missing value satisfies no condition: "flops<50" must not list runs whose FLOPs are unknown.
  if (std::isnan(value)) return false;
  switch (c.op) {
    case Condition::Op::Less:
      return value < c.value;
    case Condition::Op::LessEqual:
      return value <= c.value;
    case Condition::Op::Greater:
      return value > c.value;
    case Condition::Op::GreaterEqual:
      return value >= c.value;
    case Condition::Op::Equal:
      return value == c.value;
    case Condition::Op::NotEqual:
      return value != c.value;
  }
  return false;
}

int dataset_rank(const std::string& dataset) {
  const auto& names = benchmark_datasets();
  const auto it = std::find(names.begin(), names.end(), dataset);
  return it == names.end() ? static_cast<int>(names.size()) : static_cast<int>(it - names.begin());
}

RunFilter filter_of(const QuerySpec& spec, bool with_budget) {
  RunFilter filter;
  filter.arch_key = spec.arch_key;
  filter.dataset = spec.dataset;
  filter.protocol = spec.protocol;
  if (with_budget) filter.budget_epochs = spec.budget_epochs;
  filter.seed = spec.seed;
  return filter;
}

// Mean and sample standard deviation of the finite values.
struct Summary {
  double mean = kNotMeasured;
  double std = kNotMeasured;
  int count = 0;
};

Summary summarize(const std::vector<double>& values) {
  Summary s;
  double sum = 0;
  for (double v : values)
    if (!std::isnan(v)) {
      sum += v;
      ++s.count;
    }
  if (s.count == 0) return s;
  s.mean = sum / s.count;
  if (s.count >= 2) {
    double squares = 0;
    for (double v : values)
      if (!std::isnan(v)) squares += (v - s.mean) * (v - s.mean);
    s.std = std::sqrt(squares / (s.count - 1));
  }
  return s;
}

int count_listed_seeds(const std::string& text) {
  int count = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = trim(std::string_view(text).substr(start, comma - start));
    if (item.empty() || item.find_first_not_of("0123456789") != std::string::npos) return 0;
    ++count;
    start = comma + 1;
  }
  return count;
}

}  // namespace

std::vector<std::string> stored_datasets(const ResultStore& store) {
  auto& impl = detail::StoreAccess::impl(store);
  const std::vector<std::size_t> rows = impl.select(RunFilter{});
  std::set<std::string> names;
  for (auto& name : impl.scan_text(runs::dataset, rows)) names.insert(std::move(name));
  std::vector<std::string> ordered(names.begin(), names.end());
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const std::string& a, const std::string& b) { return dataset_rank(a) < dataset_rank(b); });
  return ordered;
}

std::string match_dataset(const ResultStore& store, std::string_view name) {
  const std::vector<std::string> stored = stored_datasets(store);
  for (const std::string& key : stored)
    if (key == name) return key;
  auto folded = [](std::string_view text) {
    std::string out;
    for (char c : text)
      if (c != '-' && c != '_' && c != ' ') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  std::vector<std::string> matches;
  for (const std::string& key : stored)
    if (folded(key) == folded(name)) matches.push_back(key);
  if (matches.size() == 1) return matches.front();
  std::string list;
  for (const std::string& key : (matches.empty() ? stored : matches)) list += (list.empty() ? "" : ", ") + key;
  if (stored.empty())
    throw InputError("store '" + store.path().string() + "' holds no runs (asked for dataset '" + std::string(name) +
                     "')");
  throw InputError("store '" + store.path().string() + "' has " +
                   (matches.empty() ? "no dataset '" : "several datasets matching '") + std::string(name) +
                   "' (it has: " + list + ")");
}

std::vector<int> budgets_matching(const ResultStore& store, const QuerySpec& spec) {
  auto& impl = detail::StoreAccess::impl(store);
  const std::vector<std::size_t> rows = impl.select(filter_of(spec, false));
  std::set<int> budgets;
  for (std::int64_t budget : impl.scan_int(runs::budget_epochs, rows)) budgets.insert(static_cast<int>(budget));
  return {budgets.begin(), budgets.end()};
}

std::vector<QueryRow> run_query(const ResultStore& store, const QuerySpec& spec) {
  if (spec.budget_epochs <= 0)
    throw InputError("a query needs the training budget in epochs (results of different budgets are never mixed)");
  if (spec.order_by && !is_field(*spec.order_by))
    throw InputError("cannot order by '" + *spec.order_by + "': unknown field (known: " + known_fields() + ")");
  if (spec.split.empty() || spec.split.find('/') != std::string::npos)
    throw InputError("split '" + spec.split + "' is not a split name");

  auto& impl = detail::StoreAccess::impl(store);
  const std::vector<std::size_t> rows = impl.select(filter_of(spec, true));
  if (rows.empty()) return {};
  const std::string runs_group = layout::kRunsGroup;

  const auto dataset = impl.scan_text(runs::dataset, rows);
  const auto protocol = impl.scan_text(runs::protocol, rows);
  const auto seed_of = impl.scan_int(runs::seed, rows);
  const auto index = impl.read_once<std::int32_t>(runs_group, runs::benchmark_index, rows);
  // Benchmark cells are exactly the runs with an index (layout.h), so the
  // space column is read only for the others.
  std::vector<std::string> space(rows.size(), "nb201");
  {
    std::vector<std::size_t> unindexed, subset;
    for (std::size_t i = 0; i < rows.size(); ++i)
      if (index[i] < 0) {
        unindexed.push_back(i);
        subset.push_back(rows[i]);
      }
    const auto texts =
        subset.empty() ? std::vector<std::string>() : impl.read_once<std::string>(runs_group, runs::space, subset);
    for (std::size_t j = 0; j < unindexed.size(); ++j) space[unindexed[j]] = texts[j];
  }
  const auto status = impl.read_once<std::string>(runs_group, runs::status, rows);
  const auto params = impl.read_once<double>(runs_group, runs::params_m, rows);
  const auto flops = impl.read_once<double>(runs_group, runs::flops_m, rows);
  const auto lr = impl.read_once<double>(runs_group, runs::learning_rate, rows);
  const auto init = impl.read_once<std::string>(runs_group, runs::init, rows);
  // The secondary fields cost a dataset read each; fill them only when asked
  // for or when a condition or the order uses them.
  auto asked_for = [&](std::initializer_list<const char*> names) {
    if (spec.detail) return true;
    for (const char* name : names) {
      if (spec.order_by && *spec.order_by == name) return true;
      for (const Condition& c : spec.where)
        if (c.field == name) return true;
    }
    return false;
  };
  const bool want_test = asked_for({"test_accuracy"});
  const bool want_valid = asked_for({"valid_accuracy"});
  const bool want_train = asked_for({"train_accuracy"});
  const bool want_timing = asked_for({"wall_seconds", "images_per_second"});
  const std::vector<double> unknown(rows.size(), kNotMeasured);
  const auto wall = want_timing ? impl.read_once<double>(runs_group, runs::wall_seconds, rows) : unknown;
  const auto throughput = want_timing ? impl.read_once<double>(runs_group, runs::images_per_second, rows) : unknown;
  const auto imported = spec.detail ? impl.read_once<std::uint8_t>(runs_group, runs::imported, rows)
                                    : std::vector<std::uint8_t>(rows.size(), 0);

  // Split values: each dataset resolves "test"/"valid" to its own split, so
  // read every split any candidate dataset needs, once.
  std::map<std::string, std::vector<double>> accuracy_of, loss_of;
  auto split_values = [&](std::map<std::string, std::vector<double>>& cache, const std::string& group,
                          const std::string& split) -> const std::vector<double>& {
    auto it = cache.find(split);
    if (it == cache.end()) {
      auto values = impl.read_split_once(group, split, rows);
      it = cache.emplace(split, values ? std::move(*values) : std::vector<double>(rows.size(), kNotMeasured)).first;
    }
    return it->second;
  };
  auto accuracy = [&](std::size_t i, const std::string& split) {
    return split_values(accuracy_of, layout::kFinalAccuracyGroup, split)[i];
  };
  auto loss = [&](std::size_t i, const std::string& split) {
    return split_values(loss_of, layout::kFinalLossGroup, split)[i];
  };

  // Group runs: one architecture (index for benchmark cells, text otherwise)
  // on one dataset, protocol and budget; all seeds together unless per seed.
  // A stored mean (seed -1) is always its own group.
  struct GroupKey {
    int index;
    std::string arch;
    std::string dataset;
    std::string protocol;
    std::int64_t seed_group;
    bool operator<(const GroupKey& o) const {
      return std::tie(index, arch, dataset, protocol, seed_group) <
             std::tie(o.index, o.arch, o.dataset, o.protocol, o.seed_group);
    }
  };
  std::vector<std::size_t> need_arch_text;
  for (std::size_t i = 0; i < rows.size(); ++i)
    if (space[i] != "nb201") need_arch_text.push_back(i);
  std::vector<std::string> arch_text(rows.size());
  if (!need_arch_text.empty()) {
    std::vector<std::size_t> subset;
    for (std::size_t i : need_arch_text) subset.push_back(rows[i]);
    auto texts = impl.read_once<std::string>(runs_group, runs::arch, subset);
    for (std::size_t j = 0; j < need_arch_text.size(); ++j)
      arch_text[need_arch_text[j]] = space[need_arch_text[j]] + ":" + texts[j];
  }
  const bool separate_seeds = spec.per_seed || spec.seed.has_value();
  std::map<GroupKey, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::int64_t seed = seed_of[i];
    const std::int64_t seed_group = seed == kMeanOverSeeds ? kMeanOverSeeds : separate_seeds ? seed : 0;
    groups[GroupKey{index[i], arch_text[i], dataset[i], protocol[i], seed_group}].push_back(i);
  }

  std::vector<std::size_t> mean_rows;  // positions (in `rows`) of stored means, for seeds_averaged
  for (const auto& [key, members] : groups)
    if (key.seed_group == kMeanOverSeeds) mean_rows.push_back(members.front());
  std::map<std::size_t, std::string> seeds_averaged;
  if (!mean_rows.empty()) {
    std::vector<std::size_t> subset;
    for (std::size_t i : mean_rows) subset.push_back(rows[i]);
    auto texts = impl.read_once<std::string>(runs_group, runs::seeds_averaged, subset);
    for (std::size_t j = 0; j < mean_rows.size(); ++j) seeds_averaged[mean_rows[j]] = texts[j];
  }

  std::vector<QueryRow> result;
  std::vector<std::size_t> representative;  // position in `rows` of each result row's first run
  for (const auto& [key, members] : groups) {
    QueryRow q;
    const std::size_t first = members.front();
    q.space = space[first];
    q.benchmark_index = key.index;
    q.dataset = key.dataset;
    q.protocol = key.protocol;
    q.budget_epochs = spec.budget_epochs;
    q.split = resolve_split(key.dataset, spec.split);
    const std::string test_split = resolve_split(key.dataset, "test");
    const std::string valid_split = resolve_split(key.dataset, "valid");
    std::vector<double> acc, los, test, valid, train, walls, rates;
    std::vector<std::int64_t> seeds;
    std::map<std::string, int> statuses;
    for (std::size_t i : members) {
      acc.push_back(accuracy(i, q.split));
      los.push_back(loss(i, q.split));
      test.push_back(want_test ? accuracy(i, test_split) : kNotMeasured);
      valid.push_back(want_valid ? accuracy(i, valid_split) : kNotMeasured);
      train.push_back(want_train ? accuracy(i, "train") : kNotMeasured);
      walls.push_back(wall[i]);
      rates.push_back(throughput[i]);
      seeds.push_back(seed_of[i]);
      ++statuses[status[i]];
      q.imported = q.imported || imported[i] != 0;
    }
    const Summary accuracy_summary = summarize(acc);
    q.accuracy = accuracy_summary.mean;
    q.accuracy_std = accuracy_summary.std;
    q.loss = summarize(los).mean;
    q.test_accuracy = summarize(test).mean;
    q.valid_accuracy = summarize(valid).mean;
    q.train_accuracy = summarize(train).mean;
    q.wall_seconds = summarize(walls).mean;
    q.images_per_second = summarize(rates).mean;
    q.params_m = params[first];
    q.flops_m = flops[first];
    q.learning_rate = lr[first];
    q.init = init[first];
    if (key.seed_group == kMeanOverSeeds) {
      q.pre_averaged = true;
      q.seed = kMeanOverSeeds;
      q.seeds = seeds_averaged[first];
      q.n_seeds = count_listed_seeds(q.seeds);
    } else {
      std::sort(seeds.begin(), seeds.end());
      for (std::int64_t s : seeds) q.seeds += (q.seeds.empty() ? "" : ",") + std::to_string(s);
      q.seed = separate_seeds ? seeds.front() : kMeanOverSeeds;
      q.n_seeds = accuracy_summary.count;
    }
    if (statuses.size() == 1) {
      q.status = statuses.begin()->first;
    } else {
      q.status = "mixed(";
      for (const auto& [name, count] : statuses)
        q.status += (q.status.size() > 6 ? "," : "") + name + ":" + std::to_string(count);
      q.status += ")";
    }
    bool keep = true;
    for (const Condition& c : spec.where) keep = keep && holds(c, q.field(c.field));
    if (!keep) continue;
    result.push_back(std::move(q));
    representative.push_back(first);
  }

  std::vector<std::size_t> order(result.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto natural = [&](std::size_t a, std::size_t b) {
    const QueryRow& x = result[a];
    const QueryRow& y = result[b];
    return std::make_tuple(x.benchmark_index, arch_text[representative[a]], dataset_rank(x.dataset), x.dataset,
                           x.protocol, x.seed) < std::make_tuple(y.benchmark_index, arch_text[representative[b]],
                                                                 dataset_rank(y.dataset), y.dataset, y.protocol,
                                                                 y.seed);
  };
  if (spec.order_by) {
    const std::string& field = *spec.order_by;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      const double x = result[a].field(field);
      const double y = result[b].field(field);
      if (std::isnan(x) != std::isnan(y)) return std::isnan(y);  // unknown values last
      if (!std::isnan(x) && x != y) return spec.ascending ? x < y : x > y;
      return natural(a, b);
    });
  } else {
    std::sort(order.begin(), order.end(), natural);
  }
  if (spec.limit && order.size() > *spec.limit) order.resize(*spec.limit);

  // Arch text only for the rows that are returned, and not at all when the
  // query named the architecture.
  if (spec.arch_key) {
    const std::string arch = spec.arch_key->substr(spec.arch_key->find(':') + 1);
    std::vector<QueryRow> ordered;
    ordered.reserve(order.size());
    for (std::size_t o : order) {
      ordered.push_back(std::move(result[o]));
      ordered.back().arch = arch;
    }
    return ordered;
  }
  std::vector<std::size_t> wanted;
  for (std::size_t o : order) wanted.push_back(rows[representative[o]]);
  std::vector<std::size_t> sorted = wanted;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  const auto arch = impl.read_once<std::string>(runs_group, runs::arch, sorted);
  std::vector<QueryRow> ordered;
  ordered.reserve(order.size());
  for (std::size_t j = 0; j < order.size(); ++j) {
    QueryRow q = std::move(result[order[j]]);
    q.arch = arch[static_cast<std::size_t>(std::lower_bound(sorted.begin(), sorted.end(), wanted[j]) - sorted.begin())];
    ordered.push_back(std::move(q));
  }
  return ordered;
}

}  // namespace nasrank::store
