#pragma once
// Normalization and training augmentation as the benchmark applies them:
// training = random horizontal flip, random crop of the original size from the
// image zero-padded on every side, then (x / 255 - mean) / std per channel;
// evaluation = normalization only.
//
// Results equal torchvision's ToTensor + Normalize bit for bit: every output
// value comes from a per-channel 256-entry table computed in float32 the way
// torchvision computes it. Padding is zero in pixel space (torchvision pads the
// uint8 image), so padded positions hold the normalized value of pixel 0.
#include "nasrank/dataset/image_dataset.h"

#include <cstdint>
#include <string>
#include <vector>

namespace nasrank::dataset {

struct Normalization {
  std::vector<double> mean;  // per channel, in pixel units (0..255)
  std::vector<double> std;   // per channel, in pixel units, > 0
};

struct Augmentation {
  int pad = 0;                   // crop offset range is 0..2*pad per axis; 0 disables the crop
  bool horizontal_flip = false;  // flip with probability 1/2
};

// The benchmark's constants for "cifar10", "cifar10-valid", "cifar100",
// "ImageNet16", "ImageNet16-120"; project constants for "mnist" and
// "fashion-mnist" (see transform.cpp for their sources). Unknown names throw
// InputError listing the known ones.
Normalization normalization_for(const std::string& dataset_name);

// Per-channel mean and (population) standard deviation over all pixels.
Normalization compute_normalization(const ImageDataset& dataset);

// CIFAR: pad 4 + flip; ImageNet16: pad 2 + flip; fashion-mnist: pad 2 + flip;
// mnist: pad 2, no flip (mirrored digits are other symbols); "synthetic": pad 2
// + flip. Unknown names throw InputError.
Augmentation augmentation_for(const std::string& dataset_name);

// One image's random choices. offset_y / offset_x are the crop's top-left
// corner in the padded image, in 0..2*pad.
struct AugmentDraw {
  bool flip = false;
  int offset_y = 0;
  int offset_x = 0;
};

// Deterministic draw for one sample of one epoch: a pure function of
// (seed, epoch, sample), independent of batch size, order and thread count.
// Mapping (fixed, so stored runs stay reproducible): with
// g = mix(mix(mix(seed) ^ epoch) ^ sample), h1 = mix(g), h2 = mix(h1) and
// mix = the splitmix64 finalizer after adding 0x9e3779b97f4a7c15:
// flip = bit 0 of h1; offset_y = (h1 >> 32) * (2*pad+1) >> 32;
// offset_x = (h2 >> 32) * (2*pad+1) >> 32.
AugmentDraw draw_augmentation(const Augmentation& augmentation, std::uint64_t seed, std::uint64_t epoch,
                              std::uint64_t sample);

// Converts uint8 CHW images to normalized float32 CHW, optionally augmented.
class ImageTransform {
 public:
  ImageTransform(int channels, int height, int width, const Normalization& normalization,
                 const Augmentation& augmentation);

  int channels() const { return channels_; }
  int height() const { return height_; }
  int width() const { return width_; }
  std::size_t values_per_image() const;
  const Augmentation& augmentation() const { return augmentation_; }

  // Writes values_per_image() floats to `out`.
  void normalize(const std::uint8_t* image, float* out) const;
  void augment(const std::uint8_t* image, const AugmentDraw& draw, float* out) const;

  // The float32 value a pixel value gets in a channel.
  float normalized_value(int channel, std::uint8_t pixel) const { return table_[channel * 256 + pixel]; }

 private:
  int channels_;
  int height_;
  int width_;
  Augmentation augmentation_;
  std::vector<float> table_;  // channels x 256
};

}  // namespace nasrank::dataset
