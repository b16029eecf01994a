#include "nasrank/cell/graph.h"

#include "nasrank/common/error.h"

namespace nasrank::cell {

std::string_view op_name(Op op, Space space) {
  if (space == Space::Dag) {
    if (op == Op::None) return "zero";
    if (op == Op::Skip) return "skip";
  }
  switch (op) {
    case Op::None:
      return "none";
    case Op::Skip:
      return "skip_connect";
    case Op::Conv1x1:
      return "nor_conv_1x1";
    case Op::Conv3x3:
      return "nor_conv_3x3";
    case Op::AvgPool3x3:
      return "avg_pool_3x3";
    case Op::Linear:
      return "linear";
  }
  return "?";
}

std::string_view space_name(Space space) { return space == Space::Nb201 ? "nb201" : "dag"; }

bool is_parameterized(Op op) { return op == Op::Conv1x1 || op == Op::Conv3x3 || op == Op::Linear; }

CellGraph::CellGraph(Space space, int num_vertices)
    : space_(space),
      num_vertices_(num_vertices),
      ops_(num_vertices >= 2 ? static_cast<std::size_t>(num_vertices) * static_cast<std::size_t>(num_vertices - 1) / 2
                             : 0,
           Op::None) {
  NASRANK_CHECK(num_vertices >= 2, "a cell needs an input and an output vertex");
}

std::size_t CellGraph::slot(int from, int to) const {
  NASRANK_CHECK(from >= 0 && from < to && to < num_vertices_,
                "edge " + std::to_string(from) + "->" + std::to_string(to) + " outside the DAG");
  return static_cast<std::size_t>(to) * static_cast<std::size_t>(to - 1) / 2 + static_cast<std::size_t>(from);
}

Op CellGraph::op(int from, int to) const { return ops_[slot(from, to)]; }

void CellGraph::set_op(int from, int to, Op op) {
  const bool fits = space_ == Space::Nb201 ? op != Op::Linear : (op == Op::None || op == Op::Skip || op == Op::Linear);
  NASRANK_CHECK(fits, std::string("op ") + std::string(op_name(op, space_)) + " is not in space " +
                          std::string(space_name(space_)));
  ops_[slot(from, to)] = op;
}

std::vector<Edge> CellGraph::edges() const {
  std::vector<Edge> out;
  out.reserve(ops_.size());
  auto next = ops_.begin();
  for (int to = 1; to < num_vertices_; ++to)
    for (int from = 0; from < to; ++from) out.push_back(Edge{from, to, *next++});
  return out;
}

bool CellGraph::operator==(const CellGraph& other) const {
  return space_ == other.space_ && num_vertices_ == other.num_vertices_ && ops_ == other.ops_;
}

}  // namespace nasrank::cell
