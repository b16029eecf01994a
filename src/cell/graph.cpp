#include "nasrank/cell/graph.h"

#include "nasrank/common/error.h"

namespace nasrank::cell {

std::string_view op_name(Op op, Space space) {
  if (space == Space::Dag) {
    if (op == Op::None) return "zero";
    if (op == Op::Skip) return "skip";
  }
  switch (op) {
    case Op::None: return "none";
    case Op::Skip: return "skip_connect";
    case Op::Conv1x1: return "nor_conv_1x1";
    case Op::Conv3x3: return "nor_conv_3x3";
    case Op::AvgPool3x3: return "avg_pool_3x3";
    case Op::Linear: return "linear";
  }
  return "?";
}

std::string_view space_name(Space space) { return space == Space::Nb201 ? "nb201" : "dag"; }

bool is_parameterized(Op op) { return op == Op::Conv1x1 || op == Op::Conv3x3 || op == Op::Linear; }

CellGraph::CellGraph(Space space, int num_vertices) : space_(space), graph_(static_cast<std::size_t>(num_vertices)) {
  NASRANK_CHECK(num_vertices >= 2, "a cell needs an input and an output vertex");
  // Added in (target, source) order so that out_edges/in_edges iterate in the
  // encodings' order.
  for (int to = 1; to < num_vertices; ++to)
    for (int from = 0; from < to; ++from) boost::add_edge(from, to, EdgeOp{Op::None}, graph_);
}

BoostDag::edge_descriptor CellGraph::edge_at(int from, int to) const {
  NASRANK_CHECK(from >= 0 && from < to && to < num_vertices(),
                "edge " + std::to_string(from) + "->" + std::to_string(to) + " outside the DAG");
  auto [edge, found] = boost::edge(static_cast<std::size_t>(from), static_cast<std::size_t>(to), graph_);
  NASRANK_CHECK(found, "complete DAG lost an edge");
  return edge;
}

Op CellGraph::op(int from, int to) const { return graph_[edge_at(from, to)].op; }

void CellGraph::set_op(int from, int to, Op op) {
  const bool fits = space_ == Space::Nb201 ? op != Op::Linear : (op == Op::None || op == Op::Skip || op == Op::Linear);
  NASRANK_CHECK(fits, std::string("op ") + std::string(op_name(op, space_)) + " is not in space " + std::string(space_name(space_)));
  graph_[edge_at(from, to)].op = op;
}

std::vector<Edge> CellGraph::edges() const {
  std::vector<Edge> out;
  const int n = num_vertices();
  out.reserve(static_cast<std::size_t>(n * (n - 1) / 2));
  for (int to = 1; to < n; ++to)
    for (int from = 0; from < to; ++from) out.push_back(Edge{from, to, op(from, to)});
  return out;
}

bool CellGraph::operator==(const CellGraph& other) const {
  return space_ == other.space_ && num_vertices() == other.num_vertices() && edges() == other.edges();
}

}  // namespace nasrank::cell
