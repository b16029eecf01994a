#include "nasrank/dataset/synthetic.h"

#include "dataset/mix.h"
#include "nasrank/common/error.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace nasrank::dataset {
namespace {

// splitmix64 as a stream: independent-looking draws from one 64-bit key.
class Stream {
 public:
  explicit Stream(std::uint64_t key) : state_(key) {}
  std::uint64_t next() {
    const std::uint64_t value = detail::mix(state_);
    state_ += 0x9e3779b97f4a7c15ULL;
    return value;
  }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double symmetric() { return 2.0 * unit() - 1.0; }                        // [-1, 1)

 private:
  std::uint64_t state_;
};

// Distinct stream keys for prototypes and the two parts.
constexpr std::uint64_t kPrototypeStream = 0x70726f746fULL;
constexpr std::uint64_t kTrainStream = 0x747261696eULL;
constexpr std::uint64_t kTestStream = 0x74657374ULL;

void check_spec(const SyntheticSpec& spec) {
  const auto fail = [](const std::string& field, const std::string& value, const std::string& rule) {
    throw InputError("synthetic dataset: " + field + " = " + value + " " + rule);
  };
  if (spec.channels < 1 || spec.channels > 64) fail("channels", std::to_string(spec.channels), "is outside 1..64");
  if (spec.height < 1 || spec.height > 1024) fail("height", std::to_string(spec.height), "is outside 1..1024");
  if (spec.width < 1 || spec.width > 1024) fail("width", std::to_string(spec.width), "is outside 1..1024");
  if (spec.num_classes < 1 || spec.num_classes > 100000)
    fail("num_classes", std::to_string(spec.num_classes), "is outside 1..100000");
  if (!std::isfinite(spec.contrast) || spec.contrast < 0)
    fail("contrast", std::to_string(spec.contrast), "is not >= 0");
  if (!std::isfinite(spec.noise) || spec.noise < 0) fail("noise", std::to_string(spec.noise), "is not >= 0");
  const std::size_t image_bytes = static_cast<std::size_t>(spec.channels) * static_cast<std::size_t>(spec.height) *
                                  static_cast<std::size_t>(spec.width);
  constexpr std::size_t kMaxBytes = std::size_t{1} << 34;
  for (const auto& [field, size] : {std::pair{"train_size", spec.train_size}, std::pair{"test_size", spec.test_size}})
    if (size > kMaxBytes / image_bytes) fail(field, std::to_string(size), "needs more than 16 GiB of pixels");
}

// prototypes[(k * channels + c) * plane + p] in [-1, 1].
std::vector<float> make_prototypes(const SyntheticSpec& spec) {
  const std::size_t plane = static_cast<std::size_t>(spec.height) * static_cast<std::size_t>(spec.width);
  std::vector<float> prototypes(static_cast<std::size_t>(spec.num_classes) * static_cast<std::size_t>(spec.channels) *
                                plane);
  Stream stream(detail::mix(spec.seed) ^ kPrototypeStream);
  constexpr double kTwoPi = 6.283185307179586;
  std::size_t offset = 0;
  for (int k = 0; k < spec.num_classes; ++k) {
    for (int c = 0; c < spec.channels; ++c) {
      // Two waves of 0..2 cycles per image side: low frequencies survive a
      // few pixels of crop shift.
      double fy[2], fx[2], phase[2];
      for (int w = 0; w < 2; ++w) {
        fy[w] = static_cast<double>(stream.next() % 3);
        fx[w] = static_cast<double>(stream.next() % 3);
        phase[w] = kTwoPi * stream.unit();
      }
      for (int y = 0; y < spec.height; ++y) {
        for (int x = 0; x < spec.width; ++x) {
          double value = 0;
          for (int w = 0; w < 2; ++w)
            value += 0.5 * std::sin(kTwoPi * (fy[w] * y / spec.height + fx[w] * x / spec.width) + phase[w]);
          prototypes[offset++] = static_cast<float>(value);
        }
      }
    }
  }
  return prototypes;
}

}  // namespace

ImageDataset make_synthetic(const SyntheticSpec& spec, Part part) {
  check_spec(spec);
  ImageDataset dataset;
  dataset.name = "synthetic";
  dataset.channels = spec.channels;
  dataset.height = spec.height;
  dataset.width = spec.width;
  dataset.num_classes = spec.num_classes;
  dataset.provenance.split = part == Part::Train ? "train" : "test";
  const std::size_t count = part == Part::Train ? spec.train_size : spec.test_size;
  const std::vector<float> prototypes = make_prototypes(spec);
  Stream stream(detail::mix(spec.seed) ^ (part == Part::Train ? kTrainStream : kTestStream));

  // Balanced labels in a seeded Fisher-Yates order.
  dataset.labels.resize(count);
  for (std::size_t i = 0; i < count; ++i)
    dataset.labels[i] = static_cast<std::int64_t>(i % static_cast<std::size_t>(spec.num_classes));
  for (std::size_t i = count; i > 1; --i)
    std::swap(dataset.labels[i - 1], dataset.labels[detail::below64(stream.next(), i)]);

  const std::size_t image_bytes = dataset.image_bytes();
  dataset.pixels.resize(count * image_bytes);
  for (std::size_t i = 0; i < count; ++i) {
    const float* prototype = prototypes.data() + static_cast<std::size_t>(dataset.labels[i]) * image_bytes;
    const double brightness = 0.5 * spec.noise * stream.symmetric();
    std::uint8_t* image = dataset.pixels.data() + i * image_bytes;
    for (std::size_t p = 0; p < image_bytes; ++p) {
      const double value = 127.5 + brightness + spec.contrast * prototype[p] + spec.noise * stream.symmetric();
      image[p] = static_cast<std::uint8_t>(std::clamp(std::lround(value), 0L, 255L));
    }
  }
  return dataset;
}

}  // namespace nasrank::dataset
