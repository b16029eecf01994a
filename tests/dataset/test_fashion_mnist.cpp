// The real Fashion-MNIST from Debian's dataset-fashion-mnist package (label
// slow: it reads and decompresses ~30 MB). Skips when the package is absent.
#include "dataset_test_util.h"
#include "nasrank/dataset/benchmark.h"
#include "nasrank/dataset/loader.h"
#include "nasrank/dataset/readers.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace nasrank::dataset {
namespace {

const std::filesystem::path kDebianDir = "/usr/share/datasets/fashion-mnist";

#define REQUIRE_FASHION_MNIST()                                                                  \
  do {                                                                                           \
    if (!std::filesystem::exists(kDebianDir / "train-images-idx3-ubyte.gz"))                     \
      GTEST_SKIP() << "SKIPPED: needs Debian's dataset-fashion-mnist package at " << kDebianDir; \
  } while (false)

TEST(FashionMnist, RealFilesHaveTheDocumentedShape) {
  REQUIRE_FASHION_MNIST();
  const ImageDataset train = load_idx_directory(kDebianDir, Part::Train, "fashion-mnist");
  const ImageDataset test = load_idx_directory(kDebianDir, Part::Test, "fashion-mnist");
  EXPECT_EQ(train.size(), 60000u);
  EXPECT_EQ(test.size(), 10000u);
  EXPECT_EQ(train.height, 28);
  EXPECT_EQ(train.width, 28);
  EXPECT_EQ(train.channels, 1);
  EXPECT_EQ(class_histogram(train), std::vector<std::size_t>(10, 6000));
  EXPECT_EQ(class_histogram(test), std::vector<std::size_t>(10, 1000));
  // First labels, as numpy reads them: 9 0 0 3 0 2 7 2 5 5 / 9 2 1 1 6 1 4 6 5 7.
  EXPECT_EQ(std::vector<std::int64_t>(train.labels.begin(), train.labels.begin() + 10),
            (std::vector<std::int64_t>{9, 0, 0, 3, 0, 2, 7, 2, 5, 5}));
  EXPECT_EQ(std::vector<std::int64_t>(test.labels.begin(), test.labels.begin() + 10),
            (std::vector<std::int64_t>{9, 2, 1, 1, 6, 1, 4, 6, 5, 7}));
  // The documented normalization constants are the training set's statistics.
  const Normalization measured = compute_normalization(train);
  EXPECT_NEAR(measured.mean[0], 72.9404, 1e-3);
  EXPECT_NEAR(measured.std[0], 90.0212, 1e-3);
  EXPECT_NEAR(measured.mean[0], normalization_for("fashion-mnist").mean[0], 0.01);
  EXPECT_NEAR(measured.std[0], normalization_for("fashion-mnist").std[0], 0.01);
}

TEST(FashionMnist, BenchmarkKeyWithHoldoutAndLoader) {
  REQUIRE_FASHION_MNIST();
  DataConfig config;
  config.data_dir = "/nonexistent-data-dir";  // falls back to the Debian directory
  config.holdout = 10000;
  config.holdout_seed = 1;
  const BenchmarkData set = load_benchmark_data("fashion-mnist", config);
  EXPECT_EQ(set.train.size(), 50000u);
  EXPECT_EQ(set.evaluation("x-valid").size(), 10000u);
  EXPECT_EQ(set.evaluation("ori-test").size(), 10000u);
  LoaderConfig loader_config;
  loader_config.augment = true;
  loader_config.workers = 2;
  BatchLoader loader(set.train, ImageTransform(1, 28, 28, set.normalization, set.augmentation), loader_config);
  Batch batch;
  std::size_t images = 0;
  while (loader.next(batch)) images += batch.size;
  EXPECT_EQ(images, 50000u);
  EXPECT_EQ(loader.batches_per_epoch(), 196u);  // ceil(50000 / 256)
}

}  // namespace
}  // namespace nasrank::dataset
