#pragma once
// The function a cell computes, as Boost.Graph sees it: the cell's vertices and
// only its non-zero edges (a `none` edge adds zero, so it is no edge of the
// function). CellGraph keeps the complete table because every encoding lists
// `none` edges; the structural questions (reachability, paths, the order in
// which vertex values are known) are asked of this graph, with Boost.Graph's
// algorithms. Private to the cell module: no Boost type leaves it.
#include "nasrank/cell/graph.h"

#include <boost/graph/adjacency_matrix.hpp>

#include <vector>

namespace nasrank::cell::detail {

struct FunctionEdge {
  Op op = Op::None;
};

// A cell has at most a few dozen vertices and is dense, so the graph is an
// adjacency matrix: one allocation, where an adjacency list makes one per
// vertex and edge (measured: docs/architecture.md, "The cell graph").
using FunctionGraph = boost::adjacency_matrix<boost::directedS, boost::no_property, FunctionEdge>;
using FunctionVertex = boost::graph_traits<FunctionGraph>::vertex_descriptor;

// Each vertex's out-edges run in increasing target order, so paths come out
// in lexicographic vertex order.
FunctionGraph function_graph(const CellGraph& cell);

// Vertices in an order where every edge's source comes before its target
// (boost::topological_sort).
std::vector<FunctionVertex> topological_order(const FunctionGraph& graph);

// reached[v]: a directed path over the function's edges joins `start` to v
// (forward), or v to `start` (backward, on the reversed graph).
std::vector<bool> reachable_from(const FunctionGraph& graph, FunctionVertex start);
std::vector<bool> reaching(const FunctionGraph& graph, FunctionVertex target);

}  // namespace nasrank::cell::detail
