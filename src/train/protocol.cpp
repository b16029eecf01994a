#include "nasrank/train/protocol.h"

#include "nasrank/common/error.h"
#include "nasrank/common/json_reader.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>

#ifndef NASRANK_PROTOCOL_DIR
#define NASRANK_PROTOCOL_DIR "data/protocols"
#endif

namespace nasrank::train {
namespace {

using nlohmann::json;

using ObjectReader = JsonObjectReader;

NetworkConfig read_network(ObjectReader reader) {
  NetworkConfig network;
  reader.read("channels", network.channels, 1, 4096);
  reader.read("cells_per_stage", network.cells_per_stage, 0, 64);
  std::string dag = std::string(dag_kind_name(network.dag_network));
  reader.read("dag_network", dag);
  if (dag != "mlp" && dag != "cnn") reader.fail("dag_network", dag, "must be \"mlp\" or \"cnn\"");
  network.dag_network = parse_dag_kind(dag);
  reader.read("kernel_size", network.kernel_size, 1, 15);
  if (network.kernel_size % 2 == 0) reader.fail("kernel_size", network.kernel_size, "must be odd");
  reader.finish();
  return network;
}

OptimizerConfig read_optimizer(ObjectReader reader) {
  OptimizerConfig optimizer;
  reader.read("type", optimizer.type);
  if (optimizer.type != "sgd") reader.fail("type", optimizer.type, "only \"sgd\" is supported");
  reader.read("momentum", optimizer.momentum, NumberRange{0.0, 1.0, false, true});
  reader.read("nesterov", optimizer.nesterov);
  reader.read("weight_decay", optimizer.weight_decay, NumberRange{0.0, 1.0, false, false});
  if (optimizer.nesterov && optimizer.momentum <= 0.0)
    reader.fail("nesterov", true, "Nesterov momentum needs momentum > 0");
  reader.finish();
  return optimizer;
}

LearningRateRule read_learning_rate(ObjectReader reader) {
  LearningRateRule rule;
  const bool fixed = reader.find("fixed") != nullptr;
  const bool scaler = reader.find("scaler") != nullptr;
  if (fixed == scaler)
    throw InputError(reader.context() + ": key 'learning_rate' needs exactly one of 'fixed' and 'scaler'");
  if (fixed) {
    rule.kind = LearningRateRule::Kind::Fixed;
    reader.read("fixed", rule.fixed, NumberRange{0.0, 1e9, true, false});
    // Principled init divides by an in-degree whichever rule sets the rate
    // (a learning-rate search trains principled networks at fixed rates).
    if (reader.find("degree")) {
      std::string degree;
      reader.read("degree", degree);
      try {
        rule.degree = scale::parse_degree(degree);
      } catch (const InputError& e) {
        reader.fail("degree", degree, e.what());
      }
    }
  } else {
    rule.kind = LearningRateRule::Kind::Scaler;
    ObjectReader s = reader.child("scaler");
    if ((s.find("base_lr") != nullptr) == (s.find("calibration") != nullptr))
      throw InputError(reader.context() +
                       ": key 'learning_rate.scaler' needs exactly one of 'base_lr' and 'calibration'");
    if (s.has("base_lr")) {
      double base = 0.0;
      s.read("base_lr", base, NumberRange{0.0, 1e9, true, false});
      rule.base_lr = base;
    } else {
      s.read("calibration", rule.calibration);
      if (rule.calibration.empty()) s.fail("calibration", rule.calibration, "must name a calibration file");
    }
    if (s.find("convention")) {
      std::string name;
      s.read("convention", name);
      try {
        rule.convention = scale::parse_convention(name);
      } catch (const InputError& e) {
        s.fail("convention", name, e.what());
      }
    }
    std::string degree(scale::degree_name(rule.degree));
    s.read("degree", degree);
    try {
      rule.degree = scale::parse_degree(degree);
    } catch (const InputError& e) {
      s.fail("degree", degree, e.what());
    }
    s.finish();
  }
  reader.finish();
  return rule;
}

ScheduleConfig read_schedule(ObjectReader reader) {
  ScheduleConfig schedule;
  std::string type = "cosine";
  reader.read("type", type);
  if (type == "cosine")
    schedule.kind = ScheduleConfig::Kind::Cosine;
  else if (type == "constant")
    schedule.kind = ScheduleConfig::Kind::Constant;
  else
    reader.fail("type", type, "must be \"cosine\" or \"constant\"");
  reader.read("warmup_epochs", schedule.warmup_epochs, 0, 100000);
  std::string update = "epoch";
  reader.read("update", update);
  if (update == "step")
    schedule.update = ScheduleConfig::Update::Step;
  else if (update != "epoch")
    reader.fail("update", update, "must be \"epoch\" or \"step\"");
  reader.finish();
  return schedule;
}

DataBudget read_data(ObjectReader reader) {
  DataBudget data;
  constexpr long long kMaxImages = 1LL << 40;
  reader.read("train_subset", data.train_subset, 0, kMaxImages);
  reader.read("holdout", data.holdout, 0, kMaxImages);
  if (const json* splits = reader.find("evaluation_splits")) {
    if (!splits->is_array()) reader.fail("evaluation_splits", *splits, "must be a list of split names");
    for (const json& split : *splits) {
      if (!split.is_string() || split.get<std::string>().empty())
        reader.fail("evaluation_splits", split, "split names are non-empty strings");
      data.evaluation_splits.push_back(split.get<std::string>());
    }
  }
  reader.read("eval_subset", data.eval_subset, 0, kMaxImages);
  reader.read("eval_every", data.eval_every, 1, 100000);
  reader.read("eval_batch_size", data.eval_batch_size, 1, 1 << 20);
  reader.read("loader_workers", data.loader_workers, 0, 64);
  reader.finish();
  return data;
}

std::string schedule_name(ScheduleConfig::Kind kind) {
  return kind == ScheduleConfig::Kind::Cosine ? "cosine" : "constant";
}

}  // namespace

Protocol protocol_from_json(const json& doc, const std::string& where) {
  ObjectReader reader(doc, "protocol " + where);
  Protocol protocol;
  reader.read("name", protocol.name);
  reader.read("description", protocol.description);
  protocol.network = read_network(reader.child("network"));
  protocol.optimizer = read_optimizer(reader.child("optimizer"));
  reader.read("batch_size", protocol.batch_size, 1, 1 << 20);
  reader.read("epochs", protocol.epochs, 1, 100000);
  if (reader.find("learning_rate")) protocol.learning_rate = read_learning_rate(reader.child("learning_rate"));
  protocol.schedule = read_schedule(reader.child("schedule"));
  if (protocol.schedule.warmup_epochs >= protocol.epochs)
    reader.fail("schedule.warmup_epochs", protocol.schedule.warmup_epochs,
                "must be smaller than epochs (" + std::to_string(protocol.epochs) + ")");
  std::string init(initialization_name(protocol.initialization));
  reader.read("initialization", init);
  if (init != "benchmark" && init != "principled")
    reader.fail("initialization", init, "must be \"benchmark\" or \"principled\"");
  protocol.initialization = parse_initialization(init);
  reader.read("augmentation", protocol.augmentation);
  protocol.data = read_data(reader.child("data"));
  if (const json* seeds = reader.find("seeds")) {
    if (!seeds->is_array() || seeds->empty()) reader.fail("seeds", *seeds, "must be a non-empty list of integers >= 0");
    protocol.seeds.clear();
    for (const json& seed : *seeds) {
      if (!seed.is_number_unsigned()) reader.fail("seeds", seed, "seeds are integers >= 0");
      protocol.seeds.push_back(seed.get<std::uint64_t>());
    }
  }
  reader.read("loss", protocol.loss);
  if (protocol.loss != "cross-entropy") reader.fail("loss", protocol.loss, "only \"cross-entropy\" is supported");
  reader.finish();
  return protocol;
}

json to_json(const Protocol& p) {
  json lr;
  if (p.learning_rate.kind == LearningRateRule::Kind::Fixed) {
    lr = {{"fixed", p.learning_rate.fixed}};
    if (p.learning_rate.degree != scale::DegreeChoice::Source)
      lr["degree"] = std::string(scale::degree_name(p.learning_rate.degree));
  } else {
    json scaler = json::object();
    if (p.learning_rate.base_lr)
      scaler["base_lr"] = *p.learning_rate.base_lr;
    else
      scaler["calibration"] = p.learning_rate.calibration;
    if (p.learning_rate.convention)
      scaler["convention"] = std::string(scale::convention_name(*p.learning_rate.convention));
    scaler["degree"] = std::string(scale::degree_name(p.learning_rate.degree));
    lr = {{"scaler", scaler}};
  }
  return json{
      {"name", p.name},
      {"description", p.description},
      {"network",
       {{"channels", p.network.channels},
        {"cells_per_stage", p.network.cells_per_stage},
        {"dag_network", std::string(dag_kind_name(p.network.dag_network))},
        {"kernel_size", p.network.kernel_size}}},
      {"optimizer",
       {{"type", p.optimizer.type},
        {"momentum", p.optimizer.momentum},
        {"nesterov", p.optimizer.nesterov},
        {"weight_decay", p.optimizer.weight_decay}}},
      {"batch_size", p.batch_size},
      {"epochs", p.epochs},
      {"learning_rate", lr},
      {"schedule",
       {{"type", schedule_name(p.schedule.kind)},
        {"warmup_epochs", p.schedule.warmup_epochs},
        {"update", p.schedule.update == ScheduleConfig::Update::Step ? "step" : "epoch"}}},
      {"initialization", std::string(initialization_name(p.initialization))},
      {"augmentation", p.augmentation},
      {"data",
       {{"train_subset", p.data.train_subset},
        {"holdout", p.data.holdout},
        {"evaluation_splits", p.data.evaluation_splits},
        {"eval_subset", p.data.eval_subset},
        {"eval_every", p.data.eval_every},
        {"eval_batch_size", p.data.eval_batch_size},
        {"loader_workers", p.data.loader_workers}}},
      {"seeds", p.seeds},
      {"loss", p.loss},
  };
}

std::filesystem::path protocol_directory() {
  if (const char* env = std::getenv("NASRANK_PROTOCOL_DIR"); env && *env) return env;
  return NASRANK_PROTOCOL_DIR;
}

std::vector<std::string> shipped_protocol_names() {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(protocol_directory(), error))
    if (entry.path().extension() == ".json") names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

Protocol load_protocol(const std::string& name_or_path) {
  std::filesystem::path path = name_or_path;
  const bool looks_like_path = name_or_path.find('/') != std::string::npos || path.extension() == ".json";
  if (!looks_like_path || !std::filesystem::exists(path)) {
    if (looks_like_path) throw InputError("protocol file '" + name_or_path + "' does not exist");
    path = protocol_directory() / (name_or_path + ".json");
    if (!std::filesystem::exists(path)) {
      std::string known;
      for (const std::string& name : shipped_protocol_names()) known += (known.empty() ? "" : ", ") + name;
      throw InputError("protocol '" + name_or_path +
                       "': no such file and no shipped protocol of that name (shipped, in " +
                       protocol_directory().string() + ": " + (known.empty() ? "none found" : known) + ")");
    }
  }
  if (std::filesystem::is_directory(path))
    throw InputError("protocol '" + path.string() + "' is a directory, not a protocol JSON file");
  std::ifstream in(path);
  if (!in) throw InputError("protocol file '" + path.string() + "' cannot be read");
  json doc;
  try {
    doc = json::parse(in);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number beyond a double ("1e999")
    throw InputError("protocol file '" + path.string() + "' is not valid JSON: " + e.what());
  }
  Protocol protocol = protocol_from_json(doc, "'" + path.string() + "'");
  if (protocol.name.empty()) protocol.name = path.stem().string();
  protocol.source = path.string();
  return protocol;
}

std::filesystem::path calibration_path(const Protocol& protocol) {
  const LearningRateRule& rule = protocol.learning_rate;
  if (rule.kind != LearningRateRule::Kind::Scaler || rule.calibration.empty()) return {};
  std::filesystem::path path = rule.calibration;
  if (path.is_relative() && !protocol.source.empty())
    path = std::filesystem::path(protocol.source).parent_path() / path;
  return path;
}

double scheduled_learning_rate(const ScheduleConfig& schedule, double peak, int epoch, int epochs) {
  NASRANK_CHECK(epoch >= 0 && epoch < epochs,
                "epoch " + std::to_string(epoch) + " outside 0.." + std::to_string(epochs - 1));
  const int warmup = schedule.warmup_epochs;
  if (epoch < warmup) return peak * (epoch + 1) / (warmup + 1);
  if (schedule.kind == ScheduleConfig::Kind::Constant) return peak;
  const double progress = static_cast<double>(epoch - warmup) / static_cast<double>(epochs - warmup);
  return peak / 2.0 * (1.0 + std::cos(M_PI * progress));
}

double scheduled_learning_rate(const ScheduleConfig& schedule, double peak, int epoch, int epochs, std::size_t step,
                               std::size_t steps_per_epoch) {
  const double per_epoch = scheduled_learning_rate(schedule, peak, epoch, epochs);
  if (schedule.update == ScheduleConfig::Update::Epoch || schedule.kind == ScheduleConfig::Kind::Constant ||
      epoch < schedule.warmup_epochs || steps_per_epoch == 0)
    return per_epoch;
  NASRANK_CHECK(step < steps_per_epoch,
                "step " + std::to_string(step) + " outside the epoch's " + std::to_string(steps_per_epoch));
  const double progress = (static_cast<double>(epoch - schedule.warmup_epochs) +
                           static_cast<double>(step) / static_cast<double>(steps_per_epoch)) /
                          static_cast<double>(epochs - schedule.warmup_epochs);
  return peak / 2.0 * (1.0 + std::cos(M_PI * progress));
}

}  // namespace nasrank::train
