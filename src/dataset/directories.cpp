#include "dataset/file_bytes.h"
#include "nasrank/common/error.h"
#include "nasrank/dataset/readers.h"

#include <string>
#include <system_error>
#include <vector>

namespace nasrank::dataset {
namespace {

using detail::quoted;

bool is_file(const Path& path) {
  std::error_code error;
  return std::filesystem::is_regular_file(path, error);
}

// `root/subdirectory` when that holds `marker`, else `root` when it does,
// else empty.
Path locate(const Path& root, const std::string& subdirectory, const std::string& marker) {
  if (is_file(root / subdirectory / marker)) return root / subdirectory;
  if (is_file(root / marker)) return root;
  return {};
}

std::vector<Path> numbered(const Path& directory, const std::string& stem, int count, const std::string& suffix) {
  std::vector<Path> files;
  for (int i = 1; i <= count; ++i) files.push_back(directory / (stem + std::to_string(i) + suffix));
  return files;
}

void require_files(const std::vector<Path>& files, const std::string& what) {
  for (const Path& file : files)
    if (!is_file(file)) throw InputError(what + ": missing file " + quoted(file));
}

// Batches that must be alike: one cut short at a record boundary still
// reads as a valid batch, only smaller than its siblings.
void require_equal_sizes(const std::vector<Path>& files, const std::string& what, const std::string& official) {
  const std::uintmax_t first = std::filesystem::file_size(files.front());
  for (const Path& file : files)
    if (const std::uintmax_t size = std::filesystem::file_size(file); size != first)
      throw InputError(what + ": " + quoted(file) + " has " + std::to_string(size) + " bytes but " +
                       quoted(files.front()) + " " + std::to_string(first) + "; the batches are the same size (" +
                       official + "), so one was cut short or replaced");
}

// directory/name, or directory/name.gz when only that exists.
Path with_optional_gz(const Path& directory, const std::string& name) {
  if (is_file(directory / name)) return directory / name;
  if (is_file(directory / (name + ".gz"))) return directory / (name + ".gz");
  throw InputError("idx directory " + quoted(directory) + ": neither " + name + " nor " + name + ".gz exists");
}

}  // namespace

ImageDataset load_idx_directory(const Path& directory, Part part, const std::string& name) {
  const std::string prefix = part == Part::Train ? "train" : "t10k";
  const Path images = with_optional_gz(directory, prefix + "-images-idx3-ubyte");
  const Path labels = with_optional_gz(directory, prefix + "-labels-idx1-ubyte");
  ImageDataset dataset = read_idx(images, labels, name);
  dataset.provenance.split = part == Part::Train ? "train" : "test";
  return dataset;
}

ImageDataset load_cifar10(const Path& root, Part part) {
  const bool train = part == Part::Train;
  ImageDataset dataset;
  if (const Path binary = locate(root, "cifar-10-batches-bin", "test_batch.bin"); !binary.empty()) {
    const std::vector<Path> files =
        train ? numbered(binary, "data_batch_", 5, ".bin") : std::vector<Path>{binary / "test_batch.bin"};
    require_files(files, "CIFAR-10 binary version in " + quoted(binary));
    if (train) require_equal_sizes(files, "CIFAR-10 binary version in " + quoted(binary), "10,000 records each");
    dataset = read_cifar10_binary(files);
  } else if (const Path python = locate(root, "cifar-10-batches-py", "test_batch"); !python.empty()) {
    const std::vector<Path> files =
        train ? numbered(python, "data_batch_", 5, "") : std::vector<Path>{python / "test_batch"};
    require_files(files, "CIFAR-10 python version in " + quoted(python));
    dataset = read_cifar10_pickle(files);
  } else {
    throw InputError("CIFAR-10 not found under " + quoted(root) +
                     ": expected cifar-10-batches-bin/test_batch.bin or cifar-10-batches-py/test_batch");
  }
  dataset.provenance.split = train ? "train" : "test";
  return dataset;
}

ImageDataset load_cifar100(const Path& root, Part part, Cifar100Labels labels) {
  const std::string stem = part == Part::Train ? "train" : "test";
  ImageDataset dataset;
  if (const Path binary = locate(root, "cifar-100-binary", "test.bin"); !binary.empty()) {
    const std::vector<Path> files{binary / (stem + ".bin")};
    require_files(files, "CIFAR-100 binary version in " + quoted(binary));
    dataset = read_cifar100_binary(files, labels);
  } else if (const Path python = locate(root, "cifar-100-python", "test"); !python.empty()) {
    const std::vector<Path> files{python / stem};
    require_files(files, "CIFAR-100 python version in " + quoted(python));
    dataset = read_cifar100_pickle(files, labels);
  } else {
    throw InputError("CIFAR-100 not found under " + quoted(root) +
                     ": expected cifar-100-binary/test.bin or cifar-100-python/test");
  }
  dataset.provenance.split = stem;
  return dataset;
}

ImageDataset load_imagenet16(const Path& root, Part part, int max_class) {
  const Path directory = locate(root, "ImageNet16", "val_data");
  if (directory.empty())
    throw InputError("ImageNet16 not found under " + quoted(root) + ": expected ImageNet16/val_data");
  const bool train = part == Part::Train;
  const std::vector<Path> files =
      train ? numbered(directory, "train_data_batch_", 10, "") : std::vector<Path>{directory / "val_data"};
  require_files(files, "ImageNet16 in " + quoted(directory));
  ImageDataset dataset = read_imagenet16_pickle(files, max_class);
  dataset.provenance.split = train ? "train" : "valid";
  return dataset;
}

}  // namespace nasrank::dataset
