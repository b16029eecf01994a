#include "nasrank/cell/nb201_space.h"

#include "nasrank/common/error.h"

#include <cstdint>

namespace nasrank::cell {
namespace {

// kOrdinalOfIndex and kIndexOfOrdinal: the benchmark's order, written at build
// time by nb201_index_order_gen (python_random.h replays CPython's shuffle).
#include "nb201_index_order.inc"

static_assert(sizeof kOrdinalOfIndex / sizeof kOrdinalOfIndex[0] == kNb201SpaceSize, "generated table size");
static_assert(sizeof kIndexOfOrdinal / sizeof kIndexOfOrdinal[0] == kNb201SpaceSize, "generated table size");

}  // namespace

int product_ordinal(const Nb201Digits& digits) {
  int ordinal = 0;
  for (std::uint8_t d : digits) ordinal = ordinal * kNb201Ops + d;
  return ordinal;
}

Nb201Digits digits_from_ordinal(int ordinal) {
  NASRANK_CHECK(ordinal >= 0 && ordinal < kNb201SpaceSize, "ordinal out of range");
  Nb201Digits digits{};
  for (int k = kNb201Edges - 1; k >= 0; --k) {
    digits[static_cast<std::size_t>(k)] = static_cast<std::uint8_t>(ordinal % kNb201Ops);
    ordinal /= kNb201Ops;
  }
  return digits;
}

int ordinal_of_index(int index) {
  NASRANK_CHECK(index >= 0 && index < kNb201SpaceSize, "index out of range");
  return kOrdinalOfIndex[index];
}

int index_of_ordinal(int ordinal) {
  NASRANK_CHECK(ordinal >= 0 && ordinal < kNb201SpaceSize, "ordinal out of range");
  return kIndexOfOrdinal[ordinal];
}

Nb201Digits nb201_digits(const CellGraph& graph) {
  NASRANK_CHECK(graph.space() == Space::Nb201 && graph.num_vertices() == kNb201Vertices, "not a NAS-Bench-201 cell");
  Nb201Digits digits{};
  std::size_t k = 0;
  for (const Edge& e : graph.edges()) digits[k++] = static_cast<std::uint8_t>(e.op);
  return digits;
}

CellGraph graph_from_digits(const Nb201Digits& digits) {
  CellGraph graph(Space::Nb201, kNb201Vertices);
  std::size_t k = 0;
  for (int to = 1; to < kNb201Vertices; ++to)
    for (int from = 0; from < to; ++from) {
      NASRANK_CHECK(digits[k] < kNb201Ops, "NAS-Bench-201 digit out of range");
      graph.set_op(from, to, static_cast<Op>(digits[k++]));
    }
  return graph;
}

}  // namespace nasrank::cell
