#pragma once
// The one graph type every module speaks: a DAG whose vertices are feature
// maps (0 = input, last = output) and whose edges carry one operation each.
// Every pair j < i holds exactly one edge, `none` included, so that every
// encoding (which lists `none` edges explicitly) round-trips. Stored densely,
// one op per pair in the encodings' order; the structural analysis
// (cell/facts.h) runs Boost.Graph's algorithms on the graph of the non-zero
// edges (docs/architecture.md, "The cell graph").
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nasrank::cell {

// Edge operations. The first five are NAS-Bench-201's, in its canonical order
// (their position is the compact-code digit); Linear is the generic DAG
// space's "linear or conv" parameterized edge (DAG-code digit 2).
enum class Op : std::uint8_t { None = 0, Skip = 1, Conv1x1 = 2, Conv3x3 = 3, AvgPool3x3 = 4, Linear = 5 };

// Which family a graph belongs to; it decides the op vocabulary, the encodings
// that apply and the scaler's default depth convention.
enum class Space : std::uint8_t { Nb201, Dag };

// The op's name in its space's vocabulary: NAS-Bench-201's names
// ("nor_conv_3x3", "none") or the DAG space's ("zero", "skip", "linear").
std::string_view op_name(Op op, Space space = Space::Nb201);
std::string_view space_name(Space space);
// Ops that carry weights (and so add depth): the convolutions and Linear.
bool is_parameterized(Op op);
// `none`: the edge's output is zero, so it is not an edge of the function.
inline bool is_zero(Op op) { return op == Op::None; }

struct Edge {
  int from = 0;
  int to = 0;
  Op op = Op::None;
  bool operator==(const Edge& other) const { return from == other.from && to == other.to && op == other.op; }
};

class CellGraph {
 public:
  // A complete DAG on `num_vertices` vertices with every edge `none`.
  CellGraph(Space space, int num_vertices);

  Space space() const { return space_; }
  int num_vertices() const { return num_vertices_; }
  int input_vertex() const { return 0; }
  int output_vertex() const { return num_vertices() - 1; }

  // Requires 0 <= from < to < num_vertices(); the op must belong to space().
  Op op(int from, int to) const;
  void set_op(int from, int to, Op op);

  // All j < i edges, ordered by target then source (the encodings' order).
  std::vector<Edge> edges() const;

  bool operator==(const CellGraph& other) const;
  bool operator!=(const CellGraph& other) const { return !(*this == other); }

 private:
  // Position of edge from->to in ops_: edges ordered by target, then source.
  std::size_t slot(int from, int to) const;

  Space space_;
  int num_vertices_;
  std::vector<Op> ops_;
};

// The cell of NAS-Bench-201: 4 vertices, ops from its five.
constexpr int kNb201Vertices = 4;
constexpr int kNb201Edges = 6;
constexpr int kNb201Ops = 5;
constexpr int kNb201SpaceSize = 15625;  // 5^6

}  // namespace nasrank::cell
