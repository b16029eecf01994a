// Cross-checks the exact class key against graph isomorphism as Boost.Graph
// decides it, over the whole NAS-Bench-201 space: two cells whose functions
// are isomorphic DAGs (the same ops on the same edges once the intermediate
// vertices are renamed; input and output stay put) build the same network, so
// they must share a key. The isomorphism test is boost::isomorphism on a graph
// built here, independently of the code under test.
#include "nasrank/cell/encoding.h"
#include "nasrank/cell/facts.h"
#include "nasrank/cell/graph.h"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/isomorphism.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>
#include <vector>

namespace nasrank::cell {
namespace {

using Labelled = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS>;
using LabelledVertex = boost::graph_traits<Labelled>::vertex_descriptor;

// The cell's non-zero edges, each subdivided by a vertex labelled with its op,
// so that a vertex-labelled isomorphism respects edge labels. Labels: 0 input,
// 1 output, 2 intermediate, 3 + op for an edge.
struct LabelledGraph {
  Labelled graph;
  std::vector<std::size_t> label;
};
constexpr std::size_t kMaxLabel = 3 + static_cast<std::size_t>(Op::Linear) + 1;

LabelledGraph labelled(const CellGraph& cell) {
  LabelledGraph out{Labelled(static_cast<std::size_t>(cell.num_vertices())), {}};
  for (int v = 0; v < cell.num_vertices(); ++v)
    out.label.push_back(v == cell.input_vertex() ? 0 : v == cell.output_vertex() ? 1 : 2);
  for (const Edge& edge : cell.edges()) {
    if (is_zero(edge.op)) continue;
    const LabelledVertex middle = boost::add_vertex(out.graph);
    out.label.push_back(3 + static_cast<std::size_t>(edge.op));
    boost::add_edge(static_cast<LabelledVertex>(edge.from), middle, out.graph);
    boost::add_edge(middle, static_cast<LabelledVertex>(edge.to), out.graph);
  }
  return out;
}

struct LabelOf {
  using result_type = std::size_t;
  using argument_type = LabelledVertex;
  const std::vector<std::size_t>* label;
  std::size_t operator()(LabelledVertex v) const { return (*label)[v]; }
  std::size_t max() const { return kMaxLabel; }  // one past the largest label
};

bool isomorphic(const LabelledGraph& a, const LabelledGraph& b) {
  if (boost::num_vertices(a.graph) != boost::num_vertices(b.graph)) return false;
  return boost::isomorphism(a.graph, b.graph,
                            boost::vertex_invariant1(LabelOf{&a.label}).vertex_invariant2(LabelOf{&b.label}));
}

// What a renaming of intermediate vertices cannot change: the ops leaving the
// input, entering the output, and between intermediates, as multisets.
using Signature = std::tuple<std::vector<Op>, std::vector<Op>, std::vector<Op>, std::vector<Op>>;
Signature signature(const CellGraph& cell) {
  Signature s;
  for (const Edge& e : cell.edges()) {
    if (is_zero(e.op)) continue;
    const bool from_input = e.from == cell.input_vertex();
    const bool to_output = e.to == cell.output_vertex();
    auto& bucket = from_input && to_output ? std::get<0>(s)
                   : from_input            ? std::get<1>(s)
                   : to_output             ? std::get<2>(s)
                                           : std::get<3>(s);
    bucket.push_back(e.op);
  }
  for (auto* ops : {&std::get<0>(s), &std::get<1>(s), &std::get<2>(s), &std::get<3>(s)})
    std::sort(ops->begin(), ops->end());
  return s;
}

// In a 4-vertex cell the one renaming that fixes input and output swaps the
// two intermediate vertices, which maps a cell onto a cell only when the edge
// between them is `none`. Written out by hand to check boost::isomorphism.
CellGraph swapped_intermediates(const CellGraph& cell) {
  CellGraph out(cell.space(), cell.num_vertices());
  auto rename = [](int v) { return v == 1 ? 2 : v == 2 ? 1 : v; };
  for (const Edge& e : cell.edges())
    if (!is_zero(e.op)) out.set_op(rename(e.from), rename(e.to), e.op);
  return out;
}

TEST(Isomorphism, IsomorphicNb201CellsShareTheirExactClassKey) {
  struct Class {
    LabelledGraph graph;
    std::string key;
    int first_index;
  };
  std::map<Signature, std::vector<Class>> classes_by_signature;
  int isomorphism_classes = 0;
  int cells_merged_with_another = 0;
  for (int index = 0; index < kNb201SpaceSize; ++index) {
    const CellGraph cell = from_benchmark_index(index);
    LabelledGraph graph = labelled(cell);
    const std::string key = exact_class_key(cell);
    std::vector<Class>& candidates = classes_by_signature[signature(cell)];
    const Class* same = nullptr;
    for (const Class& c : candidates)
      if (isomorphic(c.graph, graph)) {
        same = &c;
        break;
      }
    if (same == nullptr) {
      candidates.push_back(Class{std::move(graph), key, index});
      ++isomorphism_classes;
      continue;
    }
    ++cells_merged_with_another;
    EXPECT_EQ(key, same->key) << "cells " << same->first_index << " ("
                              << to_arch_string(from_benchmark_index(same->first_index)).value_or("?") << ") and "
                              << index << " (" << to_arch_string(cell).value_or("?")
                              << ") are isomorphic but their exact class keys differ";
    EXPECT_EQ(swapped_intermediates(cell), from_benchmark_index(same->first_index))
        << "boost::isomorphism merged cell " << index << " with " << same->first_index
        << " but swapping the intermediate vertices does not map one onto the other";
  }
  // 3,125 cells have `none` between the intermediates; swapping those maps
  // 125 onto themselves (equal ops on both sides) and pairs up the other
  // 3,000, so 1,500 cells join another's class: 15,625 - 1,500 = 14,125.
  EXPECT_EQ(cells_merged_with_another, 1500);
  EXPECT_EQ(isomorphism_classes, 14125);
}

}  // namespace
}  // namespace nasrank::cell
