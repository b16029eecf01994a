// MNIST / Fashion-MNIST IDX files (plain or gzipped). The input packs the
// images file and the labels file (fuzz_support.h: split_two_files).
#include "fuzz_support.h"
#include "nasrank/dataset/readers.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nasrank;
  static const fuzz::ScratchFile images_file("train-images-idx3-ubyte");
  static const fuzz::ScratchFile labels_file("train-labels-idx1-ubyte");
  std::string_view images, labels;
  if (!fuzz::split_two_files(fuzz::as_text(data, size), images, labels)) return 0;
  images_file.write(images);
  labels_file.write(labels);
  fuzz::expect_input_error_only(
      [&] { (void)dataset::read_idx(images_file.path(), labels_file.path(), "fashion-mnist", 10); });
  return 0;
}
