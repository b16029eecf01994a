// One CIFAR batch file, read as each of the four CIFAR formats: binary
// CIFAR-10 / CIFAR-100 records and the pickled Python batches.
#include "fuzz_support.h"
#include "nasrank/dataset/readers.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nasrank;
  static const fuzz::ScratchFile file("data_batch_1");
  const std::vector<std::filesystem::path> files{file.write(fuzz::as_text(data, size))};
  fuzz::expect_input_error_only([&] { (void)dataset::read_cifar10_binary(files); });
  fuzz::expect_input_error_only([&] { (void)dataset::read_cifar100_binary(files, dataset::Cifar100Labels::Coarse); });
  fuzz::expect_input_error_only([&] { (void)dataset::read_cifar10_pickle(files); });
  fuzz::expect_input_error_only([&] { (void)dataset::read_cifar100_pickle(files, dataset::Cifar100Labels::Fine); });
  return 0;
}
