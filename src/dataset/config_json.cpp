#include "nasrank/dataset/config_json.h"

#include "nasrank/common/error.h"
#include "nasrank/common/json_reader.h"

#include <cmath>
#include <limits>
#include <string>

namespace nasrank::dataset {
using nlohmann::json;

namespace {
constexpr long long kIntMin = std::numeric_limits<int>::min();
constexpr long long kIntMax = std::numeric_limits<int>::max();
}  // namespace

void to_json(json& out, const SyntheticSpec& spec) {
  out = json{{"train_size", spec.train_size},
             {"test_size", spec.test_size},
             {"channels", spec.channels},
             {"height", spec.height},
             {"width", spec.width},
             {"num_classes", spec.num_classes},
             {"seed", spec.seed},
             {"contrast", spec.contrast},
             {"noise", spec.noise}};
}

void from_json(const json& in, SyntheticSpec& spec) {
  JsonObjectReader reader(in, "synthetic dataset configuration");
  SyntheticSpec result = spec;
  reader.read_count("train_size", result.train_size);
  reader.read_count("test_size", result.test_size);
  reader.read("channels", result.channels, kIntMin, kIntMax);
  reader.read("height", result.height, kIntMin, kIntMax);
  reader.read("width", result.width, kIntMin, kIntMax);
  reader.read("num_classes", result.num_classes, kIntMin, kIntMax);
  reader.read("seed", result.seed);
  reader.read("contrast", result.contrast);
  reader.read("noise", result.noise);
  reader.finish();
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
  JsonObjectReader reader(in, "data configuration");
  DataConfig result = config;
  reader.read("data_dir", result.data_dir);
  reader.read("splits_dir", result.splits_dir);
  reader.read("fashion_mnist_dir", result.fashion_mnist_dir);
  reader.read_count("holdout", result.holdout);
  reader.read("holdout_seed", result.holdout_seed);
  // Its own context, so that its messages read as the synthetic settings'.
  if (const json* synthetic = reader.find("synthetic")) from_json(*synthetic, result.synthetic);
  reader.finish();
  config = result;
}

void to_json(json& out, const LoaderConfig& config) {
  out = json{{"batch_size", config.batch_size}, {"shuffle", config.shuffle},         {"seed", config.seed},
             {"augment", config.augment},       {"subset_size", config.subset_size}, {"drop_last", config.drop_last},
             {"workers", config.workers},       {"prefetch", config.prefetch}};
}

void from_json(const json& in, LoaderConfig& config) {
  JsonObjectReader reader(in, "loader configuration");
  LoaderConfig result = config;
  reader.read_count("batch_size", result.batch_size);
  reader.read("shuffle", result.shuffle);
  reader.read("seed", result.seed);
  reader.read("augment", result.augment);
  reader.read_count("subset_size", result.subset_size);
  reader.read("drop_last", result.drop_last);
  reader.read_count("workers", result.workers);
  reader.read_count("prefetch", result.prefetch);
  reader.finish();
  if (result.batch_size == 0) reader.fail("batch_size", 0, "must be > 0");
  if (result.prefetch == 0) reader.fail("prefetch", 0, "must be >= 1");
  config = result;
}

void to_json(json& out, const Augmentation& augmentation) {
  out = json{{"pad", augmentation.pad}, {"horizontal_flip", augmentation.horizontal_flip}};
}

void from_json(const json& in, Augmentation& augmentation) {
  JsonObjectReader reader(in, "augmentation configuration");
  Augmentation result = augmentation;
  reader.read("pad", result.pad, 0, kIntMax);
  reader.read("horizontal_flip", result.horizontal_flip);
  reader.finish();
  augmentation = result;
}

void to_json(json& out, const Normalization& normalization) {
  out = json{{"mean", normalization.mean}, {"std", normalization.std}};
}

void from_json(const json& in, Normalization& normalization) {
  const std::string context = "normalization configuration";
  JsonObjectReader reader(in, context);
  Normalization result = normalization;
  reader.read("mean", result.mean);
  reader.read("std", result.std);
  reader.finish();
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
