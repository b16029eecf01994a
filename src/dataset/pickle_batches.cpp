// The pickled image batches: CIFAR's Python version (Python 2 cPickle files,
// dicts with bytes keys) and the downsampled ImageNet 16x16 batches. All hold
// a dict with 'data' (uint8, one CHW image per row) and a list of labels.
#include "dataset/file_bytes.h"
#include "nasrank/common/error.h"
#include "nasrank/dataset/readers.h"
#include "nasrank/io/pickle.h"

#include <cstring>
#include <string>

namespace nasrank::dataset {
namespace {

using detail::quoted;

struct PickledBatch {
  io::PickleValue root;  // keeps the array bytes alive
  std::string_view pixels;
  std::vector<std::int64_t> labels;
};

// Reads `data` and `label_key` of one batch file and checks their shapes.
PickledBatch read_pickled_batch(const Path& path, const char* label_key, std::size_t image_bytes) {
  const std::string where = "pickled batch " + quoted(path);
  io::PickleOptions options;
  // Python 2 `str` (keys and array bytes of the official CIFAR files) as bytes,
  // like pickle.load(f, encoding='bytes'); PickleDict::find matches str keys
  // against bytes keys, so Python 3 pickles read the same way.
  options.py2_strings = io::Py2Strings::Bytes;
  PickledBatch batch;
  batch.root = io::read_pickle(path, options);
  if (!batch.root.is_dict()) throw InputError(where + ": expected a dict at the top level, found " + batch.root.repr());
  const io::PickleDict& dict = batch.root.as_dict();

  const io::PickleValue* data = dict.find("data");
  if (data == nullptr) throw InputError(where + ": missing key 'data' (keys: " + dict.keys_summary() + ")");
  if (data->type() != io::PickleType::NumpyArray)
    throw InputError(where + ": 'data' is " + std::string(data->type_name()) + ", expected a uint8 numpy array");
  const io::NumpyArray& array = data->as_ndarray();
  if (array.dtype.kind != 'u' || array.dtype.itemsize != 1)
    throw InputError(where + ": 'data' has dtype " + array.dtype.str() + ", expected |u1 (uint8)");
  std::int64_t row_elements = 1;
  for (std::size_t d = 1; d < array.shape.size(); ++d) row_elements *= array.shape[d];
  std::string shape_text;
  for (const std::int64_t extent : array.shape) shape_text += (shape_text.empty() ? "" : ", ") + std::to_string(extent);
  if (array.shape.size() < 2 || static_cast<std::size_t>(row_elements) != image_bytes)
    throw InputError(where + ": 'data' has shape (" + shape_text + "), expected (N, " + std::to_string(image_bytes) +
                     ")");
  batch.pixels = array.raw();
  NASRANK_CHECK(batch.pixels.size() == array.size(), "ndarray byte count differs from its shape");

  const io::PickleValue* labels = dict.find(label_key);
  if (labels == nullptr)
    throw InputError(where + ": missing key '" + label_key + "' (keys: " + dict.keys_summary() + ")");
  if (labels->type() == io::PickleType::NumpyArray) {
    const io::NumpyArray& label_array = labels->as_ndarray();
    if (label_array.shape.size() != 1)
      throw InputError(where + ": '" + label_key + "' is a numpy array of " + std::to_string(label_array.shape.size()) +
                       " dimensions, expected 1");
    batch.labels = label_array.to_int64s();
  } else if (labels->is_list() || labels->is_tuple()) {
    const io::PickleValue::List& items = labels->as_sequence();
    batch.labels.reserve(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (items[i].type() != io::PickleType::Int && items[i].type() != io::PickleType::NumpyScalar)
        throw InputError(where + ": '" + label_key + "'[" + std::to_string(i) + "] = " + items[i].repr() +
                         " is not an integer");
      batch.labels.push_back(items[i].as_int());
    }
  } else {
    throw InputError(where + ": '" + label_key + "' is " + std::string(labels->type_name()) +
                     ", expected a list of integers");
  }
  const auto images = static_cast<std::size_t>(array.shape[0]);
  if (batch.labels.size() != images)
    throw InputError(where + ": " + std::to_string(images) + " images in 'data' but " +
                     std::to_string(batch.labels.size()) + " entries in '" + label_key + "'");
  return batch;
}

void append_images(ImageDataset& dataset, std::string_view pixels, std::size_t index) {
  const std::size_t bytes = dataset.image_bytes();
  const std::size_t old_size = dataset.pixels.size();
  dataset.pixels.resize(old_size + bytes);
  std::memcpy(dataset.pixels.data() + old_size, pixels.data() + index * bytes, bytes);
}

ImageDataset read_cifar_pickle(const std::vector<Path>& files, const std::string& name, const char* label_key,
                               int num_classes) {
  if (files.empty()) throw InputError("cifar pickle reader for '" + name + "': no files given");
  ImageDataset dataset;
  dataset.name = name;
  dataset.channels = 3;
  dataset.height = 32;
  dataset.width = 32;
  dataset.num_classes = num_classes;
  for (const Path& path : files) {
    const PickledBatch batch = read_pickled_batch(path, label_key, dataset.image_bytes());
    for (std::size_t i = 0; i < batch.labels.size(); ++i) {
      if (batch.labels[i] < 0 || batch.labels[i] >= num_classes)
        throw InputError("pickled batch " + quoted(path) + ": '" + label_key + "'[" + std::to_string(i) + "] = " +
                         std::to_string(batch.labels[i]) + " is outside 0.." + std::to_string(num_classes - 1));
    }
    const std::size_t old_size = dataset.pixels.size();
    dataset.pixels.resize(old_size + batch.pixels.size());
    std::memcpy(dataset.pixels.data() + old_size, batch.pixels.data(), batch.pixels.size());
    dataset.labels.insert(dataset.labels.end(), batch.labels.begin(), batch.labels.end());
    dataset.provenance.files.push_back(path.string());
  }
  return dataset;
}

}  // namespace

ImageDataset read_cifar10_pickle(const std::vector<Path>& files) {
  return read_cifar_pickle(files, "cifar10", "labels", 10);
}

ImageDataset read_cifar100_pickle(const std::vector<Path>& files, Cifar100Labels labels) {
  return labels == Cifar100Labels::Fine ? read_cifar_pickle(files, "cifar100", "fine_labels", 100)
                                        : read_cifar_pickle(files, "cifar100", "coarse_labels", 20);
}

ImageDataset read_imagenet16_pickle(const std::vector<Path>& files, int max_class) {
  constexpr int kImageNetClasses = 1000;
  if (max_class < 1 || max_class > kImageNetClasses)
    throw InputError("ImageNet16 reader: max_class " + std::to_string(max_class) + " is outside 1..1000");
  if (files.empty()) throw InputError("ImageNet16 reader: no files given");
  ImageDataset dataset;
  dataset.name = max_class == kImageNetClasses ? "ImageNet16" : "ImageNet16-" + std::to_string(max_class);
  dataset.channels = 3;
  dataset.height = 16;
  dataset.width = 16;
  dataset.num_classes = max_class;
  for (const Path& path : files) {
    const PickledBatch batch = read_pickled_batch(path, "labels", dataset.image_bytes());
    for (std::size_t i = 0; i < batch.labels.size(); ++i) {
      const std::int64_t label = batch.labels[i];
      if (label < 1 || label > kImageNetClasses)
        throw InputError("pickled batch " + quoted(path) + ": 'labels'[" + std::to_string(i) +
                         "] = " + std::to_string(label) + " is outside 1..1000 (ImageNet16 labels are 1-based)");
      if (label > max_class) continue;
      append_images(dataset, batch.pixels, i);
      dataset.labels.push_back(label - 1);
    }
    dataset.provenance.files.push_back(path.string());
  }
  return dataset;
}

}  // namespace nasrank::dataset
