#include "nasrank/dataset/benchmark.h"

#include "nasrank/common/error.h"
#include "nasrank/dataset/readers.h"
#include "nasrank/dataset/splits.h"

#include <cstdlib>
#include <system_error>
#include <utility>

namespace nasrank::dataset {
namespace {

using std::filesystem::path;

// data_dir, else $NASRANK_DATA_DIR, else empty.
path configured_root(const DataConfig& config) {
  if (!config.data_dir.empty()) return config.data_dir;
  if (const char* env = std::getenv("NASRANK_DATA_DIR"); env != nullptr) return env;
  return {};
}

path data_root(const DataConfig& config, const std::string& key) {
  if (path root = configured_root(config); !root.empty()) return root;
  throw InputError("dataset '" + key + "' needs a data directory: pass --data-dir DIR or set NASRANK_DATA_DIR");
}

bool directory_exists(const path& directory) {
  std::error_code error;
  return std::filesystem::is_directory(directory, error);
}

// Every part of a benchmark key carries the key as its name, so a batch's
// normalization and a stored run can be traced to it.
ImageDataset named(ImageDataset dataset, const std::string& key, const std::string& split) {
  dataset.name = key;
  dataset.provenance.split = split;
  return dataset;
}

// The images of split `split_key` of `file`, recorded in the provenance.
ImageDataset from_split(const ImageDataset& source, const SplitFile& file, const std::string& split_key,
                        const std::string& key, const std::string& split_name) {
  check_split_range(file, split_key, source.size());
  ImageDataset result = select(source, file.indices(split_key),
                               split_name + " = " + file.source + "[" + split_key + "] of " + source.provenance.split);
  result.name = key;
  result.provenance.files.push_back(file.source);
  return result;
}

SplitFile split_file(const DataConfig& config, const std::string& name) {
  return read_split_file(find_splits_dir(config.splits_dir) / name);
}

// Moves the holdout into x-valid (when configured) and adds ori-test.
void add_holdout_and_test(BenchmarkData& data, ImageDataset full_train, ImageDataset test, const DataConfig& config) {
  if (config.holdout > 0) {
    if (config.holdout >= full_train.size())
      throw InputError("dataset '" + data.key + "': holdout " + std::to_string(config.holdout) +
                       " leaves no training images out of " + std::to_string(full_train.size()));
    const IndexSplit split = python_shuffle_split(full_train.size(), config.holdout, config.holdout_seed);
    const std::string recipe =
        " (holdout " + std::to_string(config.holdout) + ", seed " + std::to_string(config.holdout_seed) + ")";
    data.train = named(select(full_train, split.second, ""), data.key, "train minus x-valid" + recipe);
    data.evaluations.push_back({"x-valid", named(select(full_train, split.first, ""), data.key, "x-valid" + recipe)});
  } else {
    data.train = named(std::move(full_train), data.key, "train");
  }
  data.evaluations.push_back({"ori-test", named(std::move(test), data.key, "ori-test")});
}

// <root>/<key> when it exists, else Debian's package directory for
// fashion-mnist, else the root itself.
bool holds_idx_files(const path& directory) {
  std::error_code error;
  for (const char* name : {"train-images-idx3-ubyte", "train-images-idx3-ubyte.gz"})
    if (std::filesystem::exists(directory / name, error)) return true;
  return false;
}

// The data directory's <key> folder, or the data directory itself when the
// IDX files sit there; else (fashion-mnist) the Debian package's copy.
path idx_directory(const DataConfig& config, const std::string& key) {
  const path root = configured_root(config);
  if (!root.empty() && directory_exists(root / key)) return root / key;
  if (!root.empty() && holds_idx_files(root)) return root;
  if (key == "fashion-mnist" && !config.fashion_mnist_dir.empty()) return config.fashion_mnist_dir;
  return data_root(config, key);
}

}  // namespace

const ImageDataset& BenchmarkData::evaluation(const std::string& name) const {
  std::string names;
  for (const EvaluationSplit& split : evaluations) {
    if (split.name == name) return split.data;
    names += (names.empty() ? "" : ", ") + split.name;
  }
  throw InputError("dataset '" + key + "' has no evaluation split '" + name + "' (it has: " + names + ")");
}

ImageTransform make_transform(const BenchmarkData& data) {
  return ImageTransform(data.train.channels, data.train.height, data.train.width, data.normalization,
                        data.augmentation);
}

std::vector<std::string> benchmark_keys() {
  return {"cifar10-valid", "cifar10", "cifar100", "ImageNet16-120", "fashion-mnist", "mnist", "synthetic"};
}

BenchmarkData load_benchmark_data(const std::string& key, const DataConfig& config) {
  BenchmarkData data;
  data.key = key;
  if (key == "cifar10-valid") {
    const path root = data_root(config, key);
    const SplitFile split = split_file(config, "cifar-split.txt");
    const ImageDataset full = load_cifar10(root, Part::Train);
    data.train = from_split(full, split, "train", key, "train");
    data.evaluations.push_back({"x-valid", from_split(full, split, "valid", key, "x-valid")});
    data.evaluations.push_back({"ori-test", named(load_cifar10(root, Part::Test), key, "ori-test")});
  } else if (key == "cifar10") {
    const path root = data_root(config, key);
    data.train = named(load_cifar10(root, Part::Train), key, "train");
    data.evaluations.push_back({"ori-test", named(load_cifar10(root, Part::Test), key, "ori-test")});
  } else if (key == "cifar100") {
    const path root = data_root(config, key);
    const SplitFile split = split_file(config, "cifar100-test-split.txt");
    data.train = named(load_cifar100(root, Part::Train), key, "train");
    ImageDataset test = load_cifar100(root, Part::Test);
    data.evaluations.push_back({"x-valid", from_split(test, split, "xvalid", key, "x-valid")});
    data.evaluations.push_back({"x-test", from_split(test, split, "xtest", key, "x-test")});
    data.evaluations.push_back({"ori-test", named(std::move(test), key, "ori-test")});
  } else if (key == "ImageNet16-120") {
    const path root = data_root(config, key);
    const SplitFile split = split_file(config, "imagenet-16-120-test-split.txt");
    data.train = named(load_imagenet16(root, Part::Train, 120), key, "train");
    ImageDataset valid = load_imagenet16(root, Part::Test, 120);
    data.evaluations.push_back({"x-valid", from_split(valid, split, "xvalid", key, "x-valid")});
    data.evaluations.push_back({"x-test", from_split(valid, split, "xtest", key, "x-test")});
    data.evaluations.push_back({"ori-test", named(std::move(valid), key, "ori-test")});
  } else if (key == "fashion-mnist" || key == "mnist") {
    const path directory = idx_directory(config, key);
    add_holdout_and_test(data, load_idx_directory(directory, Part::Train, key),
                         load_idx_directory(directory, Part::Test, key), config);
  } else if (key == "synthetic") {
    add_holdout_and_test(data, make_synthetic(config.synthetic, Part::Train),
                         make_synthetic(config.synthetic, Part::Test), config);
  } else {
    std::string keys;
    for (const std::string& known : benchmark_keys()) keys += (keys.empty() ? "" : ", ") + known;
    throw InputError("unknown dataset '" + key + "' (known: " + keys + ")");
  }
  data.normalization = key == "synthetic" ? compute_normalization(data.train) : normalization_for(key);
  data.augmentation = augmentation_for(key);
  return data;
}

}  // namespace nasrank::dataset
