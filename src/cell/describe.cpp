#include "nasrank/cell/describe.h"

#include "nasrank/cell/encoding.h"

namespace nasrank::cell {
namespace {
template <typename T>
nlohmann::json optional_json(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}
}  // namespace

std::string path_vertices_text(const Path& path) {
  std::string out;
  for (std::size_t k = 0; k < path.vertices.size(); ++k) out += (k ? "->" : "") + std::to_string(path.vertices[k]);
  return out;
}

std::string path_ops_text(const Path& path, Space space) {
  std::string out;
  for (std::size_t k = 0; k < path.ops.size(); ++k) {
    if (k) out += ',';
    out += op_name(path.ops[k], space);
  }
  return out;
}

nlohmann::json describe(const CellGraph& graph) { return describe(graph, analyze(graph)); }

nlohmann::json describe(const CellGraph& graph, const CellFacts& facts) {
  nlohmann::json paths = nlohmann::json::array();
  for (const Path& p : facts.paths) {
    nlohmann::json ops = nlohmann::json::array();
    for (Op op : p.ops) ops.push_back(std::string(op_name(op, graph.space())));
    paths.push_back({{"vertices", p.vertices}, {"ops", ops}, {"parameterized_edges", p.parameterized_edges}});
  }
  auto edge_list = [&](const std::vector<Edge>& edges) {
    nlohmann::json list = nlohmann::json::array();
    for (const Edge& e : edges)
      list.push_back({{"from", e.from}, {"to", e.to}, {"op", std::string(op_name(e.op, graph.space()))}});
    return list;
  };
  return nlohmann::json{
      {"space", std::string(space_name(graph.space()))},
      {"vertices", facts.num_vertices},
      {"arch_string", optional_json(to_arch_string(graph))},
      {"benchmark_index", optional_json(to_benchmark_index(graph))},
      {"compact_code", optional_json(to_compact_code(graph))},
      {"dag_code", optional_json(to_dag_code(graph))},
      {"graph_json", nlohmann::json::parse(to_graph_json(graph))},
      {"nonzero_edges", facts.num_nonzero_edges},
      {"in_degree", facts.in_degree},
      {"paths", paths},
      {"disconnected", facts.disconnected},
      {"dead_edges", edge_list(facts.dead_edges)},
      {"constant_edges", edge_list(facts.constant_edges)},
      {"unique_string", facts.unique_string},
      {"exact_class_key", facts.exact_class_key},
      {"unique_string_ignoring_zeros", facts.unique_string_ignoring_zeros},
  };
}

}  // namespace nasrank::cell
