#include "nasrank/dataset/transform.h"

#include "dataset/mix.h"
#include "nasrank/common/error.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace nasrank::dataset {
namespace {

struct NamedNormalization {
  const char* name;
  Normalization normalization;
};

// CIFAR and ImageNet16: the benchmark's own constants (NAS-Bench-201 training
// code). fashion-mnist: computed here over the
// 60,000 training images of Debian's dataset-fashion-mnist (mean 72.9404, std
// 90.0212; the widely quoted 0.2860 / 0.3530 times 255). mnist: 0.1307 / 0.3081
// times 255, the values of PyTorch's examples/mnist/main.py.
const std::vector<NamedNormalization>& normalization_table() {
  static const std::vector<NamedNormalization> table{
      {"cifar10", {{125.3, 123.0, 113.9}, {63.0, 62.1, 66.7}}},
      {"cifar10-valid", {{125.3, 123.0, 113.9}, {63.0, 62.1, 66.7}}},
      {"cifar100", {{129.3, 124.1, 112.4}, {68.2, 65.4, 70.4}}},
      {"ImageNet16", {{122.68, 116.66, 104.01}, {63.22, 61.26, 65.09}}},
      {"ImageNet16-120", {{122.68, 116.66, 104.01}, {63.22, 61.26, 65.09}}},
      {"fashion-mnist", {{72.94}, {90.02}}},
      {"mnist", {{0.1307 * 255.0}, {0.3081 * 255.0}}},
  };
  return table;
}

struct NamedAugmentation {
  const char* name;
  Augmentation augmentation;
};

const std::vector<NamedAugmentation>& augmentation_table() {
  static const std::vector<NamedAugmentation> table{
      {"cifar10", {4, true}},        {"cifar10-valid", {4, true}}, {"cifar100", {4, true}}, {"ImageNet16", {2, true}},
      {"ImageNet16-120", {2, true}}, {"fashion-mnist", {2, true}}, {"mnist", {2, false}},   {"synthetic", {2, true}},
  };
  return table;
}

// ImageNet16 restricted to its first N classes ("ImageNet16-200", ...) uses the
// ImageNet16 constants.
std::string table_name(const std::string& name) {
  return name.rfind("ImageNet16-", 0) == 0 ? std::string("ImageNet16") : name;
}

template <typename Table>
[[noreturn]] void unknown_name(const Table& table, const std::string& name, const char* what) {
  std::string known;
  for (const auto& entry : table) known += (known.empty() ? "" : ", ") + std::string(entry.name);
  throw InputError(std::string("no ") + what + " known for dataset '" + name + "' (known: " + known + ")");
}

}  // namespace

Normalization normalization_for(const std::string& dataset_name) {
  const std::string name = table_name(dataset_name);
  for (const auto& entry : normalization_table())
    if (name == entry.name) return entry.normalization;
  unknown_name(normalization_table(), dataset_name, "normalization constants");
}

Augmentation augmentation_for(const std::string& dataset_name) {
  const std::string name = table_name(dataset_name);
  for (const auto& entry : augmentation_table())
    if (name == entry.name) return entry.augmentation;
  unknown_name(augmentation_table(), dataset_name, "augmentation");
}

Normalization compute_normalization(const ImageDataset& dataset) {
  validate(dataset);
  if (dataset.size() == 0)
    throw InputError("dataset '" + dataset.name + "': cannot compute normalization of no images");
  const std::size_t plane = static_cast<std::size_t>(dataset.height) * static_cast<std::size_t>(dataset.width);
  std::vector<std::uint64_t> sums(static_cast<std::size_t>(dataset.channels), 0);
  std::vector<std::uint64_t> squares(static_cast<std::size_t>(dataset.channels), 0);
  for (std::size_t i = 0; i < dataset.size(); ++i) {
    const std::uint8_t* image = dataset.image(i);
    for (std::size_t c = 0; c < sums.size(); ++c) {
      std::uint64_t sum = 0;
      std::uint64_t square = 0;
      for (std::size_t p = 0; p < plane; ++p) {
        const std::uint64_t value = image[c * plane + p];
        sum += value;
        square += value * value;
      }
      sums[c] += sum;
      squares[c] += square;
    }
  }
  const double count = static_cast<double>(dataset.size() * plane);
  Normalization result;
  for (std::size_t c = 0; c < sums.size(); ++c) {
    const double mean = static_cast<double>(sums[c]) / count;
    const double variance = std::max(0.0, static_cast<double>(squares[c]) / count - mean * mean);
    result.mean.push_back(mean);
    // A constant channel would divide by zero; 1 leaves it merely centred.
    result.std.push_back(variance > 0.0 ? std::sqrt(variance) : 1.0);
  }
  return result;
}

AugmentDraw draw_augmentation(const Augmentation& augmentation, std::uint64_t seed, std::uint64_t epoch,
                              std::uint64_t sample) {
  const std::uint64_t key = detail::mix(detail::mix(detail::mix(seed) ^ epoch) ^ sample);
  const std::uint64_t h1 = detail::mix(key);
  const std::uint64_t h2 = detail::mix(h1);
  AugmentDraw draw;
  draw.flip = augmentation.horizontal_flip && (h1 & 1U) != 0;
  const auto positions = static_cast<std::uint32_t>(2 * std::max(augmentation.pad, 0) + 1);
  draw.offset_y = static_cast<int>(detail::below(h1, positions));
  draw.offset_x = static_cast<int>(detail::below(h2, positions));
  return draw;
}

ImageTransform::ImageTransform(int channels, int height, int width, const Normalization& normalization,
                               const Augmentation& augmentation)
    : channels_(channels), height_(height), width_(width), augmentation_(augmentation) {
  if (channels <= 0 || height <= 0 || width <= 0)
    throw InputError("image transform: shape " + std::to_string(channels) + "x" + std::to_string(height) + "x" +
                     std::to_string(width) + " is not positive");
  if (normalization.mean.size() != static_cast<std::size_t>(channels) ||
      normalization.std.size() != static_cast<std::size_t>(channels))
    throw InputError("image transform: normalization has " + std::to_string(normalization.mean.size()) + " means and " +
                     std::to_string(normalization.std.size()) + " stds for " + std::to_string(channels) + " channels");
  if (augmentation.pad < 0 || augmentation.pad > std::min(height, width))
    throw InputError("image transform: pad " + std::to_string(augmentation.pad) + " is outside 0.." +
                     std::to_string(std::min(height, width)));
  table_.resize(static_cast<std::size_t>(channels) * 256);
  for (int c = 0; c < channels; ++c) {
    const double std_dev = normalization.std[static_cast<std::size_t>(c)];
    if (!(std_dev > 0.0) || !std::isfinite(std_dev) || !std::isfinite(normalization.mean[static_cast<std::size_t>(c)]))
      throw InputError("image transform: channel " + std::to_string(c) + " has mean " +
                       std::to_string(normalization.mean[static_cast<std::size_t>(c)]) + " and std " +
                       std::to_string(std_dev) + "; std must be finite and > 0");
    // torchvision's arithmetic, step by step in float32: ToTensor divides the
    // uint8 value by 255, Normalize subtracts float(mean / 255) and divides by
    // float(std / 255).
    const auto mean = static_cast<float>(normalization.mean[static_cast<std::size_t>(c)] / 255.0);
    const auto scale = static_cast<float>(std_dev / 255.0);
    for (int value = 0; value < 256; ++value) {
      const float unit = static_cast<float>(value) / 255.0f;
      const float centred = unit - mean;
      table_[static_cast<std::size_t>(c) * 256 + static_cast<std::size_t>(value)] = centred / scale;
    }
  }
}

std::size_t ImageTransform::values_per_image() const {
  return static_cast<std::size_t>(channels_) * static_cast<std::size_t>(height_) * static_cast<std::size_t>(width_);
}

void ImageTransform::normalize(const std::uint8_t* image, float* out) const {
  const std::size_t plane = static_cast<std::size_t>(height_) * static_cast<std::size_t>(width_);
  for (int c = 0; c < channels_; ++c) {
    const float* table = table_.data() + static_cast<std::size_t>(c) * 256;
    const std::uint8_t* source = image + static_cast<std::size_t>(c) * plane;
    float* target = out + static_cast<std::size_t>(c) * plane;
    for (std::size_t p = 0; p < plane; ++p) target[p] = table[source[p]];
  }
}

void ImageTransform::augment(const std::uint8_t* image, const AugmentDraw& draw, float* out) const {
  const int pad = augmentation_.pad;
  NASRANK_CHECK(draw.offset_y >= 0 && draw.offset_y <= 2 * pad && draw.offset_x >= 0 && draw.offset_x <= 2 * pad,
                "augmentation draw outside the padded image");
  const int shift_y = draw.offset_y - pad;
  const int shift_x = draw.offset_x - pad;
  // Output columns [x_begin, x_end) read source column x + shift_x; the rest
  // of the row is padding.
  const int x_begin = std::max(0, -shift_x);
  const int x_end = std::min(width_, width_ - shift_x);
  const auto width = static_cast<std::size_t>(width_);
  for (int c = 0; c < channels_; ++c) {
    const float* table = table_.data() + static_cast<std::size_t>(c) * 256;
    const float padding = table[0];
    const std::uint8_t* plane = image + static_cast<std::size_t>(c) * static_cast<std::size_t>(height_) * width;
    for (int y = 0; y < height_; ++y) {
      float* row =
          out + (static_cast<std::size_t>(c) * static_cast<std::size_t>(height_) + static_cast<std::size_t>(y)) * width;
      const int source_y = y + shift_y;
      if (source_y < 0 || source_y >= height_ || x_begin >= x_end) {
        std::fill(row, row + width, padding);
        continue;
      }
      std::fill(row, row + x_begin, padding);
      std::fill(row + x_end, row + width, padding);
      const std::uint8_t* source = plane + static_cast<std::size_t>(source_y) * width;
      if (draw.flip) {
        // Flip before crop, as the benchmark composes them: output x shows
        // flipped column x + shift_x, i.e. source column width-1-(x+shift_x).
        const int mirror = width_ - 1 - shift_x;
        for (int x = x_begin; x < x_end; ++x) row[x] = table[source[mirror - x]];
      } else {
        for (int x = x_begin; x < x_end; ++x) row[x] = table[source[x + shift_x]];
      }
    }
  }
}

}  // namespace nasrank::dataset
