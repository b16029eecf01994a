#include "cell/function_graph.h"

#include <boost/graph/depth_first_search.hpp>
#include <boost/graph/reverse_graph.hpp>
#include <boost/graph/topological_sort.hpp>

#include <algorithm>
#include <iterator>

namespace nasrank::cell::detail {

FunctionGraph function_graph(const CellGraph& cell) {
  FunctionGraph graph(static_cast<std::size_t>(cell.num_vertices()));
  for (const Edge& edge : cell.edges())
    if (!is_zero(edge.op)) boost::add_edge(edge.from, edge.to, FunctionEdge{edge.op}, graph);
  return graph;
}

std::vector<FunctionVertex> topological_order(const FunctionGraph& graph) {
  std::vector<FunctionVertex> order;
  order.reserve(boost::num_vertices(graph));
  boost::topological_sort(graph, std::back_inserter(order));  // finishing order: sinks first
  std::reverse(order.begin(), order.end());
  return order;
}

namespace {

// Every vertex a depth-first visit from `start` colours is reachable from it.
template <typename Graph>
std::vector<bool> visited_from(const Graph& graph, FunctionVertex start) {
  const std::size_t n = boost::num_vertices(graph);
  std::vector<boost::default_color_type> colour(n, boost::white_color);
  boost::depth_first_visit(graph, start, boost::default_dfs_visitor(),
                           boost::make_iterator_property_map(colour.begin(), boost::get(boost::vertex_index, graph)));
  std::vector<bool> reached(n);
  for (std::size_t v = 0; v < n; ++v) reached[v] = colour[v] != boost::white_color;
  return reached;
}

}  // namespace

std::vector<bool> reachable_from(const FunctionGraph& graph, FunctionVertex start) {
  return visited_from(graph, start);
}

std::vector<bool> reaching(const FunctionGraph& graph, FunctionVertex target) {
  return visited_from(boost::make_reverse_graph(graph), target);
}

}  // namespace nasrank::cell::detail
