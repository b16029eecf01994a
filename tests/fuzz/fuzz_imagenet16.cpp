// One downsampled-ImageNet 16x16 pickle batch, filtered to ImageNet16-120 and
// kept whole.
#include "fuzz_support.h"
#include "nasrank/dataset/readers.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nasrank;
  static const fuzz::ScratchFile file("train_data_batch_1");
  const std::vector<std::filesystem::path> files{file.write(fuzz::as_text(data, size))};
  fuzz::expect_input_error_only([&] { (void)dataset::read_imagenet16_pickle(files, 120); });
  fuzz::expect_input_error_only([&] { (void)dataset::read_imagenet16_pickle(files, 1000); });
  return 0;
}
