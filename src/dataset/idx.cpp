// IDX format (yann.lecun.com/exdb/mnist): a 4-byte magic 0x00 0x00 <type>
// <number of dimensions>, one big-endian uint32 per dimension, then the data
// in row-major order. Only type 0x08 (unsigned byte) occurs in MNIST-style sets.
#include "dataset/file_bytes.h"
#include "nasrank/common/error.h"
#include "nasrank/dataset/readers.h"

#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace nasrank::dataset {
namespace {

using detail::FileBytes;
using detail::quoted;

std::string hex32(std::uint32_t value) {
  static const char* digits = "0123456789abcdef";
  std::string text = "0x";
  for (int shift = 28; shift >= 0; shift -= 4) text += digits[(value >> shift) & 0xf];
  return text;
}

// Checks magic and payload size; returns the dimensions.
std::vector<std::uint32_t> read_idx_header(const FileBytes& file, const Path& path, int dimensions, const char* what) {
  const std::string where = "idx " + std::string(what) + " file " + quoted(path);
  const std::size_t header_size = 4 + 4 * static_cast<std::size_t>(dimensions);
  if (file.bytes.size() < 4)
    throw InputError(where + ": truncated: " + std::to_string(file.bytes.size()) +
                     " bytes, too short for the 4-byte magic number");
  const std::uint32_t expected_magic = 0x00000800U | static_cast<std::uint32_t>(dimensions);
  const std::uint32_t magic = detail::big_endian_u32(file.bytes, 0);
  if (magic != expected_magic)
    throw InputError(where + ": magic number " + hex32(magic) + " at " + file.at(0) + " is not " +
                     hex32(expected_magic) + " (unsigned bytes, " + std::to_string(dimensions) + " dimension" +
                     (dimensions == 1 ? "" : "s") + ")");
  if (file.bytes.size() < header_size)
    throw InputError(where + ": truncated header: " + std::to_string(file.bytes.size()) + " bytes, the header needs " +
                     std::to_string(header_size));
  std::vector<std::uint32_t> sizes;
  std::uint64_t payload = 1;
  for (int d = 0; d < dimensions; ++d) {
    sizes.push_back(detail::big_endian_u32(file.bytes, 4 + 4 * static_cast<std::size_t>(d)));
    // Saturate instead of wrapping: absurd dimensions must read as "truncated".
    const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() / 2;
    payload = sizes.back() != 0 && payload > limit / sizes.back() ? limit : payload * sizes.back();
  }
  const std::uint64_t expected_size = header_size + payload;
  if (file.bytes.size() < expected_size)
    throw InputError(where + ": truncated: the header declares " + std::to_string(payload) + " data bytes from " +
                     file.at(header_size) + ", but the data ends at " + file.at(file.bytes.size()));
  if (file.bytes.size() > expected_size)
    throw InputError(where + ": " + std::to_string(file.bytes.size() - expected_size) +
                     " unexpected bytes after the declared data, from " + file.at(expected_size));
  return sizes;
}

}  // namespace

ImageDataset read_idx(const Path& images_file, const Path& labels_file, const std::string& name, int num_classes) {
  if (num_classes < 1 || num_classes > 256)
    throw InputError("idx dataset '" + name + "': num_classes " + std::to_string(num_classes) + " is outside 1..256");
  const FileBytes images = detail::read_file_bytes(images_file);
  const std::vector<std::uint32_t> image_shape = read_idx_header(images, images_file, 3, "images");
  const FileBytes labels = detail::read_file_bytes(labels_file);
  const std::vector<std::uint32_t> label_shape = read_idx_header(labels, labels_file, 1, "labels");
  if (image_shape[0] != label_shape[0])
    throw InputError("idx files " + quoted(images_file) + " and " + quoted(labels_file) + ": " +
                     std::to_string(image_shape[0]) + " images but " + std::to_string(label_shape[0]) + " labels");
  if (image_shape[1] == 0 || image_shape[2] == 0)
    throw InputError("idx images file " + quoted(images_file) + ": image size " + std::to_string(image_shape[1]) + "x" +
                     std::to_string(image_shape[2]) + " is empty");

  ImageDataset dataset;
  dataset.name = name;
  dataset.channels = 1;
  dataset.height = static_cast<int>(image_shape[1]);
  dataset.width = static_cast<int>(image_shape[2]);
  dataset.num_classes = num_classes;
  constexpr std::size_t kLabelHeader = 8;
  dataset.labels.resize(label_shape[0]);
  for (std::size_t i = 0; i < dataset.labels.size(); ++i) {
    const auto label = static_cast<unsigned char>(labels.bytes[kLabelHeader + i]);
    if (label >= num_classes)
      throw InputError("idx labels file " + quoted(labels_file) + ": label " + std::to_string(label) + " at " +
                       labels.at(kLabelHeader + i) + " (image " + std::to_string(i) + ") is outside 0.." +
                       std::to_string(num_classes - 1));
    dataset.labels[i] = label;
  }
  constexpr std::size_t kImageHeader = 16;
  dataset.pixels.resize(dataset.size() * dataset.image_bytes());
  if (!dataset.pixels.empty())
    std::memcpy(dataset.pixels.data(), images.bytes.data() + kImageHeader, dataset.pixels.size());
  dataset.provenance.files = {images_file.string(), labels_file.string()};
  return dataset;
}

}  // namespace nasrank::dataset
