#pragma once
// One JSON document with everything the parser knows about a graph: every
// encoding that can represent it and its structural facts.
#include "nasrank/cell/facts.h"
#include "nasrank/cell/graph.h"

#include <nlohmann/json.hpp>

namespace nasrank::cell {

// Keys: space, vertices, arch_string, benchmark_index, compact_code,
// dag_code (null where not representable), graph_json, nonzero_edges,
// in_degree, paths [{vertices, ops, parameterized_edges}], disconnected,
// dead_edges, unique_string, unique_string_ignoring_zeros.
nlohmann::json describe(const CellGraph& graph);
nlohmann::json describe(const CellGraph& graph, const CellFacts& facts);

// "0->1->3" and "nor_conv_3x3,skip_connect" renderings of a path.
std::string path_vertices_text(const Path& path);
std::string path_ops_text(const Path& path, Space space);

}  // namespace nasrank::cell
