#include "nasrank/dataset/image_dataset.h"

#include "nasrank/common/error.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace nasrank::dataset {

void validate(const ImageDataset& dataset) {
  const std::string where = "dataset '" + dataset.name + "'";
  if (dataset.channels <= 0 || dataset.height <= 0 || dataset.width <= 0)
    throw InputError(where + ": image shape " + std::to_string(dataset.channels) + "x" +
                     std::to_string(dataset.height) + "x" + std::to_string(dataset.width) + " is not positive");
  if (dataset.num_classes <= 0)
    throw InputError(where + ": num_classes " + std::to_string(dataset.num_classes) + " is not positive");
  if (dataset.pixels.size() != dataset.size() * dataset.image_bytes())
    throw InputError(where + ": " + std::to_string(dataset.pixels.size()) + " pixel bytes for " +
                     std::to_string(dataset.size()) + " labels of " + std::to_string(dataset.image_bytes()) +
                     "-byte images");
  for (std::size_t i = 0; i < dataset.labels.size(); ++i) {
    const std::int64_t label = dataset.labels[i];
    if (label < 0 || label >= dataset.num_classes)
      throw InputError(where + ": label " + std::to_string(label) + " of image " + std::to_string(i) +
                       " is outside 0.." + std::to_string(dataset.num_classes - 1));
  }
}

ImageDataset select(const ImageDataset& dataset, const std::vector<std::size_t>& indices, const std::string& split) {
  ImageDataset result;
  result.name = dataset.name;
  result.channels = dataset.channels;
  result.height = dataset.height;
  result.width = dataset.width;
  result.num_classes = dataset.num_classes;
  result.provenance.files = dataset.provenance.files;
  result.provenance.split = split;
  const std::size_t bytes = dataset.image_bytes();
  result.pixels.resize(indices.size() * bytes);
  result.labels.resize(indices.size());
  for (std::size_t position = 0; position < indices.size(); ++position) {
    const std::size_t index = indices[position];
    if (index >= dataset.size())
      throw InputError("split '" + split + "' of dataset '" + dataset.name + "': index " + std::to_string(index) +
                       " at position " + std::to_string(position) + " is outside the " +
                       std::to_string(dataset.size()) + " images");
    std::memcpy(result.pixels.data() + position * bytes, dataset.image(index), bytes);
    result.labels[position] = dataset.labels[index];
  }
  return result;
}

std::vector<std::size_t> class_histogram(const ImageDataset& dataset) {
  std::vector<std::size_t> counts(static_cast<std::size_t>(std::max(dataset.num_classes, 0)), 0);
  for (const std::int64_t label : dataset.labels) {
    NASRANK_CHECK(label >= 0 && label < dataset.num_classes, "label outside 0..num_classes-1; validate() first");
    ++counts[static_cast<std::size_t>(label)];
  }
  return counts;
}

}  // namespace nasrank::dataset
