#pragma once
// A deterministic, learnable synthetic image dataset for tests and smoke runs:
// every class has a smooth per-channel prototype (a sum of two low-frequency
// sinusoids whose frequencies and phases come from the seed); an image is its
// class prototype scaled by `contrast` around 127.5, plus a per-image
// brightness offset uniform in [-noise/2, noise/2] and per-pixel noise uniform
// in [-noise, noise], rounded and clamped to 0..255. Low frequencies keep the
// class visible after the crop/flip augmentation; the noise keeps it from
// being trivial. Same spec and seed, same bytes (given the same libm sin).
#include "nasrank/dataset/image_dataset.h"
#include "nasrank/dataset/readers.h"

#include <cstddef>
#include <cstdint>

namespace nasrank::dataset {

struct SyntheticSpec {
  std::size_t train_size = 1024;  // images in Part::Train
  std::size_t test_size = 256;    // images in Part::Test
  int channels = 3;
  int height = 32;
  int width = 32;
  int num_classes = 10;
  std::uint64_t seed = 0;  // fixes the class prototypes and every image
  double contrast = 60.0;  // prototype amplitude in pixel units
  double noise = 40.0;     // noise amplitude in pixel units (see above)
};

// Train and test share the prototypes and differ in their samples. Labels are
// balanced (counts differ by at most one) and shuffled. Invalid specs throw
// InputError naming the field.
ImageDataset make_synthetic(const SyntheticSpec& spec, Part part);

}  // namespace nasrank::dataset
