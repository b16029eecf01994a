// NATS-Bench "simple" files on decompressed pickle bytes: one architecture's
// record, the meta file and the single-file benchmark (streamed). Every read
// runs under a 64 MiB decode budget, so run with -malloc_limit_mb=128 (and an
// RSS limit): an input that makes the reader allocate past its budget is a
// finding (tools/fuzz/run.sh sets both).
#include "fuzz_support.h"
#include "nasrank/io/nats.h"
#include "nasrank/io/pickle.h"

#include <optional>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nasrank;
  static const fuzz::ScratchFile meta_file("meta.pickle");
  const std::string_view bytes = fuzz::as_text(data, size);
  io::NatsReadLimits limits;
  limits.max_decode_bytes = std::uint64_t{64} << 20;
  io::PickleOptions options;
  options.max_decode_bytes = limits.max_decode_bytes;
  std::optional<io::PickleValue> value;
  fuzz::expect_input_error_only([&] { value = io::parse_pickle(bytes, "000002.pickle", options); });
  if (value) fuzz::expect_input_error_only([&] { (void)io::nats_arch_from_pickle(*value, -1, "000002.pickle"); });
  fuzz::expect_input_error_only([&] { (void)io::read_nats_meta(meta_file.write(bytes), limits); });
  fuzz::expect_input_error_only([&] {
    const auto in = io::open_memory_input(std::string(bytes), "NATS-tss.pickle", io::Compression::None);
    std::size_t records = 0;
    (void)io::stream_nats_single_file(
        *in, [&](io::NatsArchRecord&& record) { records += record.budgets.size(); }, limits);
  });
  return 0;
}
