#include "nasrank/cell/space.h"

#include "nasrank/cell/encoding.h"
#include "nasrank/cell/facts.h"
#include "nasrank/common/error.h"

#include <unordered_set>

namespace nasrank::cell {

std::vector<Nb201CellSummary> nb201_space(Isomorphism isomorphism) {
  std::vector<Nb201CellSummary> cells;
  cells.reserve(kNb201SpaceSize);
  std::unordered_set<std::string> seen_classes;
  for (int index = 0; index < kNb201SpaceSize; ++index) {
    const CellGraph graph = from_benchmark_index(index);
    Nb201CellSummary cell;
    cell.index = index;
    cell.unique_string = unique_string(graph, true);
    if (isomorphism != Isomorphism::All) {
      const std::string key = isomorphism == Isomorphism::UniqueWithZeros ? cell.unique_string
                              : isomorphism == Isomorphism::Exact         ? exact_class_key(graph)
                                                                          : unique_string(graph, false);
      if (!seen_classes.insert(key).second) continue;
    }
    cell.arch_string = *to_arch_string(graph);
    cell.compact_code = *to_compact_code(graph);
    cell.disconnected = is_disconnected(graph);
    cells.push_back(std::move(cell));
  }
  return cells;
}

Nb201SpaceCounts count_nb201_space() {
  Nb201SpaceCounts counts;
  std::unordered_set<std::string> with_zeros;
  std::unordered_set<std::string> ignoring_zeros;
  std::unordered_set<std::string> exact;
  for (int index = 0; index < kNb201SpaceSize; ++index) {
    const CellGraph graph = from_benchmark_index(index);
    const std::string key = unique_string(graph, true);
    counts.disconnected += is_disconnected(graph) ? 1 : 0;
    with_zeros.insert(key);
    ignoring_zeros.insert(unique_string(graph, false));
    exact.insert(exact_class_key(graph));
    ++counts.total;
  }
  counts.unique_with_zeros = static_cast<int>(with_zeros.size());
  counts.unique_ignoring_zeros = static_cast<int>(ignoring_zeros.size());
  counts.exact_classes = static_cast<int>(exact.size());
  return counts;
}

std::uint64_t dag_space_size(int vertices) {
  std::uint64_t size = 1;
  for (int k = 0; k < vertices * (vertices - 1) / 2; ++k) size *= 3;
  return size;
}

namespace {

constexpr Op kDagOps[3] = {Op::None, Op::Skip, Op::Linear};

void check_enumerable(int vertices) {
  if (vertices < 2 || vertices > kMaxEnumeratedDagVertices)
    throw InputError("DAG space with " + std::to_string(vertices) + " vertices: expected 2.." +
                     std::to_string(kMaxEnumeratedDagVertices) + " (the space has 3^(n(n-1)/2) codes)");
}

}  // namespace

CellGraph dag_at(int vertices, std::uint64_t ordinal) {
  check_enumerable(vertices);
  const std::uint64_t size = dag_space_size(vertices);
  if (ordinal >= size)
    throw InputError("DAG number " + std::to_string(ordinal) + " of the " + std::to_string(vertices) +
                     "-vertex space: expected 0.." + std::to_string(size - 1));
  CellGraph graph(Space::Dag, vertices);
  // for_each_dag counts in base 3 with the code's last digit varying fastest.
  std::vector<Edge> edges = graph.edges();
  for (auto edge = edges.rbegin(); edge != edges.rend(); ++edge, ordinal /= 3)
    graph.set_op(edge->from, edge->to, kDagOps[ordinal % 3]);
  return graph;
}

void for_each_dag(int vertices, const std::function<bool(const CellGraph&)>& visit) {
  check_enumerable(vertices);
  const int num_edges = vertices * (vertices - 1) / 2;
  std::vector<int> digits(static_cast<std::size_t>(num_edges), 0);
  CellGraph graph(Space::Dag, vertices);
  while (true) {
    if (!visit(graph)) return;
    // Increment the code as a base-3 number whose last digit varies fastest.
    int k = num_edges - 1;
    for (; k >= 0; --k) {
      if (++digits[static_cast<std::size_t>(k)] < 3) break;
      digits[static_cast<std::size_t>(k)] = 0;
    }
    if (k < 0) return;
    int position = 0;
    for (int to = 1; to < vertices; ++to)
      for (int from = 0; from < to; ++from, ++position)
        if (position >= k) graph.set_op(from, to, kDagOps[digits[static_cast<std::size_t>(position)]]);
  }
}

}  // namespace nasrank::cell
