#pragma once
// The benchmark's datasets by key: what a network trains on and the splits it
// is evaluated on (NAS-Bench-201 naming).
//
//   key             train                         evaluations
//   cifar10-valid   CIFAR-10 train, cifar-split   x-valid (cifar-split "valid"), ori-test
//                   "train" (25k)
//   cifar10         CIFAR-10 train (50k)          ori-test
//   cifar100        CIFAR-100 train (50k)         x-valid, x-test (cifar100-test-split
//                                                 halves of the test set), ori-test
//   ImageNet16-120  ImageNet16, labels 1..120     x-valid, x-test (imagenet-16-120-
//                   (151,700)                     test-split halves of val_data), ori-test
//   fashion-mnist   60k train (minus holdout)     x-valid (holdout, when > 0), ori-test
//   mnist           60k train (minus holdout)     x-valid (holdout, when > 0), ori-test
//   synthetic       make_synthetic(Train)         x-valid (holdout, when > 0), ori-test
//
// The holdout is python_shuffle_split(train size, holdout, holdout_seed).first.
#include "nasrank/dataset/image_dataset.h"
#include "nasrank/dataset/synthetic.h"
#include "nasrank/dataset/transform.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace nasrank::dataset {

struct DataConfig {
  // Directory holding the unpacked archives: cifar-10-batches-{bin,py},
  // cifar-100-{binary,python}, ImageNet16, fashion-mnist, mnist (each may also
  // be data_dir itself). Empty = $NASRANK_DATA_DIR.
  std::string data_dir;
  // Split files; empty = search (see find_splits_dir).
  std::string splits_dir;
  // Used for "fashion-mnist" when data_dir has no fashion-mnist directory
  // (Debian's dataset-fashion-mnist package).
  std::string fashion_mnist_dir = "/usr/share/datasets/fashion-mnist";
  // fashion-mnist / mnist / synthetic: train images moved into x-valid; 0 = none.
  std::size_t holdout = 0;
  // Seed of the holdout's CPython-style shuffle.
  std::uint64_t holdout_seed = 0;
  // The "synthetic" key's generator.
  SyntheticSpec synthetic;
};

struct EvaluationSplit {
  std::string name;  // "x-valid", "x-test" or "ori-test"
  ImageDataset data;
};

struct BenchmarkData {
  std::string key;
  ImageDataset train;
  std::vector<EvaluationSplit> evaluations;  // in the order x-valid, x-test, ori-test (those present)
  Normalization normalization;
  Augmentation augmentation;  // for training; evaluation uses normalization only

  // InputError naming the key and the available splits when absent.
  const ImageDataset& evaluation(const std::string& name) const;
};

// The transform for this data: training batches use it with augmentation on,
// evaluation batches with augmentation off (normalization only).
ImageTransform make_transform(const BenchmarkData& data);

// The keys above, in that order.
std::vector<std::string> benchmark_keys();

// Loads everything a key needs; missing files, split files or an unknown key
// throw InputError.
BenchmarkData load_benchmark_data(const std::string& key, const DataConfig& config);

}  // namespace nasrank::dataset
