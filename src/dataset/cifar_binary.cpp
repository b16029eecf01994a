// CIFAR binary version (www.cs.toronto.edu/~kriz/cifar.html): fixed-size
// records without a header. CIFAR-10: <label><3072 pixels>; CIFAR-100:
// <coarse label><fine label><3072 pixels>; pixels are 1024 R, 1024 G, 1024 B,
// each plane row-major 32x32.
#include "dataset/file_bytes.h"
#include "nasrank/common/error.h"
#include "nasrank/dataset/readers.h"

#include <cstring>
#include <string>

namespace nasrank::dataset {
namespace {

constexpr std::size_t kImageBytes = 3 * 32 * 32;

struct LabelByte {
  const char* name;
  int num_classes;
};

// `label_bytes` lists the record's leading label bytes; `chosen` is the one
// that becomes the dataset's label. Every label byte is range-checked, which
// also catches a CIFAR-10 file read as CIFAR-100 and the reverse.
ImageDataset read_cifar_binary(const std::vector<Path>& files, const std::string& dataset_name,
                               const std::vector<LabelByte>& label_bytes, std::size_t chosen) {
  if (files.empty()) throw InputError("cifar binary reader for '" + dataset_name + "': no files given");
  ImageDataset dataset;
  dataset.name = dataset_name;
  dataset.channels = 3;
  dataset.height = 32;
  dataset.width = 32;
  dataset.num_classes = label_bytes[chosen].num_classes;
  const std::size_t record_bytes = label_bytes.size() + kImageBytes;
  for (const Path& path : files) {
    const detail::FileBytes file = detail::read_file_bytes(path);
    const std::string where = "cifar binary file " + detail::quoted(path);
    if (file.bytes.empty()) throw InputError(where + ": the file is empty");
    if (file.bytes.size() % record_bytes != 0)
      throw InputError(where + ": truncated or not a " + dataset_name +
                       " binary batch: " + std::to_string(file.bytes.size()) + " bytes is not a multiple of the " +
                       std::to_string(record_bytes) + "-byte record; the last record starts at " +
                       file.at(file.bytes.size() / record_bytes * record_bytes) + " and is incomplete");
    const std::size_t records = file.bytes.size() / record_bytes;
    const std::size_t first = dataset.labels.size();
    dataset.labels.resize(first + records);
    dataset.pixels.resize((first + records) * kImageBytes);
    for (std::size_t r = 0; r < records; ++r) {
      const std::size_t record_start = r * record_bytes;
      for (std::size_t b = 0; b < label_bytes.size(); ++b) {
        const int value = static_cast<unsigned char>(file.bytes[record_start + b]);
        if (value >= label_bytes[b].num_classes)
          throw InputError(where + ": " + label_bytes[b].name + " " + std::to_string(value) + " at " +
                           file.at(record_start + b) + " (record " + std::to_string(r) + ") is outside 0.." +
                           std::to_string(label_bytes[b].num_classes - 1) + "; not a " + dataset_name +
                           " binary batch?");
      }
      dataset.labels[first + r] = static_cast<unsigned char>(file.bytes[record_start + chosen]);
      std::memcpy(dataset.pixels.data() + (first + r) * kImageBytes,
                  file.bytes.data() + record_start + label_bytes.size(), kImageBytes);
    }
    dataset.provenance.files.push_back(path.string());
  }
  return dataset;
}

}  // namespace

ImageDataset read_cifar10_binary(const std::vector<Path>& files) {
  return read_cifar_binary(files, "cifar10", {{"label", 10}}, 0);
}

ImageDataset read_cifar100_binary(const std::vector<Path>& files, Cifar100Labels labels) {
  return read_cifar_binary(files, "cifar100", {{"coarse label", 20}, {"fine label", 100}},
                           labels == Cifar100Labels::Fine ? 1 : 0);
}

}  // namespace nasrank::dataset
