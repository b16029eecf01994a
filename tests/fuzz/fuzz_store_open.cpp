// Opening a results store (an HDF5 file) for reading and reading every run,
// as `nasrank query` and `nasrank compare` do.
#include "fuzz_support.h"
#include "nasrank/store/store.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nasrank;
  static const fuzz::ScratchFile file("runs.h5");
  file.write(fuzz::as_text(data, size));
  fuzz::expect_input_error_only([&] {
    const auto store = store::ResultStore::open(file.path(), store::OpenMode::Read);
    (void)store.list();
    store::RunFilter filter;
    filter.dataset = "cifar10";
    (void)store.select(filter);
  });
  return 0;
}
