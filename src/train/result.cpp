#include "nasrank/train/result.h"

#include "nasrank/common/enum_names.h"
#include "nasrank/common/error.h"
#include "nasrank/common/json_reader.h"

#include <cmath>
#include <limits>

namespace nasrank::train {
namespace {

using nlohmann::json;

// JSON has no NaN or infinity: a diverged run's losses are written as null.
json finite_or_null(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }

json to_json(const SplitMetrics& m) {
  return json{{"loss", finite_or_null(m.loss)}, {"accuracy", finite_or_null(m.accuracy)}, {"images", m.images}};
}

json to_json(const std::map<std::string, SplitMetrics>& metrics) {
  json out = json::object();
  for (const auto& [split, m] : metrics) out[split] = to_json(m);
  return out;
}

// Every key of a result is required: a record missing one was not written
// by this version's trainer.
class Fields {
 public:
  Fields(const json& object, const std::string& source, std::string path = "")
      : reader_(object, "train result " + source, std::move(path)) {}
  explicit Fields(JsonObjectReader reader) : reader_(std::move(reader)) {}

  const json& at(const std::string& key) { return reader_.required(key); }
  std::string text(const std::string& key) {
    std::string out;
    at(key);
    reader_.read(key, out);
    return out;
  }
  template <typename Int>
  Int integer(const std::string& key) {
    Int out{};
    at(key);
    reader_.read(key, out, std::numeric_limits<Int>::min(), std::numeric_limits<Int>::max());
    return out;
  }
  std::uint64_t unsigned_integer(const std::string& key) {
    std::uint64_t out = 0;
    at(key);
    reader_.read(key, out);
    return out;
  }
  double number(const std::string& key) {
    double out = 0.0;
    at(key);
    reader_.read_nullable(key, out);
    return out;
  }
  Fields child(const std::string& key) {
    at(key);
    return Fields(reader_.child(key));
  }
  void finish() const { reader_.finish(); }
  [[noreturn]] void fail(const std::string& key, const json& value, const std::string& problem) const {
    reader_.fail(key, value, problem);
  }
  const json& object() const { return reader_.object(); }

 private:
  JsonObjectReader reader_;
};

SplitMetrics metrics_from(Fields fields) {
  SplitMetrics m;
  m.loss = fields.number("loss");
  m.accuracy = fields.number("accuracy");
  m.images = fields.integer<std::int64_t>("images");
  fields.finish();
  return m;
}

std::map<std::string, SplitMetrics> metrics_map_from(Fields fields) {
  std::map<std::string, SplitMetrics> out;
  for (const auto& item : fields.object().items()) out[item.key()] = metrics_from(fields.child(item.key()));
  return out;
}

}  // namespace

constexpr EnumNames<RunStatus, 3> kRunStatusNames{
    {{{RunStatus::Ok, "ok"}, {RunStatus::Diverged, "diverged"}, {RunStatus::Disconnected, "disconnected"}}}};

std::string_view run_status_name(RunStatus status) { return kRunStatusNames.name(status, "ok"); }

RunStatus parse_run_status(std::string_view name) { return kRunStatusNames.parse(name, "run status"); }

json to_json(const TrainResult& r) {
  json step_losses = json::array();
  for (double loss : r.final_step_losses) step_losses.push_back(finite_or_null(loss));
  json history = json::array();
  for (const EpochRecord& e : r.history)
    history.push_back(json{{"epoch", e.epoch},
                           {"learning_rate", finite_or_null(e.learning_rate)},
                           {"train_loss", finite_or_null(e.train_loss)},
                           {"train_accuracy", finite_or_null(e.train_accuracy)},
                           {"train_images", e.train_images},
                           {"train_seconds", finite_or_null(e.train_seconds)},
                           {"eval_seconds", finite_or_null(e.eval_seconds)},
                           {"evaluations", to_json(e.evaluations)}});
  return json{
      {"architecture", r.architecture},
      {"space", r.space},
      {"canonical", r.canonical},
      {"benchmark_index", r.benchmark_index ? json(*r.benchmark_index) : json(nullptr)},
      {"unique_string", r.unique_string},
      {"dataset", r.dataset},
      {"protocol", r.protocol},
      {"epochs", r.epochs},
      {"seed", r.seed},
      {"status", std::string(run_status_name(r.status))},
      {"status_detail", r.status_detail},
      {"history", history},
      {"final", to_json(r.final_metrics)},
      {"final_step_losses", step_losses},
      {"learning_rate", finite_or_null(r.learning_rate)},
      {"learning_rate_rule", r.learning_rate_rule},
      {"initialization", r.initialization},
      {"scaler", r.scaler},
      {"params_m", finite_or_null(r.params_m)},
      {"flops_m", finite_or_null(r.flops_m)},
      {"params_built_m", finite_or_null(r.params_built_m)},
      {"flops_built_m", finite_or_null(r.flops_built_m)},
      {"wall_seconds", finite_or_null(r.wall_seconds)},
      {"train_seconds", finite_or_null(r.train_seconds)},
      {"images_per_second", finite_or_null(r.images_per_second)},
      {"device", r.device},
      {"threads", r.threads},
      {"config", r.config},
      {"data", r.data},
      {"tool_version", r.tool_version},
      {"build", r.build},
  };
}

TrainResult train_result_from_json(const json& doc, const std::string& source) {
  Fields f(doc, source);
  TrainResult r;
  r.architecture = f.text("architecture");
  r.space = f.text("space");
  r.canonical = f.text("canonical");
  const json& index = f.at("benchmark_index");
  if (!index.is_null()) r.benchmark_index = f.integer<int>("benchmark_index");
  r.unique_string = f.text("unique_string");
  r.dataset = f.text("dataset");
  r.protocol = f.text("protocol");
  r.epochs = f.integer<int>("epochs");
  r.seed = f.unsigned_integer("seed");
  try {
    r.status = parse_run_status(f.text("status"));
  } catch (const InputError& e) {
    throw InputError("train result " + source + ": key 'status': " + e.what());
  }
  r.status_detail = f.text("status_detail");
  const json& history = f.at("history");
  if (!history.is_array()) f.fail("history", history, "must be a list");
  for (std::size_t k = 0; k < history.size(); ++k) {
    Fields e(history[k], source, "history[" + std::to_string(k) + "]");
    EpochRecord record;
    record.epoch = e.integer<int>("epoch");
    record.learning_rate = e.number("learning_rate");
    record.train_loss = e.number("train_loss");
    record.train_accuracy = e.number("train_accuracy");
    record.train_images = e.integer<std::int64_t>("train_images");
    record.train_seconds = e.number("train_seconds");
    record.eval_seconds = e.number("eval_seconds");
    record.evaluations = metrics_map_from(e.child("evaluations"));
    e.finish();
    r.history.push_back(std::move(record));
  }
  r.final_metrics = metrics_map_from(f.child("final"));
  // Optional: records written before the tail was kept have none.
  if (f.object().contains("final_step_losses")) {
    const json& steps = f.at("final_step_losses");
    if (!steps.is_array()) f.fail("final_step_losses", steps, "must be a list");
    for (const json& loss : steps) {
      if (!loss.is_null() && !loss.is_number()) f.fail("final_step_losses", steps, "must hold numbers or null");
      r.final_step_losses.push_back(loss.is_null() ? std::numeric_limits<double>::quiet_NaN() : loss.get<double>());
    }
  }
  r.learning_rate = f.number("learning_rate");
  r.learning_rate_rule = f.text("learning_rate_rule");
  r.initialization = f.text("initialization");
  r.scaler = f.at("scaler");
  r.params_m = f.number("params_m");
  r.flops_m = f.number("flops_m");
  r.params_built_m = f.number("params_built_m");
  r.flops_built_m = f.number("flops_built_m");
  r.wall_seconds = f.number("wall_seconds");
  r.train_seconds = f.number("train_seconds");
  r.images_per_second = f.number("images_per_second");
  r.device = f.text("device");
  r.threads = f.integer<int>("threads");
  r.config = f.at("config");
  r.data = f.at("data");
  r.tool_version = f.text("tool_version");
  r.build = f.text("build");
  f.finish();
  return r;
}

}  // namespace nasrank::train
