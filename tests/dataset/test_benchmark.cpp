#include "dataset_test_util.h"
#include "nasrank/dataset/benchmark.h"
#include "nasrank/dataset/config_json.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace nasrank::dataset {
namespace {

using testing::cifar_records;
using testing::dataset_fixtures;
using testing::expect_input_error;
using testing::read_bytes;
using testing::ScratchDir;
using testing::write_bytes;

using Labels = std::vector<std::int64_t>;

std::string split_json(const std::vector<std::pair<std::string, std::vector<int>>>& splits) {
  std::string text = "{";
  for (const auto& [key, indices] : splits) {
    text += (text.size() > 1 ? ", \"" : "\"") + key + "\": [\"int\", [";
    for (std::size_t i = 0; i < indices.size(); ++i) text += (i ? ", \"" : "\"") + std::to_string(indices[i]) + "\"";
    text += "]]";
  }
  return text + "}";
}

// A data directory with tiny archives of every benchmark dataset, and split
// files that fit them.
class BenchmarkFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    // 5 batches of 2 records, labels 0..9 in order; test set labels 7, 8.
    for (int b = 1; b <= 5; ++b)
      write_bytes(data / ("cifar-10-batches-bin/data_batch_" + std::to_string(b) + ".bin"),
                  cifar_records({{2 * b - 2}, {2 * b - 1}}));
    write_bytes(data / "cifar-10-batches-bin/test_batch.bin", cifar_records({{7}, {8}}));
    const std::string cifar100 = read_bytes(dataset_fixtures() / "cifar-100-python/train");
    write_bytes(data / "cifar-100-python/train", cifar100);
    write_bytes(data / "cifar-100-python/test", cifar100);
    const std::string imagenet = read_bytes(dataset_fixtures() / "ImageNet16/train_data_batch_1");
    for (int b = 1; b <= 10; ++b) write_bytes(data / ("ImageNet16/train_data_batch_" + std::to_string(b)), imagenet);
    write_bytes(data / "ImageNet16/val_data", read_bytes(dataset_fixtures() / "ImageNet16/val_data"));
    for (const char* name : {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte",
                             "t10k-labels-idx1-ubyte"})
      write_bytes(data / "fashion-mnist" / name, read_bytes(dataset_fixtures() / "idx" / name));

    write_bytes(splits / "cifar-split.txt", split_json({{"train", {0, 2, 4, 6, 8}}, {"valid", {1, 3, 5, 7, 9}}}));
    write_bytes(splits / "cifar100-test-split.txt", split_json({{"xvalid", {1}}, {"xtest", {0}}}));
    write_bytes(splits / "imagenet-16-120-test-split.txt", split_json({{"xvalid", {1}}, {"xtest", {0}}}));
    config.data_dir = data.path().string();
    config.splits_dir = splits.path().string();
  }

  ScratchDir data;
  ScratchDir splits;
  DataConfig config;
};

TEST_F(BenchmarkFixture, Cifar10Valid) {
  const BenchmarkData set = load_benchmark_data("cifar10-valid", config);
  EXPECT_EQ(set.key, "cifar10-valid");
  EXPECT_EQ(set.train.name, "cifar10-valid");
  EXPECT_EQ(set.train.labels, (Labels{0, 2, 4, 6, 8}));
  EXPECT_EQ(set.evaluation("x-valid").labels, (Labels{1, 3, 5, 7, 9}));
  EXPECT_EQ(set.evaluation("ori-test").labels, (Labels{7, 8}));
  ASSERT_EQ(set.evaluations.size(), 2u);
  EXPECT_EQ(set.evaluations[0].name, "x-valid");
  // Pixels travel with their labels: train image 1 is source image 2, which is
  // record 0 of data_batch_2 (fixture image 0).
  EXPECT_EQ(std::vector<std::uint8_t>(set.train.image(1), set.train.image(1) + 3072),
            testing::fixture_images(1, 3, 32, 32));
  EXPECT_EQ(set.normalization.mean, normalization_for("cifar10").mean);
  EXPECT_EQ(set.augmentation.pad, 4);
  EXPECT_NE(set.train.provenance.split.find("cifar-split.txt[train]"), std::string::npos) << set.train.provenance.split;
  EXPECT_EQ(set.train.provenance.files.size(), 6u);  // 5 batches + the split file
  expect_input_error([&] { set.evaluation("x-test"); }, {"no evaluation split 'x-test'", "x-valid, ori-test"});
}

TEST_F(BenchmarkFixture, Cifar10) {
  const BenchmarkData set = load_benchmark_data("cifar10", config);
  EXPECT_EQ(set.train.size(), 10u);
  ASSERT_EQ(set.evaluations.size(), 1u);
  EXPECT_EQ(set.evaluations[0].name, "ori-test");
}

TEST_F(BenchmarkFixture, Cifar100) {
  const BenchmarkData set = load_benchmark_data("cifar100", config);
  EXPECT_EQ(set.train.labels, (Labels{42, 99}));
  EXPECT_EQ(set.evaluation("x-valid").labels, (Labels{99}));
  EXPECT_EQ(set.evaluation("x-test").labels, (Labels{42}));
  EXPECT_EQ(set.evaluation("ori-test").labels, (Labels{42, 99}));
  EXPECT_EQ(set.normalization.std, (std::vector<double>{68.2, 65.4, 70.4}));
}

TEST_F(BenchmarkFixture, ImageNet16With120Classes) {
  const BenchmarkData set = load_benchmark_data("ImageNet16-120", config);
  EXPECT_EQ(set.train.size(), 20u);  // 2 of 4 images kept, 10 batches
  EXPECT_EQ(set.train.num_classes, 120);
  EXPECT_EQ(set.evaluation("ori-test").labels, (Labels{4, 119}));
  EXPECT_EQ(set.evaluation("x-valid").labels, (Labels{119}));
  EXPECT_EQ(set.evaluation("x-test").labels, (Labels{4}));
  EXPECT_EQ(set.augmentation.pad, 2);
}

TEST_F(BenchmarkFixture, FashionMnistHoldout) {
  const BenchmarkData plain = load_benchmark_data("fashion-mnist", config);
  EXPECT_EQ(plain.train.size(), 5u);
  ASSERT_EQ(plain.evaluations.size(), 1u);
  config.holdout = 2;
  config.holdout_seed = 0;
  const BenchmarkData held = load_benchmark_data("fashion-mnist", config);
  // CPython random.seed(0); shuffle(range(5)) = [2, 1, 0, 4, 3]: x-valid = {1, 2}.
  EXPECT_EQ(held.evaluation("x-valid").labels, (Labels{0, 9}));
  EXPECT_EQ(held.train.labels, (Labels{3, 3, 1}));
  EXPECT_EQ(held.evaluations[0].name, "x-valid");
  config.holdout = 5;
  expect_input_error([&] { load_benchmark_data("fashion-mnist", config); }, {"holdout 5 leaves no training images"});
}

// --data-dir D with the IDX files directly in D (not in D/mnist): D wins over
// the Debian package's Fashion-MNIST.
TEST(Benchmark, IdxFilesDirectlyInTheDataDirectory) {
  DataConfig config;
  config.data_dir = (dataset_fixtures() / "idx").string();
  config.fashion_mnist_dir = "/nonexistent/fashion-mnist";
  EXPECT_EQ(load_benchmark_data("mnist", config).train.size(), 5u);
  EXPECT_EQ(load_benchmark_data("fashion-mnist", config).train.size(), 5u);
  config.data_dir.clear();
  if (std::getenv("NASRANK_DATA_DIR") == nullptr)
    expect_input_error([&] { load_benchmark_data("mnist", config); },
                       {"dataset 'mnist' needs a data directory: pass --data-dir DIR or set NASRANK_DATA_DIR"});
}

TEST_F(BenchmarkFixture, SplitErrors) {
  write_bytes(splits / "cifar-split.txt", split_json({{"train", {0, 10}}, {"valid", {1}}}));
  expect_input_error([&] { load_benchmark_data("cifar10-valid", config); },
                     {"cifar-split.txt", "split 'train' element 1 = 10 is outside the dataset's 10 images"});
  std::filesystem::remove(splits / "cifar100-test-split.txt");
  expect_input_error([&] { load_benchmark_data("cifar100", config); }, {"cifar100-test-split.txt"});
}

TEST_F(BenchmarkFixture, UnknownKeyAndMissingData) {
  expect_input_error([&] { load_benchmark_data("cifar11", config); }, {"unknown dataset 'cifar11'", "ImageNet16-120"});
  config.data_dir = (data / "nowhere").string();
  expect_input_error([&] { load_benchmark_data("cifar10", config); }, {"CIFAR-10 not found", "nowhere"});
}

TEST(Benchmark, SyntheticKey) {
  DataConfig config;
  config.synthetic.train_size = 60;
  config.synthetic.test_size = 20;
  config.synthetic.height = 8;
  config.synthetic.width = 8;
  config.holdout = 10;
  const BenchmarkData set = load_benchmark_data("synthetic", config);
  EXPECT_EQ(set.train.size(), 50u);
  EXPECT_EQ(set.evaluation("x-valid").size(), 10u);
  EXPECT_EQ(set.evaluation("ori-test").size(), 20u);
  EXPECT_EQ(set.normalization.mean.size(), 3u);
  EXPECT_GT(set.normalization.std[0], 1.0);
  const ImageTransform transform = make_transform(set);
  EXPECT_EQ(transform.values_per_image(), 3u * 8 * 8);
  EXPECT_EQ(transform.augmentation().pad, 2);
  EXPECT_EQ(benchmark_keys().front(), "cifar10-valid");
}

TEST(ConfigJson, RoundTripsAndRejectsUnknownKeys) {
  DataConfig config;
  config.data_dir = "/data";
  config.holdout = 5000;
  config.synthetic.num_classes = 3;
  const nlohmann::json json = config;
  const auto back = json.get<DataConfig>();
  EXPECT_EQ(back.data_dir, "/data");
  EXPECT_EQ(back.holdout, 5000u);
  EXPECT_EQ(back.synthetic.num_classes, 3);
  EXPECT_EQ(nlohmann::json(back), json);

  LoaderConfig loader;
  loader.batch_size = 64;
  loader.workers = 0;
  loader.augment = true;
  const auto loader_back = nlohmann::json(loader).get<LoaderConfig>();
  EXPECT_EQ(nlohmann::json(loader_back), nlohmann::json(loader));
  EXPECT_EQ(nlohmann::json::parse(R"({"seed": 7})").get<LoaderConfig>().seed, 7u);
  EXPECT_EQ(nlohmann::json::parse(R"({"seed": 7})").get<LoaderConfig>().batch_size, 256u);  // default kept

  expect_input_error([] { nlohmann::json::parse(R"({"batch": 5})").get<LoaderConfig>(); },
                     {"loader configuration", "unknown key 'batch'", "batch_size"});
  expect_input_error([] { nlohmann::json::parse(R"({"batch_size": -1})").get<LoaderConfig>(); },
                     {"key 'batch_size' = -1: must be a non-negative integer"});
  expect_input_error([] { nlohmann::json::parse(R"({"batch_size": 0})").get<LoaderConfig>(); }, {"must be > 0"});
  expect_input_error([] { nlohmann::json::parse(R"({"augment": 1})").get<LoaderConfig>(); }, {"true or false"});
  expect_input_error([] { nlohmann::json::parse(R"({"synthetic": {"colour": 1}})").get<DataConfig>(); },
                     {"synthetic dataset configuration", "unknown key 'colour'"});
  expect_input_error([] { nlohmann::json::parse(R"({"mean": [1], "std": [0]})").get<Normalization>(); }, {"std 0"});
  const auto augmentation = nlohmann::json::parse(R"({"pad": 2, "horizontal_flip": false})").get<Augmentation>();
  EXPECT_EQ(augmentation.pad, 2);
  EXPECT_FALSE(augmentation.horizontal_flip);
}

}  // namespace
}  // namespace nasrank::dataset
