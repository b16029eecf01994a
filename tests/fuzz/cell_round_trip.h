#pragma once
// Every encoding printed from a decoded cell must decode to the same cell. An
// encoding of the other space (the DAG code of an NB201 cell without convs
// and pools, and the reverse) decodes into its own space: there only the
// vertices and the edges must agree.
#include "fuzz_support.h"
#include "nasrank/cell/encoding.h"

namespace nasrank::fuzz {

inline void check_cell_round_trip(const cell::CellGraph& graph, std::string_view input) {
  const auto must_equal = [&](const cell::CellGraph& again, const std::string& printed, const char* encoding) {
    const bool same_cell = again.space() == graph.space()
                               ? again == graph
                               : again.num_vertices() == graph.num_vertices() && again.edges() == graph.edges();
    if (!same_cell)
      report_finding(std::string(encoding) + " '" + printed + "' printed from the decoding of '" + std::string(input) +
                     "' decodes to another cell");
  };
  const auto must_parse = [&](const std::string& printed, const char* encoding, auto parse) {
    try {
      must_equal(parse(printed), printed, encoding);
    } catch (const InputError& e) {
      report_finding(std::string(encoding) + " '" + printed + "' printed from the decoding of '" + std::string(input) +
                     "' is refused: " + e.what());
    }
  };
  must_parse(cell::to_graph_json(graph), "graph JSON", [](const std::string& t) { return cell::parse_graph_json(t); });
  if (const auto arch = cell::to_arch_string(graph))
    must_parse(*arch, "arch string", [](const std::string& t) { return cell::parse_arch_string(t); });
  if (const auto compact = cell::to_compact_code(graph))
    must_parse(*compact, "compact code", [](const std::string& t) { return cell::parse_compact_code(t); });
  if (const auto dag = cell::to_dag_code(graph))
    must_parse(*dag, "DAG code", [](const std::string& t) { return cell::parse_dag_code(t); });
  if (const auto index = cell::to_benchmark_index(graph))
    must_parse(std::to_string(*index), "benchmark index",
               [](const std::string& t) { return cell::from_benchmark_index(std::stoll(t)); });
  (void)cell::to_dot(graph, "fuzz");
}

}  // namespace nasrank::fuzz
