// Cells given as graph JSON ({"space": ..., "vertices": N, "edges": [...]}),
// then a round trip through every printer.
#include "cell_round_trip.h"

#include <optional>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nasrank;
  const std::string_view text = fuzz::as_text(data, size);
  std::optional<cell::CellGraph> graph;
  fuzz::expect_input_error_only([&] { graph = cell::parse_graph_json(text); });
  if (graph) fuzz::check_cell_round_trip(*graph, text);
  return 0;
}
