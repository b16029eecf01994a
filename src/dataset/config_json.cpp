#include "nasrank/dataset/config_json.h"

#include "nasrank/common/error.h"

#include <cmath>
#include <initializer_list>
#include <limits>
#include <string>

namespace nasrank::dataset {
namespace {

using nlohmann::json;

void require_object(const json& value, const std::string& context) {
  if (!value.is_object()) throw InputError(context + ": expected a JSON object, got " + value.dump());
}

void reject_unknown_keys(const json& object, const std::string& context, std::initializer_list<const char*> known) {
  for (const auto& item : object.items()) {
    bool found = false;
    for (const char* key : known) found = found || item.key() == key;
    if (found) continue;
    std::string list;
    for (const char* key : known) list += (list.empty() ? "" : ", ") + std::string(key);
    throw InputError(context + ": unknown key '" + item.key() + "' (known keys: " + list + ")");
  }
}

[[noreturn]] void wrong_type(const std::string& context, const char* key, const json& value, const char* expected) {
  throw InputError(context + ": key '" + key + "' = " + value.dump() + " is not " + expected);
}

// Non-negative integer literals only: nlohmann would otherwise turn -1 into
// 2^64-1 and truncate 2.5 to 2 without a word.
void read_unsigned(const json& object, const std::string& context, const char* key, std::uint64_t& field) {
  const auto it = object.find(key);
  if (it == object.end()) return;
  if (!it->is_number_unsigned()) wrong_type(context, key, *it, "a non-negative integer");
  field = it->get<std::uint64_t>();
}

void read_count(const json& object, const std::string& context, const char* key, std::size_t& field) {
  std::uint64_t value = field;
  read_unsigned(object, context, key, value);
  field = static_cast<std::size_t>(value);
}

void read_int(const json& object, const std::string& context, const char* key, int& field) {
  const auto it = object.find(key);
  if (it == object.end()) return;
  if (!it->is_number_integer() || it->get<std::int64_t>() < std::numeric_limits<int>::min() ||
      it->get<std::int64_t>() > std::numeric_limits<int>::max())
    wrong_type(context, key, *it, "an integer");
  field = it->get<int>();
}

void read_number(const json& object, const std::string& context, const char* key, double& field) {
  const auto it = object.find(key);
  if (it == object.end()) return;
  if (!it->is_number()) wrong_type(context, key, *it, "a number");
  field = it->get<double>();
}

void read_bool(const json& object, const std::string& context, const char* key, bool& field) {
  const auto it = object.find(key);
  if (it == object.end()) return;
  if (!it->is_boolean()) wrong_type(context, key, *it, "true or false");
  field = it->get<bool>();
}

void read_string(const json& object, const std::string& context, const char* key, std::string& field) {
  const auto it = object.find(key);
  if (it == object.end()) return;
  if (!it->is_string()) wrong_type(context, key, *it, "a string");
  field = it->get<std::string>();
}

void read_numbers(const json& object, const std::string& context, const char* key, std::vector<double>& field) {
  const auto it = object.find(key);
  if (it == object.end()) return;
  if (!it->is_array()) wrong_type(context, key, *it, "an array of numbers");
  std::vector<double> values;
  for (const json& element : *it) {
    if (!element.is_number()) wrong_type(context, key, *it, "an array of numbers");
    values.push_back(element.get<double>());
  }
  field = std::move(values);
}

}  // namespace

void to_json(json& out, const SyntheticSpec& spec) {
  out = json{{"train_size", spec.train_size}, {"test_size", spec.test_size}, {"channels", spec.channels},
             {"height", spec.height},         {"width", spec.width},         {"num_classes", spec.num_classes},
             {"seed", spec.seed},             {"contrast", spec.contrast},   {"noise", spec.noise}};
}

void from_json(const json& in, SyntheticSpec& spec) {
  const std::string context = "synthetic dataset configuration";
  require_object(in, context);
  reject_unknown_keys(in, context,
                      {"train_size", "test_size", "channels", "height", "width", "num_classes", "seed", "contrast", "noise"});
  SyntheticSpec result = spec;
  read_count(in, context, "train_size", result.train_size);
  read_count(in, context, "test_size", result.test_size);
  read_int(in, context, "channels", result.channels);
  read_int(in, context, "height", result.height);
  read_int(in, context, "width", result.width);
  read_int(in, context, "num_classes", result.num_classes);
  read_unsigned(in, context, "seed", result.seed);
  read_number(in, context, "contrast", result.contrast);
  read_number(in, context, "noise", result.noise);
  spec = result;
}

void to_json(json& out, const DataConfig& config) {
  out = json{{"data_dir", config.data_dir},
             {"splits_dir", config.splits_dir},
             {"fashion_mnist_dir", config.fashion_mnist_dir},
             {"holdout", config.holdout},
             {"holdout_seed", config.holdout_seed},
             {"synthetic", config.synthetic}};
}

void from_json(const json& in, DataConfig& config) {
  const std::string context = "data configuration";
  require_object(in, context);
  reject_unknown_keys(in, context, {"data_dir", "splits_dir", "fashion_mnist_dir", "holdout", "holdout_seed", "synthetic"});
  DataConfig result = config;
  read_string(in, context, "data_dir", result.data_dir);
  read_string(in, context, "splits_dir", result.splits_dir);
  read_string(in, context, "fashion_mnist_dir", result.fashion_mnist_dir);
  read_count(in, context, "holdout", result.holdout);
  read_unsigned(in, context, "holdout_seed", result.holdout_seed);
  if (const auto it = in.find("synthetic"); it != in.end()) from_json(*it, result.synthetic);
  config = result;
}

void to_json(json& out, const LoaderConfig& config) {
  out = json{{"batch_size", config.batch_size}, {"shuffle", config.shuffle},         {"seed", config.seed},
             {"augment", config.augment},       {"subset_size", config.subset_size}, {"drop_last", config.drop_last},
             {"workers", config.workers},       {"prefetch", config.prefetch}};
}

void from_json(const json& in, LoaderConfig& config) {
  const std::string context = "loader configuration";
  require_object(in, context);
  reject_unknown_keys(in, context,
                      {"batch_size", "shuffle", "seed", "augment", "subset_size", "drop_last", "workers", "prefetch"});
  LoaderConfig result = config;
  read_count(in, context, "batch_size", result.batch_size);
  read_bool(in, context, "shuffle", result.shuffle);
  read_unsigned(in, context, "seed", result.seed);
  read_bool(in, context, "augment", result.augment);
  read_count(in, context, "subset_size", result.subset_size);
  read_bool(in, context, "drop_last", result.drop_last);
  read_count(in, context, "workers", result.workers);
  read_count(in, context, "prefetch", result.prefetch);
  if (result.batch_size == 0) throw InputError(context + ": key 'batch_size' = 0 must be > 0");
  if (result.prefetch == 0) throw InputError(context + ": key 'prefetch' = 0 must be >= 1");
  config = result;
}

void to_json(json& out, const Augmentation& augmentation) {
  out = json{{"pad", augmentation.pad}, {"horizontal_flip", augmentation.horizontal_flip}};
}

void from_json(const json& in, Augmentation& augmentation) {
  const std::string context = "augmentation configuration";
  require_object(in, context);
  reject_unknown_keys(in, context, {"pad", "horizontal_flip"});
  Augmentation result = augmentation;
  read_int(in, context, "pad", result.pad);
  read_bool(in, context, "horizontal_flip", result.horizontal_flip);
  if (result.pad < 0) throw InputError(context + ": key 'pad' = " + std::to_string(result.pad) + " is negative");
  augmentation = result;
}

void to_json(json& out, const Normalization& normalization) {
  out = json{{"mean", normalization.mean}, {"std", normalization.std}};
}

void from_json(const json& in, Normalization& normalization) {
  const std::string context = "normalization configuration";
  require_object(in, context);
  reject_unknown_keys(in, context, {"mean", "std"});
  Normalization result = normalization;
  read_numbers(in, context, "mean", result.mean);
  read_numbers(in, context, "std", result.std);
  if (result.mean.size() != result.std.size())
    throw InputError(context + ": " + std::to_string(result.mean.size()) + " means but " +
                     std::to_string(result.std.size()) + " stds");
  for (const double value : result.std)
    if (!(value > 0.0) || !std::isfinite(value))
      throw InputError(context + ": std " + std::to_string(value) + " is not a positive finite number");
  normalization = result;
}

void to_json(json& out, const Provenance& provenance) {
  out = json{{"files", provenance.files}, {"split", provenance.split}};
}

}  // namespace nasrank::dataset
