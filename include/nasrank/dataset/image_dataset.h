#pragma once
// A labelled image dataset held in memory as plain arrays, the one type every
// reader produces and the batch loader consumes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace nasrank::dataset {

// Where a dataset came from, so a trained number can be traced to its data.
struct Provenance {
  std::vector<std::string> files;  // every file read, in reading order (split files included)
  std::string split;               // e.g. "train", "ori-test", "x-valid (cifar100-test-split.txt:xvalid)"
};

struct ImageDataset {
  std::string name;  // dataset key, e.g. "cifar10", "fashion-mnist", "synthetic"
  int channels = 0;
  int height = 0;
  int width = 0;
  int num_classes = 0;
  std::vector<std::uint8_t> pixels;  // size() x channels x height x width, C-contiguous
  std::vector<std::int64_t> labels;  // 0-based class of each image
  Provenance provenance;

  std::size_t size() const { return labels.size(); }
  std::size_t image_bytes() const {
    return static_cast<std::size_t>(channels) * static_cast<std::size_t>(height) * static_cast<std::size_t>(width);
  }
  const std::uint8_t* image(std::size_t index) const { return pixels.data() + index * image_bytes(); }
};

// Checks shape, buffer sizes and label range; throws InputError naming the
// dataset and the first problem.
void validate(const ImageDataset& dataset);

// The images at `indices` (in that order) as a new dataset whose provenance
// keeps the source files and records `split`. An index out of range throws
// InputError naming `split` and the position.
ImageDataset select(const ImageDataset& dataset, const std::vector<std::size_t>& indices, const std::string& split);

// Number of images per class (size num_classes).
std::vector<std::size_t> class_histogram(const ImageDataset& dataset);

}  // namespace nasrank::dataset
