#include "nasrank/cell/facts.h"

#include "cell/function_graph.h"

#include <boost/range/iterator_range.hpp>

#include <algorithm>

namespace nasrank::cell {

namespace {

using detail::FunctionGraph;
using detail::FunctionVertex;

FunctionVertex input_of(const CellGraph& cell) { return static_cast<FunctionVertex>(cell.input_vertex()); }
FunctionVertex output_of(const CellGraph& cell) { return static_cast<FunctionVertex>(cell.output_vertex()); }

std::vector<int> in_degrees(const FunctionGraph& graph) {
  std::vector<int> degree(boost::num_vertices(graph));
  for (FunctionVertex v = 0; v < degree.size(); ++v) degree[v] = static_cast<int>(boost::in_degree(v, graph));
  return degree;
}

// Boost.Graph has no all-paths algorithm (a depth-first search visits each
// vertex once), so the paths are a recursion over the function's out-edges.
void extend_paths(const FunctionGraph& graph, FunctionVertex output, Path& current, std::vector<Path>& out) {
  const auto here = static_cast<FunctionVertex>(current.vertices.back());
  if (here == output) {
    out.push_back(current);
    return;
  }
  for (const auto& edge : boost::make_iterator_range(boost::out_edges(here, graph))) {
    const Op op = graph[edge].op;
    current.vertices.push_back(static_cast<int>(boost::target(edge, graph)));
    current.ops.push_back(op);
    current.parameterized_edges += is_parameterized(op) ? 1 : 0;
    extend_paths(graph, output, current, out);
    current.parameterized_edges -= is_parameterized(op) ? 1 : 0;
    current.ops.pop_back();
    current.vertices.pop_back();
  }
}

std::vector<Path> paths_of(const CellGraph& cell, const FunctionGraph& graph) {
  std::vector<Path> paths;
  Path current;
  current.vertices.push_back(cell.input_vertex());
  extend_paths(graph, static_cast<FunctionVertex>(cell.output_vertex()), current, paths);
  return paths;
}

// from_input[v]: v is reachable from the input; to_output[v]: the output is
// reachable from v.
std::vector<bool> live_edges(const CellGraph& cell, const std::vector<bool>& from_input,
                             const std::vector<bool>& to_output) {
  const std::vector<Edge> edges = cell.edges();
  std::vector<bool> live(edges.size(), false);
  for (std::size_t k = 0; k < edges.size(); ++k) {
    const Edge& e = edges[k];
    live[k] =
        !is_zero(e.op) && from_input[static_cast<std::size_t>(e.from)] && to_output[static_cast<std::size_t>(e.to)];
  }
  return live;
}

std::vector<VertexValue> values_of(const FunctionGraph& graph) {
  std::vector<VertexValue> value(boost::num_vertices(graph), VertexValue::Zero);
  value[0] = VertexValue::Input;
  for (const FunctionVertex to : detail::topological_order(graph)) {  // sources are final before their targets
    VertexValue& target = value[to];
    for (const auto& edge : boost::make_iterator_range(boost::in_edges(to, graph))) {
      const VertexValue source = value[boost::source(edge, graph)];
      VertexValue term = source;
      if (source == VertexValue::Zero)
        term = is_parameterized(graph[edge].op) ? VertexValue::Constant : VertexValue::Zero;
      if (term == VertexValue::Input || (term == VertexValue::Constant && target == VertexValue::Zero)) target = term;
    }
  }
  return value;
}

std::vector<EdgeEffect> effects_of(const CellGraph& cell, const FunctionGraph& graph,
                                   const std::vector<bool>& to_output) {
  const std::vector<Edge> edges = cell.edges();
  const std::vector<VertexValue> value = values_of(graph);
  std::vector<EdgeEffect> effect(edges.size(), EdgeEffect::NoEffect);
  for (std::size_t k = 0; k < edges.size(); ++k) {
    const Edge& e = edges[k];
    if (is_zero(e.op) || !to_output[static_cast<std::size_t>(e.to)]) continue;
    if (value[static_cast<std::size_t>(e.from)] != VertexValue::Zero)
      effect[k] = EdgeEffect::Computed;
    else if (is_parameterized(e.op))
      effect[k] = EdgeEffect::ConstantFromZero;
  }
  return effect;
}

// Each vertex's expression is the sorted '+'-join of the terms its incoming
// pairs give; `add_term(from, to, op, input, terms)` appends at most one. A
// vertex with no term gets `empty_vertex`. The benchmark's strings are defined
// over the complete DAG, `none` pairs included (they give "#" or "(x)@none"
// terms), so this runs over the cell's table, whose numbering is a
// topological order of every pair, not over the function graph.
template <typename AddTerm>
std::string output_expression(const CellGraph& graph, const char* empty_vertex, AddTerm add_term) {
  const int n = graph.num_vertices();
  std::vector<std::string> expr(static_cast<std::size_t>(n));
  expr[0] = "0";
  std::vector<std::string> terms;
  for (int to = 1; to < n; ++to) {
    terms.clear();
    for (int from = 0; from < to; ++from)
      add_term(from, to, graph.op(from, to), expr[static_cast<std::size_t>(from)], terms);
    std::sort(terms.begin(), terms.end());
    std::string joined;
    for (std::size_t k = 0; k < terms.size(); ++k) {
      if (k) joined += '+';
      joined += terms[k];
    }
    expr[static_cast<std::size_t>(to)] = joined.empty() ? std::string(empty_vertex) : std::move(joined);
  }
  return expr.back();
}

std::string applied(const std::string& input, Op op, Space space) {
  std::string term;
  term.reserve(input.size() + 16);
  term.append("(").append(input).append(")@").append(op_name(op, space));
  return term;
}

std::string exact_class_key_of(const CellGraph& graph, const std::vector<int>& degree) {
  return output_expression(
      graph, "#", [&](int from, int to, Op op, const std::string& input, std::vector<std::string>& terms) {
        if (is_zero(op)) return;
        if (input == "#") {
          if (is_parameterized(op))
            terms.emplace_back(graph.space() == Space::Nb201 ? "B" : applied("#", op, graph.space()));
        } else if (op == Op::Skip) {
          terms.push_back(input);
        } else if (!is_parameterized(op)) {
          terms.push_back(applied(input, op, graph.space()));
        } else {
          terms.push_back(applied(input, op, graph.space()) + "{" +
                          std::to_string(degree[static_cast<std::size_t>(from)]) + "," +
                          std::to_string(degree[static_cast<std::size_t>(to)]) + "}");
        }
      });
}

}  // namespace

std::vector<int> nonzero_in_degrees(const CellGraph& graph) { return in_degrees(detail::function_graph(graph)); }

std::vector<Path> enumerate_paths(const CellGraph& graph) { return paths_of(graph, detail::function_graph(graph)); }

bool is_disconnected(const CellGraph& graph) {
  return !detail::reachable_from(detail::function_graph(graph), input_of(graph))[output_of(graph)];
}

// Each public function computes only what it answers from (the scaler calls
// edge_effects for every cell).
std::vector<bool> live_edge_mask(const CellGraph& graph) {
  const FunctionGraph function = detail::function_graph(graph);
  return live_edges(graph, detail::reachable_from(function, input_of(graph)),
                    detail::reaching(function, output_of(graph)));
}

std::vector<VertexValue> vertex_values(const CellGraph& graph) { return values_of(detail::function_graph(graph)); }

std::vector<EdgeEffect> edge_effects(const CellGraph& graph) {
  const FunctionGraph function = detail::function_graph(graph);
  return effects_of(graph, function, detail::reaching(function, output_of(graph)));
}

std::string unique_string(const CellGraph& graph, bool consider_zeros) {
  // The benchmark's isomorphism key: each vertex is the sorted sum of its
  // inputs' expressions; skip passes its input's expression through, and with
  // zeros considered a `none` edge or an all-zero input contributes "#".
  return output_expression(graph, "", [&](int, int, Op op, const std::string& input, std::vector<std::string>& terms) {
    if (consider_zeros && (is_zero(op) || input == "#"))
      terms.emplace_back("#");
    else if (op == Op::Skip)
      terms.push_back(input);
    else
      terms.push_back(applied(input, op, graph.space()));
  });
}

std::string exact_class_key(const CellGraph& graph) { return exact_class_key_of(graph, nonzero_in_degrees(graph)); }

CellFacts analyze(const CellGraph& graph) {
  const FunctionGraph function = detail::function_graph(graph);
  const std::vector<bool> to_output = detail::reaching(function, output_of(graph));
  CellFacts facts;
  facts.num_vertices = graph.num_vertices();
  facts.num_nonzero_edges = static_cast<int>(boost::num_edges(function));
  facts.in_degree = in_degrees(function);
  facts.paths = paths_of(graph, function);
  facts.disconnected = facts.paths.empty();
  const std::vector<Edge> edges = graph.edges();
  const std::vector<bool> live = live_edges(graph, detail::reachable_from(function, input_of(graph)), to_output);
  for (std::size_t k = 0; k < edges.size(); ++k)
    if (!is_zero(edges[k].op) && !live[k]) facts.dead_edges.push_back(edges[k]);
  const std::vector<EdgeEffect> effects = effects_of(graph, function, to_output);
  for (std::size_t k = 0; k < edges.size(); ++k)
    if (!live[k] && effects[k] != EdgeEffect::NoEffect) facts.constant_edges.push_back(edges[k]);
  facts.exact_class_key = exact_class_key_of(graph, facts.in_degree);
  facts.unique_string = unique_string(graph, true);
  facts.unique_string_ignoring_zeros = unique_string(graph, false);
  return facts;
}

}  // namespace nasrank::cell
