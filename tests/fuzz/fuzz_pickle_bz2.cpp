// A compressed pickle file (.pbz2, .bz2, .gz, detected from the magic bytes)
// through the decompressing stream and read_pickle, as the NATS-Bench files
// are read.
#include "fuzz_support.h"
#include "nasrank/io/pickle.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nasrank;
  const std::string bytes(fuzz::as_text(data, size));
  fuzz::expect_input_error_only([&] {
    const auto in = io::open_memory_input(bytes, "fuzz.pickle.pbz2");
    (void)io::read_pickle(*in).repr();
  });
  return 0;
}
