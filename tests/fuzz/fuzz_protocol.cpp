// A training protocol file (`--protocol FILE`), read by load_protocol; a
// protocol that loads must survive to_json -> protocol_from_json unchanged.
#include "fuzz_support.h"
#include "nasrank/train/protocol.h"

#include <optional>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nasrank;
  static const fuzz::ScratchFile file("protocol.json");
  const auto& path = file.write(fuzz::as_text(data, size));
  std::optional<train::Protocol> protocol;
  fuzz::expect_input_error_only([&] { protocol = train::load_protocol(path.string()); });
  if (!protocol) return 0;
  const nlohmann::json written = train::to_json(*protocol);
  try {
    const train::Protocol again = train::protocol_from_json(written, path.string());
    if (train::to_json(again) != written)
      fuzz::report_finding("protocol changes in a JSON round trip: " + written.dump());
  } catch (const InputError& e) {
    fuzz::report_finding("the JSON written for a loaded protocol is refused: " + std::string(e.what()) + "\n" +
                         written.dump());
  }
  return 0;
}
