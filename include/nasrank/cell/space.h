#pragma once
// Enumerating whole search spaces: NAS-Bench-201's 15,625 cells and the
// paper's generic DAG spaces.
#include "nasrank/cell/graph.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace nasrank::cell {

struct Nb201CellSummary {
  int index = 0;
  std::string arch_string;
  std::string compact_code;
  std::string unique_string;  // zeros considered
  bool disconnected = false;
};

enum class Isomorphism {
  All,                 // every cell
  Exact,               // one per class of exact_class_key: cells that train identically
  UniqueWithZeros,     // one per class of the benchmark's zero-aware canonical string
  UniqueIgnoringZeros  // one per class of the canonical string without zeros
};

// In benchmark-index order; a class is represented by its lowest index.
std::vector<Nb201CellSummary> nb201_space(Isomorphism isomorphism = Isomorphism::All);

struct Nb201SpaceCounts {
  int total = 0;
  int unique_with_zeros = 0;
  int unique_ignoring_zeros = 0;
  int exact_classes = 0;  // classes of exact_class_key (see facts.h)
  int disconnected = 0;
};
Nb201SpaceCounts count_nb201_space();

// Every DAG code on `vertices` vertices (3^(n(n-1)/2) of them) in base-3
// counting order of the code's digits; `visit` returns false to stop early.
constexpr int kMaxEnumeratedDagVertices = 6;
std::uint64_t dag_space_size(int vertices);
void for_each_dag(int vertices, const std::function<bool(const CellGraph&)>& visit);
// The DAG for_each_dag visits at position `ordinal` (0 <= ordinal <
// dag_space_size(vertices)): lets a caller that cannot take a callback (a
// Python iterator) walk the space lazily, or resume in the middle.
CellGraph dag_at(int vertices, std::uint64_t ordinal);

}  // namespace nasrank::cell
