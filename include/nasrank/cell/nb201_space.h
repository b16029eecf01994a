#pragma once
// NAS-Bench-201's index order and space enumeration.
#include "nasrank/cell/graph.h"

#include <array>
#include <cstdint>
#include <vector>

namespace nasrank::cell {

// The six edge ops in code order (1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2).
using Nb201Digits = std::array<std::uint8_t, kNb201Edges>;

// Position of a cell in the benchmark's unshuffled product order (base-5
// number of its digits) and back.
int product_ordinal(const Nb201Digits& digits);
Nb201Digits digits_from_ordinal(int ordinal);

// Benchmark index <-> product ordinal: the official order is the product list
// shuffled by CPython's random.seed(88); random.shuffle(...).
int ordinal_of_index(int index);
int index_of_ordinal(int ordinal);

Nb201Digits nb201_digits(const CellGraph& graph);  // graph must be Nb201, 4 vertices
CellGraph graph_from_digits(const Nb201Digits& digits);

}  // namespace nasrank::cell
