#include "dataset_test_util.h"
#include "nasrank/dataset/synthetic.h"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

namespace nasrank::dataset {
namespace {

using testing::expect_input_error;

// Accuracy of a nearest-class-mean classifier fit on `train`, on `test`.
double nearest_mean_accuracy(const ImageDataset& train, const ImageDataset& test) {
  const std::size_t bytes = train.image_bytes();
  std::vector<double> means(static_cast<std::size_t>(train.num_classes) * bytes, 0.0);
  std::vector<double> counts(static_cast<std::size_t>(train.num_classes), 0.0);
  for (std::size_t i = 0; i < train.size(); ++i) {
    const auto label = static_cast<std::size_t>(train.labels[i]);
    counts[label] += 1;
    for (std::size_t p = 0; p < bytes; ++p) means[label * bytes + p] += train.image(i)[p];
  }
  for (std::size_t k = 0; k < counts.size(); ++k)
    for (std::size_t p = 0; p < bytes; ++p) means[k * bytes + p] /= counts[k];
  std::size_t correct = 0;
  for (std::size_t i = 0; i < test.size(); ++i) {
    double best = std::numeric_limits<double>::max();
    std::int64_t best_class = -1;
    for (std::size_t k = 0; k < counts.size(); ++k) {
      double distance = 0;
      for (std::size_t p = 0; p < bytes; ++p) {
        const double d = test.image(i)[p] - means[k * bytes + p];
        distance += d * d;
      }
      if (distance < best) {
        best = distance;
        best_class = static_cast<std::int64_t>(k);
      }
    }
    correct += best_class == test.labels[i] ? 1 : 0;
  }
  return static_cast<double>(correct) / static_cast<double>(test.size());
}

TEST(Synthetic, ShapeBalanceAndDeterminism) {
  SyntheticSpec spec;
  spec.train_size = 103;
  spec.test_size = 20;
  spec.channels = 2;
  spec.height = 7;
  spec.width = 9;
  spec.num_classes = 10;
  spec.seed = 17;
  const ImageDataset train = make_synthetic(spec, Part::Train);
  EXPECT_EQ(train.size(), 103u);
  EXPECT_EQ(train.pixels.size(), 103u * 2 * 7 * 9);
  EXPECT_EQ(train.name, "synthetic");
  EXPECT_NO_THROW(validate(train));
  for (const std::size_t count : class_histogram(train)) {
    EXPECT_GE(count, 10u);
    EXPECT_LE(count, 11u);
  }
  const ImageDataset again = make_synthetic(spec, Part::Train);
  EXPECT_EQ(train.pixels, again.pixels);
  EXPECT_EQ(train.labels, again.labels);
  const ImageDataset test = make_synthetic(spec, Part::Test);
  EXPECT_EQ(test.size(), 20u);
  EXPECT_NE(std::vector<std::uint8_t>(train.pixels.begin(), train.pixels.begin() + 126),
            std::vector<std::uint8_t>(test.pixels.begin(), test.pixels.begin() + 126));
  spec.seed = 18;
  EXPECT_NE(make_synthetic(spec, Part::Train).pixels, train.pixels);
}

TEST(Synthetic, IsLearnableButNotTrivial) {
  SyntheticSpec spec;
  spec.train_size = 500;
  spec.test_size = 200;
  spec.height = 16;
  spec.width = 16;
  const ImageDataset train = make_synthetic(spec, Part::Train);
  const ImageDataset test = make_synthetic(spec, Part::Test);
  EXPECT_GT(nearest_mean_accuracy(train, test), 0.9);
  // Noise matters: pixels of the same class differ between images.
  std::size_t first = 0, second = 1;
  while (train.labels[second] != train.labels[first]) ++second;
  EXPECT_NE(std::vector<std::uint8_t>(train.image(first), train.image(first) + 256),
            std::vector<std::uint8_t>(train.image(second), train.image(second) + 256));
  // With no contrast the classes are indistinguishable: chance level.
  spec.contrast = 0;
  EXPECT_LT(nearest_mean_accuracy(make_synthetic(spec, Part::Train), make_synthetic(spec, Part::Test)), 0.3);
}

TEST(Synthetic, RejectsInvalidSpecs) {
  SyntheticSpec spec;
  spec.channels = 0;
  expect_input_error([&] { make_synthetic(spec, Part::Train); }, {"channels = 0"});
  spec = SyntheticSpec{};
  spec.num_classes = 0;
  expect_input_error([&] { make_synthetic(spec, Part::Train); }, {"num_classes = 0"});
  spec = SyntheticSpec{};
  spec.noise = -1;
  expect_input_error([&] { make_synthetic(spec, Part::Train); }, {"noise"});
  spec = SyntheticSpec{};
  spec.train_size = std::size_t{1} << 40;
  expect_input_error([&] { make_synthetic(spec, Part::Train); }, {"train_size", "16 GiB"});
}

}  // namespace
}  // namespace nasrank::dataset
