// NATS-Bench "simple" files on decompressed pickle bytes: one architecture's
// record, the meta file and the single-file benchmark (streamed).
#include "fuzz_support.h"
#include "nasrank/io/nats.h"
#include "nasrank/io/pickle.h"

#include <optional>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nasrank;
  static const fuzz::ScratchFile meta_file("meta.pickle");
  const std::string_view bytes = fuzz::as_text(data, size);
  std::optional<io::PickleValue> value;
  fuzz::expect_input_error_only([&] { value = io::parse_pickle(bytes, "000002.pickle"); });
  if (value) fuzz::expect_input_error_only([&] { (void)io::nats_arch_from_pickle(*value, -1, "000002.pickle"); });
  fuzz::expect_input_error_only([&] { (void)io::read_nats_meta(meta_file.write(bytes)); });
  fuzz::expect_input_error_only([&] {
    const auto in = io::open_memory_input(std::string(bytes), "NATS-tss.pickle", io::Compression::None);
    std::size_t records = 0;
    (void)io::stream_nats_single_file(*in, [&](io::NatsArchRecord&& record) { records += record.budgets.size(); });
  });
  return 0;
}
