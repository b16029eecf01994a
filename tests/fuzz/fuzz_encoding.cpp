// Architecture strings and codes as a user types them (`nasrank parse`,
// CSV import): parse_encoding and each explicit decoder, then a round trip
// through every printer.
#include "cell_round_trip.h"

#include <optional>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nasrank;
  const std::string_view text = fuzz::as_text(data, size);
  std::optional<cell::CellGraph> graph;
  fuzz::expect_input_error_only([&] { graph = cell::parse_encoding(text); });
  // The detector sends most texts to one decoder; the others must refuse them cleanly too.
  fuzz::expect_input_error_only([&] { cell::parse_arch_string(text); });
  fuzz::expect_input_error_only([&] { cell::parse_compact_code(text); });
  fuzz::expect_input_error_only([&] { cell::parse_dag_code(text); });
  if (graph) fuzz::check_cell_round_trip(*graph, text);
  return 0;
}
