#include "nasrank/cell/facts.h"

#include <algorithm>

namespace nasrank::cell {

std::vector<int> nonzero_in_degrees(const CellGraph& graph) {
  const int n = graph.num_vertices();
  std::vector<int> degree(static_cast<std::size_t>(n), 0);
  for (const Edge& edge : graph.edges())
    if (!is_zero(edge.op)) ++degree[static_cast<std::size_t>(edge.to)];
  return degree;
}

namespace {

// reach_from_input[v]: v is reachable from the input over non-zero edges;
// reaches_output[v]: the output is reachable from v. Vertices are already in
// topological order, so one sweep each way suffices.
struct Reachability {
  std::vector<bool> from_input;
  std::vector<bool> to_output;
};

Reachability reachability(const CellGraph& graph, const std::vector<Edge>& edges) {
  const auto n = static_cast<std::size_t>(graph.num_vertices());
  Reachability r{std::vector<bool>(n, false), std::vector<bool>(n, false)};
  r.from_input[0] = true;
  for (const Edge& e : edges)  // ordered by target: sources are final first
    if (!is_zero(e.op) && r.from_input[static_cast<std::size_t>(e.from)]) r.from_input[static_cast<std::size_t>(e.to)] = true;
  r.to_output[n - 1] = true;
  for (auto it = edges.rbegin(); it != edges.rend(); ++it)
    if (!is_zero(it->op) && r.to_output[static_cast<std::size_t>(it->to)]) r.to_output[static_cast<std::size_t>(it->from)] = true;
  return r;
}

void extend_paths(const CellGraph& graph, Path& current, std::vector<Path>& out) {
  const int here = current.vertices.back();
  if (here == graph.output_vertex()) {
    out.push_back(current);
    return;
  }
  for (int next = here + 1; next < graph.num_vertices(); ++next) {
    const Op op = graph.op(here, next);
    if (is_zero(op)) continue;
    current.vertices.push_back(next);
    current.ops.push_back(op);
    current.parameterized_edges += is_parameterized(op) ? 1 : 0;
    extend_paths(graph, current, out);
    current.parameterized_edges -= is_parameterized(op) ? 1 : 0;
    current.ops.pop_back();
    current.vertices.pop_back();
  }
}

}  // namespace

std::vector<Path> enumerate_paths(const CellGraph& graph) {
  std::vector<Path> paths;
  Path current;
  current.vertices.push_back(graph.input_vertex());
  extend_paths(graph, current, paths);
  return paths;
}

bool is_disconnected(const CellGraph& graph) {
  return !reachability(graph, graph.edges()).from_input.back();
}

std::vector<bool> live_edge_mask(const CellGraph& graph) {
  const std::vector<Edge> edges = graph.edges();
  const Reachability r = reachability(graph, edges);
  std::vector<bool> live(edges.size(), false);
  for (std::size_t k = 0; k < edges.size(); ++k) {
    const Edge& e = edges[k];
    live[k] = !is_zero(e.op) && r.from_input[static_cast<std::size_t>(e.from)] && r.to_output[static_cast<std::size_t>(e.to)];
  }
  return live;
}

namespace {

// Each vertex's expression is the sorted '+'-join of the terms its incoming
// edges give; `add_term(from, op, input, terms)` appends at most one. A vertex
// with no term gets `empty_vertex`.
template <typename AddTerm>
std::string output_expression(const CellGraph& graph, const char* empty_vertex, AddTerm add_term) {
  const int n = graph.num_vertices();
  std::vector<std::string> expr(static_cast<std::size_t>(n));
  expr[0] = "0";
  std::vector<std::string> terms;
  for (int to = 1; to < n; ++to) {
    terms.clear();
    for (int from = 0; from < to; ++from) add_term(from, to, graph.op(from, to), expr[static_cast<std::size_t>(from)], terms);
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

}  // namespace

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

std::vector<VertexValue> vertex_values(const CellGraph& graph) {
  const auto n = static_cast<std::size_t>(graph.num_vertices());
  std::vector<VertexValue> value(n, VertexValue::Zero);
  value[0] = VertexValue::Input;
  for (const Edge& e : graph.edges()) {  // ordered by target: sources are final first
    if (is_zero(e.op)) continue;
    const VertexValue source = value[static_cast<std::size_t>(e.from)];
    VertexValue term = source;
    if (source == VertexValue::Zero) term = is_parameterized(e.op) ? VertexValue::Constant : VertexValue::Zero;
    VertexValue& target = value[static_cast<std::size_t>(e.to)];
    if (term == VertexValue::Input || (term == VertexValue::Constant && target == VertexValue::Zero)) target = term;
  }
  return value;
}

std::vector<EdgeEffect> edge_effects(const CellGraph& graph) {
  const std::vector<Edge> edges = graph.edges();
  const Reachability r = reachability(graph, edges);
  const std::vector<VertexValue> value = vertex_values(graph);
  std::vector<EdgeEffect> effect(edges.size(), EdgeEffect::NoEffect);
  for (std::size_t k = 0; k < edges.size(); ++k) {
    const Edge& e = edges[k];
    if (is_zero(e.op) || !r.to_output[static_cast<std::size_t>(e.to)]) continue;
    if (value[static_cast<std::size_t>(e.from)] != VertexValue::Zero) effect[k] = EdgeEffect::Computed;
    else if (is_parameterized(e.op)) effect[k] = EdgeEffect::ConstantFromZero;
  }
  return effect;
}

std::string exact_class_key(const CellGraph& graph) {
  const std::vector<int> degree = nonzero_in_degrees(graph);
  return output_expression(graph, "#", [&](int from, int to, Op op, const std::string& input,
                                           std::vector<std::string>& terms) {
    if (is_zero(op)) return;
    if (input == "#") {
      if (is_parameterized(op)) terms.emplace_back(graph.space() == Space::Nb201 ? "B" : applied("#", op, graph.space()));
    } else if (op == Op::Skip) {
      terms.push_back(input);
    } else if (!is_parameterized(op)) {
      terms.push_back(applied(input, op, graph.space()));
    } else {
      terms.push_back(applied(input, op, graph.space()) + "{" + std::to_string(degree[static_cast<std::size_t>(from)]) +
                      "," + std::to_string(degree[static_cast<std::size_t>(to)]) + "}");
    }
  });
}

CellFacts analyze(const CellGraph& graph) {
  CellFacts facts;
  facts.num_vertices = graph.num_vertices();
  const std::vector<Edge> edges = graph.edges();
  facts.num_nonzero_edges =
      static_cast<int>(std::count_if(edges.begin(), edges.end(), [](const Edge& e) { return !is_zero(e.op); }));
  facts.in_degree = nonzero_in_degrees(graph);
  facts.paths = enumerate_paths(graph);
  facts.disconnected = facts.paths.empty();
  const std::vector<bool> live = live_edge_mask(graph);
  for (std::size_t k = 0; k < edges.size(); ++k)
    if (!is_zero(edges[k].op) && !live[k]) facts.dead_edges.push_back(edges[k]);
  const std::vector<EdgeEffect> effects = edge_effects(graph);
  for (std::size_t k = 0; k < edges.size(); ++k)
    if (!live[k] && effects[k] != EdgeEffect::NoEffect) facts.constant_edges.push_back(edges[k]);
  facts.exact_class_key = exact_class_key(graph);
  facts.unique_string = unique_string(graph, true);
  facts.unique_string_ignoring_zeros = unique_string(graph, false);
  return facts;
}

}  // namespace nasrank::cell
