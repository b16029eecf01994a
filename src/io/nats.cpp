#include "nasrank/io/nats.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <limits>

#include "nasrank/common/error.h"
#include "nasrank/io/pickle.h"

namespace nasrank::io {
namespace {

constexpr double kNotRecorded = std::numeric_limits<double>::quiet_NaN();

// A value of the decoded pickle plus the path that led to it, so every
// layout error names the file and the exact place. The path text is built
// only when an error needs it.
class Node {
 public:
  Node(const PickleValue& value, const std::string& source, const std::string& base_path)
      : value_(value), source_(source), base_path_(&base_path) {}

  const PickleValue& value() const { return value_; }

  std::string path() const {
    if (!parent_) return *base_path_;
    std::string segment;
    if (key_value_)
      segment = key_value_->repr(60);
    else if (!key_text_.empty())
      segment = PickleValue::str(std::string(key_text_)).repr(60);
    else
      segment = std::to_string(position_);
    return parent_->path() + "[" + segment + "]";
  }

  [[noreturn]] void fail(const std::string& problem) const {
    const std::string where = path();
    throw InputError("NATS file '" + source_ + "': " + (where.empty() ? "top level" : where) + ": " + problem);
  }

  const PickleDict& dict() const {
    if (!value_.is_dict()) fail("expected a dict, found " + describe());
    return value_.as_dict();
  }

  Node at(std::string_view key) const {
    const PickleValue* child = dict().find(key);
    if (!child)
      fail("missing key " + PickleValue::str(std::string(key)).repr() + " (keys: " + dict().keys_summary() + ")");
    return child_node(*child, key);
  }

  const PickleValue* find(std::string_view key) const { return dict().find(key); }

  // The key must outlive the child node (string literals and keys of the tree do).
  Node child_node(const PickleValue& child, std::string_view key) const {
    Node node(child, *this);
    node.key_text_ = key;
    return node;
  }
  Node child_node(const PickleValue& child, const PickleValue& key) const {
    Node node(child, *this);
    node.key_value_ = &key;
    return node;
  }
  Node element(const PickleValue& child, std::size_t position) const {
    Node node(child, *this);
    node.position_ = position;
    return node;
  }

  // Unknown keys mean a layout this reader does not understand: say so rather than guess.
  void expect_keys(std::initializer_list<std::string_view> known) const {
    for (const auto& [key, value] : dict()) {
      (void)value;
      const bool ok = key.is_str() && std::find(known.begin(), known.end(), key.as_str()) != known.end();
      if (!ok) fail("unexpected key " + key.repr(40) + " (this reader knows the NATS-Bench simple layout)");
    }
  }

  double number() const {
    if (!value_.is_number()) fail("expected a number, found " + describe());
    return value_.as_double();
  }

  std::int64_t integer() const {
    if (value_.type() != PickleType::Int &&
        !(value_.type() == PickleType::NumpyScalar && value_.is_number() && value_.as_numpy_scalar().dtype.kind != 'f'))
      fail("expected an integer, found " + describe());
    return value_.as_int();
  }

  int small_int() const {
    const std::int64_t v = integer();
    if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max())
      fail("integer " + std::to_string(v) + " is out of range");
    return static_cast<int>(v);
  }

  const std::string& str() const {
    if (!value_.is_str()) fail("expected a str, found " + describe());
    return value_.as_str();
  }

  bool boolean() const {
    if (value_.type() != PickleType::Bool) fail("expected a bool, found " + describe());
    return value_.as_bool();
  }

  const PickleValue::List& sequence() const {
    if (!value_.is_list() && !value_.is_tuple()) fail("expected a list, found " + describe());
    return value_.as_sequence();
  }

 private:
  std::string describe() const { return std::string(value_.type_name()) + " " + value_.repr(60); }

  Node(const PickleValue& value, const Node& parent)
      : value_(value), source_(parent.source_), base_path_(parent.base_path_), parent_(&parent) {}

  const PickleValue& value_;
  const std::string& source_;
  const std::string* base_path_;
  const Node* parent_ = nullptr;  // children live shorter than their parents
  const PickleValue* key_value_ = nullptr;
  std::string_view key_text_;
  std::size_t position_ = 0;
};

int parse_epoch(const Node& node, const PickleValue& key, int epochs) {
  if (key.type() != PickleType::Int) node.fail("expected integer epoch keys, found " + key.repr(40));
  const std::int64_t epoch = key.as_int();
  if (epoch < 0 || epoch >= epochs)
    node.fail("epoch " + std::to_string(epoch) + " is outside 0.." + std::to_string(epochs - 1));
  return static_cast<int>(epoch);
}

// {epoch: value} -> value per epoch (NaN where missing); None -> empty.
std::vector<double> epoch_series(const Node& node, int epochs) {
  if (node.value().is_none()) return {};
  std::vector<double> out(static_cast<std::size_t>(epochs), kNotRecorded);
  for (const auto& [key, value] : node.dict()) {
    const int epoch = parse_epoch(node, key, epochs);
    if (!value.is_number()) node.child_node(value, key).fail("expected a number, found " + value.repr(40));
    out[static_cast<std::size_t>(epoch)] = value.as_double();
  }
  return out;
}

enum class EvalMetric { Accuracy, Loss, Time };

// {'<split>@<epoch>': value} -> the split's series.
void eval_series(const Node& node, int epochs, EvalMetric metric, std::vector<NatsEvalSeries>& evals) {
  NatsEvalSeries* series = nullptr;  // keys of one split come in a row
  for (const auto& [key, value] : node.dict()) {
    if (!key.is_str()) node.fail("expected keys like 'x-valid@12', found " + key.repr(40));
    const std::string& text = key.as_str();
    const std::size_t at = text.rfind('@');
    int epoch = -1;
    if (at != std::string::npos) {
      const auto r = std::from_chars(text.data() + at + 1, text.data() + text.size(), epoch);
      if (r.ec != std::errc() || r.ptr != text.data() + text.size()) epoch = -1;
    }
    if (epoch < 0) node.fail("expected keys like 'x-valid@12', found " + key.repr(40));
    if (epoch >= epochs)
      node.fail("key " + key.repr(40) + " names epoch " + std::to_string(epoch) + ", outside 0.." +
                std::to_string(epochs - 1));
    const std::string_view split(text.data(), at);
    if (!series || series->name != split) {
      auto found = std::find_if(evals.begin(), evals.end(), [&](const NatsEvalSeries& s) { return s.name == split; });
      if (found == evals.end()) node.fail("key " + key.repr(40) + " names a split that is not in 'eval_names'");
      series = &*found;
    }
    if (!value.is_number()) node.child_node(value, key).fail("expected a number, found " + value.repr(40));
    std::vector<double>& target = metric == EvalMetric::Accuracy ? series->accuracy
                                  : metric == EvalMetric::Loss   ? series->loss
                                                                 : series->time;
    if (target.empty()) target.assign(static_cast<std::size_t>(epochs), kNotRecorded);
    target[static_cast<std::size_t>(epoch)] = value.as_double();
  }
}

// '0777' or 777 -> 777.
int parse_seed(const Node& node) {
  if (node.value().is_str()) {
    const std::string& text = node.str();
    int seed = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), seed);
    if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size())
      node.fail("seed " + node.value().repr(20) + " is not a number");
    return seed;
  }
  return node.small_int();
}

NatsTrial read_trial(const Node& node, const std::string& dataset, int seed) {
  node.expect_keys({"name", "train_acc1es", "train_acc5es", "train_losses", "train_times", "arch_config", "params",
                    "flop", "seed", "epochs", "latency", "eval_names", "eval_acc1es", "eval_times", "eval_losses",
                    "net_state_dict"});
  NatsTrial trial;
  trial.dataset = dataset;
  trial.seed = seed;
  if (node.at("name").str() != dataset)
    node.at("name").fail("names dataset '" + node.at("name").str() + "' but the run is filed under '" + dataset + "'");
  if (parse_seed(node.at("seed")) != seed)
    node.at("seed").fail("differs from the seed " + std::to_string(seed) + " the run is filed under");
  trial.epochs = node.at("epochs").small_int();
  if (trial.epochs <= 0 || trial.epochs > 100000)
    node.at("epochs").fail("epoch count " + std::to_string(trial.epochs) + " is not plausible");
  trial.params = node.at("params").number();
  trial.flops = node.at("flop").number();
  const Node latency = node.at("latency");
  if (!latency.value().is_none()) {
    const auto& values = latency.sequence();
    for (std::size_t i = 0; i < values.size(); ++i) trial.latency.push_back(latency.element(values[i], i).number());
  }

  const Node config = node.at("arch_config");
  config.expect_keys({"channel", "num_cells", "arch_str", "class_num"});
  trial.channel = config.at("channel").small_int();
  trial.num_cells = config.at("num_cells").small_int();
  trial.class_num = config.at("class_num").small_int();
  trial.config_arch_str = config.at("arch_str").str();

  trial.train_acc1 = epoch_series(node.at("train_acc1es"), trial.epochs);
  trial.train_acc5 = epoch_series(node.at("train_acc5es"), trial.epochs);
  trial.train_loss = epoch_series(node.at("train_losses"), trial.epochs);
  trial.train_time = epoch_series(node.at("train_times"), trial.epochs);

  const Node names = node.at("eval_names");
  for (std::size_t i = 0; i < names.sequence().size(); ++i) {
    NatsEvalSeries series;
    series.name = names.element(names.sequence()[i], i).str();
    trial.evals.push_back(std::move(series));
  }
  eval_series(node.at("eval_acc1es"), trial.epochs, EvalMetric::Accuracy, trial.evals);
  eval_series(node.at("eval_losses"), trial.epochs, EvalMetric::Loss, trial.evals);
  eval_series(node.at("eval_times"), trial.epochs, EvalMetric::Time, trial.evals);
  for (NatsEvalSeries& series : trial.evals)
    for (std::vector<double>* v : {&series.accuracy, &series.loss, &series.time})
      if (v->empty()) v->assign(static_cast<std::size_t>(trial.epochs), kNotRecorded);
  // 'net_state_dict' (trained weights) is None in the simple files and not used here.
  return trial;
}

NatsBudget read_budget(const Node& node, const std::string& budget) {
  node.expect_keys({"arch_index", "arch_str", "all_results", "dataset_seed", "clear_net_done"});
  NatsBudget out;
  out.budget = budget;
  out.arch_index = node.at("arch_index").small_int();
  out.arch_str = node.at("arch_str").str();
  out.clear_net_done = node.at("clear_net_done").boolean();

  const Node results = node.at("all_results");
  for (const auto& [key, value] : results.dict()) {
    const Node run = results.child_node(value, key);
    if (!key.is_tuple() || key.as_tuple().size() != 2 || !key.as_tuple()[0].is_str() ||
        key.as_tuple()[1].type() != PickleType::Int)
      run.fail("expected a (dataset, seed) key");
    const std::int64_t seed = key.as_tuple()[1].as_int();
    if (seed < 0 || seed > std::numeric_limits<int>::max()) run.fail("seed out of range");
    out.trials.push_back(read_trial(run, key.as_tuple()[0].as_str(), static_cast<int>(seed)));
  }

  const Node seeds = node.at("dataset_seed");
  for (const auto& [key, value] : seeds.dict()) {
    const Node entry = seeds.child_node(value, key);
    if (!key.is_str()) entry.fail("expected a dataset name as key");
    std::vector<int> list;
    for (std::size_t i = 0; i < entry.sequence().size(); ++i)
      list.push_back(entry.element(entry.sequence()[i], i).small_int());
    out.dataset_seeds.emplace_back(key.as_str(), std::move(list));
  }
  return out;
}

// File names look like 000284.pickle.pbz2: the leading digits are the index.
int index_from_file_name(const std::filesystem::path& path) {
  const std::string name = path.filename().string();
  std::size_t digits = 0;
  while (digits < name.size() && digits < 9 && name[digits] >= '0' && name[digits] <= '9') ++digits;
  if (digits == 0 || (digits < name.size() && name[digits] != '.')) return -1;
  return std::stoi(name.substr(0, digits));
}

NatsMeta meta_from_pickle(const PickleValue& root, const std::string& source) {
  const std::string top_level;
  const Node node(root, source, top_level);
  node.expect_keys({"meta_archs", "total_archs", "arch2infos", "evaluated_indexes"});
  NatsMeta meta;
  const Node archs = node.at("meta_archs");
  const auto& arch_values = archs.sequence();
  meta.arch_strings.reserve(arch_values.size());
  for (std::size_t i = 0; i < arch_values.size(); ++i)
    meta.arch_strings.push_back(archs.element(arch_values[i], i).str());
  meta.total_archs =
      node.find("total_archs") ? node.at("total_archs").integer() : static_cast<std::int64_t>(meta.arch_strings.size());
  if (const PickleValue* evaluated = node.find("evaluated_indexes")) {
    const Node list = node.child_node(*evaluated, "evaluated_indexes");
    const PickleValue::List* values = nullptr;
    if (evaluated->type() == PickleType::Set)
      values = &evaluated->as_set().items();
    else if (!evaluated->is_none())
      values = &list.sequence();
    if (values)
      for (std::size_t i = 0; i < values->size(); ++i)
        meta.evaluated_indexes.push_back(list.element((*values)[i], i).integer());
  }
  return meta;
}

}  // namespace

const NatsEvalSeries* NatsTrial::find_eval(std::string_view name) const {
  for (const NatsEvalSeries& series : evals)
    if (series.name == name) return &series;
  return nullptr;
}

const NatsTrial* NatsBudget::find_trial(std::string_view dataset, int seed) const {
  for (const NatsTrial& trial : trials)
    if (trial.dataset == dataset && trial.seed == seed) return &trial;
  return nullptr;
}

const NatsBudget* NatsArchRecord::find_budget(std::string_view name) const {
  for (const NatsBudget& b : budgets)
    if (b.budget == name) return &b;
  return nullptr;
}

const NatsBudget& NatsArchRecord::budget(std::string_view name) const {
  if (const NatsBudget* b = find_budget(name)) return *b;
  std::string known;
  for (const NatsBudget& b : budgets) known += (known.empty() ? "'" : ", '") + b.budget + "'";
  throw InputError("NATS record " + std::to_string(index) + " has no budget '" + std::string(name) + "' (it has " +
                   (known.empty() ? "none" : known) + ")");
}

namespace {

NatsArchRecord arch_from_pickle(const PickleValue& value, int index, const std::string& source, std::string path) {
  const Node node(value, source, path);
  NatsArchRecord record;
  record.index = index;
  for (const auto& [key, info] : node.dict()) {
    const Node budget_node = node.child_node(info, key);
    if (!key.is_str()) budget_node.fail("expected a budget name such as '12' or '200' as key");
    NatsBudget budget = read_budget(budget_node, key.as_str());
    if (record.index < 0) record.index = budget.arch_index;
    if (budget.arch_index != record.index)
      budget_node.at("arch_index")
          .fail("is " + std::to_string(budget.arch_index) + " but the record is for index " +
                std::to_string(record.index));
    if (record.arch_str.empty()) record.arch_str = budget.arch_str;
    if (budget.arch_str != record.arch_str)
      budget_node.at("arch_str").fail("differs from the other budgets' '" + record.arch_str + "'");
    record.budgets.push_back(std::move(budget));
  }
  if (record.budgets.empty()) node.fail("the record holds no budgets");
  return record;
}

}  // namespace

NatsArchRecord nats_arch_from_pickle(const PickleValue& value, int index, const std::string& source) {
  return arch_from_pickle(value, index, source, "");
}

namespace {

PickleOptions pickle_options(const NatsReadLimits& limits) {
  PickleOptions options;
  options.max_decode_bytes = limits.max_decode_bytes;
  options.decode_budget_hint = limits.raise_hint;
  return options;
}

DecompressionLimits file_limits(const NatsReadLimits& limits) {
  DecompressionLimits bounds;
  bounds.max_output_bytes = limits.max_file_bytes;
  return bounds;
}

}  // namespace

NatsMeta read_nats_meta(const std::filesystem::path& path, const NatsReadLimits& limits) {
  const auto in = open_input(path, Compression::Auto, file_limits(limits));
  // Streamed so that a single-file benchmark given by mistake is refused
  // before its records fill the memory.
  PickleItemStream stream{{"arch2infos"}, [&](PickleValue, PickleValue) {
                            throw InputError("NATS file '" + path.string() +
                                             "' holds the architecture records too (the single-file variant); "
                                             "read it with stream_nats_single_file");
                          }};
  return meta_from_pickle(read_pickle_streaming(*in, stream, pickle_options(limits)), path.string());
}

NatsArchRecord read_nats_arch(const std::filesystem::path& path, const NatsReadLimits& limits) {
  const auto in = open_input(path, Compression::Auto, file_limits(limits));
  return nats_arch_from_pickle(read_pickle(*in, pickle_options(limits)), index_from_file_name(path), path.string());
}

NatsMeta stream_nats_single_file(InputStream& in, const std::function<void(NatsArchRecord&& record)>& on_record,
                                 const NatsReadLimits& limits) {
  const std::string source = in.name();
  PickleItemStream stream{
      {"arch2infos"}, [&](PickleValue key, PickleValue value) {
        if (key.type() != PickleType::Int || key.as_int() < 0 || key.as_int() > std::numeric_limits<int>::max())
          throw InputError("NATS file '" + source + "': ['arch2infos'] has the key " + key.repr(40) +
                           " where an architecture index belongs");
        const int index = static_cast<int>(key.as_int());
        on_record(arch_from_pickle(value, index, source, "['arch2infos'][" + std::to_string(index) + "]"));
      }};
  return meta_from_pickle(read_pickle_streaming(in, stream, pickle_options(limits)), source);
}

NatsMeta stream_nats_single_file(const std::filesystem::path& path,
                                 const std::function<void(NatsArchRecord&& record)>& on_record,
                                 const NatsReadLimits& limits) {
  // The whole benchmark in one file: no bound on its size, but the expansion
  // ratio of open_input still applies.
  const auto in = open_input(path);
  return stream_nats_single_file(*in, on_record, limits);
}

}  // namespace nasrank::io
